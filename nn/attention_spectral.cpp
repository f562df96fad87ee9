#include "prism/nn/attention_spectral.hpp"

#include <cmath>

#include "prism/autograd/functions.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/nn/init.hpp"

namespace prism::nn {

namespace {

const char* mode_name(SpectralMode m) {
    switch (m) {
        case SpectralMode::Smooth: return "spectral-smooth";
        case SpectralMode::Sharpen: return "spectral-sharpen";
        default: return "spectral-free";
    }
}

}  // namespace

AttentionKindInfo spectral_kind(SpectralMode mode) {
    const char* what = mode == SpectralMode::Smooth    ? "eigenvalues psi^2 >= 0 (smoothing)"
                       : mode == SpectralMode::Sharpen ? "eigenvalues -psi^2 <= 0 (sharpening)"
                                                       : "eigenvalues psi of either sign";
    return {.name = mode_name(mode),
            .summary = std::string("spectral attention, H_h = V_h Lambda_h V_h^T with ") + what,
            .factory = [mode](const AttentionConfig& c, const AttentionArgs& a) {
                return std::make_shared<SpectralAttention>(c, a, mode);
            },
            .params = {{.name = "spectral-clip", .type = AttentionParam::Type::Pair,
                        .help = "LO,HI: clip the eigenvalues Lambda, e.g. --spectral-clip=-1,0", .key = "clip"}},
            .study_default = mode != SpectralMode::Free};
}

SpectralAttention::SpectralAttention(const AttentionConfig& cfg, const AttentionArgs& args, SpectralMode m)
    : Attention("SpectralAttention"), dim(args.dim), heads(args.heads), config(cfg), mode(m), gen(args.gen) {
    if (dim <= 0 || heads <= 0 || dim % heads != 0)
        throw Error(mode_name(mode), "dim ", dim, " must be a positive multiple of heads ", heads);
    head_size = dim / heads;
    clip = cfg.pair("clip");
    if (clip) {
        if (!(clip->first <= clip->second))
            throw Error(mode_name(mode), "clip range [", clip->first, ", ", clip->second, "] is empty");
    }
    qk = register_module("qk", std::make_shared<Linear>(dim, 2 * dim, cfg.qkv_bias, args.gen));
    Tensor th = Tensor::empty({dim, dim});
    init::kaiming_uniform_(th, std::sqrt(5.0), args.gen);  // U(-1/sqrt(C), 1/sqrt(C))
    theta = register_parameter("theta", th);
    Tensor ps = Tensor::empty({dim});
    init::uniform_(ps, 0.0, 1.0, args.gen);
    psi = register_parameter("psi", ps);
    proj_drop = register_module("proj_drop", std::make_shared<Dropout>(cfg.proj_drop, args.gen));
}

std::string SpectralAttention::kind() const { return mode_name(mode); }

Tensor SpectralAttention::basis() const { return qr(theta).first; }

Tensor SpectralAttention::eigenvalues() const {
    Tensor lam = mode == SpectralMode::Free ? psi : square(psi);
    if (mode == SpectralMode::Sharpen) lam = neg(lam);
    if (clip) lam = clamp(lam, clip->first, clip->second);
    return lam;
}

Tensor SpectralAttention::forward(const Tensor& x, AttentionContext& ctx) {
    auto g = path_guard();
    if (x.dim() != 3 || x.size(2) != dim)
        throw Error(mode_name(mode), "input ", shape_str(x.shape()), " is not (B, T, ", dim, ")");
    const std::int64_t B = x.size(0), T = x.size(1);
    const std::vector<Tensor> qk_heads = split_heads(qk->forward(x), 2, heads, head_size);  // (B, NH, T, HS) each
    Tensor q = qk_heads[0], k = qk_heads[1];
    Tensor VH = basis();       // (C, C)
    Tensor lam = eigenvalues();  // (C)
    // v = x V_H: (B, T, C) -> (B, T, NH, HS) -> (B, NH, T, HS)
    Tensor v = matmul(x, VH).reshape({B, T, heads, head_size}).transpose(1, 2);
    if (ctx.layer_index == 0) ctx.v_first = v;
    Tensor o = attend_heads(q, k, v, config.causal, config.attn_drop, gen);
    // (B, NH, T, HS) -> (B, T, C), then @ Lambda V_H^T (C, C): column j of the heads' output scaled by
    // Lambda_j and mapped back by V_H^T, with the scaling folded into the (C, C) matrix instead of a
    // pass over (B, T, C)
    Tensor y = proj_drop->forward(matmul(o.transpose(1, 2).reshape({B, T, dim}), mul(VH, lam).t()));
    probe("out", y);
    return y;
}

std::vector<Tensor> SpectralAttention::head_operators() const {
    NoGradGuard ng;
    Tensor VH = basis(), lam = eigenvalues();
    std::vector<Tensor> out;
    for (std::int64_t h = 0; h < heads; ++h) {
        Tensor Vh = VH.narrow(1, h * head_size, head_size);  // (C, HS)
        out.push_back(matmul(mul(Vh, lam.narrow(0, h * head_size, head_size)), Vh.t()).detach());
    }
    return out;
}

std::optional<LayerLinearMap> SpectralAttention::linear_map() const {
    NoGradGuard ng;
    const Tensor VH = basis().to(kFloat64), lam = eigenvalues().to(kFloat64);  // (C, C), (C)
    const auto lv = lam.to_vector<double>();
    LayerLinearMap m;
    for (std::int64_t h = 0; h < heads; ++h) {
        const Tensor Vh = VH.narrow(1, h * head_size, head_size).contiguous();  // (C, HS)
        const Tensor lh = lam.narrow(0, h * head_size, head_size);            // (HS)
        m.heads.push_back({Vh, mul(Vh, lh).t().contiguous()});                // V_h, diag(Lambda_h) V_h^T
        m.eigenvalues.emplace_back(lv.begin() + h * head_size, lv.begin() + (h + 1) * head_size);
    }
    m.h_operator = "Lambda_h (H_h = V_h Lambda_h V_h^T)";
    return m;
}

std::string SpectralAttention::extra_repr() const {
    std::string s = Error::cat("dim=", dim, ", heads=", heads, ", causal=", config.causal ? "True" : "False");
    if (clip) s += Error::cat(", clip=[", clip->first, ", ", clip->second, "]");
    return s;
}

}  // namespace prism::nn
