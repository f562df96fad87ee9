#include "prism/nn/attention_rotate.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "prism/autograd/functions.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/autograd/node.hpp"
#include "prism/nn/init.hpp"

namespace prism::nn {

namespace {

constexpr const char* kKind = "spectral-rotate";

// Visits every slot: p (index into r / phi), i (first column of its block), pair (2x2 or 1x1).
template <class F> void for_each_slot(std::int64_t heads, std::int64_t head_size, F&& f) {
    const std::int64_t K = (head_size + 1) / 2;
    for (std::int64_t h = 0; h < heads; ++h)
        for (std::int64_t k = 0; k < K; ++k) f(h * K + k, h * head_size + 2 * k, 2 * k + 1 < head_size);
}

}  // namespace

Tensor rotation_blocks(const Tensor& r, const Tensor& phi, std::int64_t heads, std::int64_t head_size) {
    const std::int64_t K = (head_size + 1) / 2, P = heads * K, C = heads * head_size;
    PRISM_CHECK(heads > 0 && head_size > 0 && r.dim() == 1 && phi.dim() == 1 && r.size(0) == P && phi.size(0) == P &&
                    r.dtype() == phi.dtype() && is_floating(r.dtype()),
                "rotation_blocks", "r ", shape_str(r.shape()), " ", dtype_name(r.dtype()), ", phi ",
                shape_str(phi.shape()), " ", dtype_name(phi.dtype()), ": expected two float tensors (", P,
                ") for ", heads, " heads of size ", head_size);
    const auto rv = r.detach().to_vector<double>(), pv = phi.detach().to_vector<double>();
    std::vector<double> b(static_cast<std::size_t>(C * C), 0.0);
    for_each_slot(heads, head_size, [&](std::int64_t p, std::int64_t i, bool pair) {
        const double c = std::cos(pv[p]), s = std::sin(pv[p]);
        b[i * C + i] = rv[p] * c;
        if (!pair) return;
        b[i * C + i + 1] = -rv[p] * s;
        b[(i + 1) * C + i] = rv[p] * s;
        b[(i + 1) * C + i + 1] = rv[p] * c;
    });
    Tensor out = Tensor::from_vector(b, {C, C}).to(r.dtype());
    const DType dt = r.dtype();
    return record("rotation_blocks", out, {r, phi}, [rv, pv, heads, head_size, C, dt](const Tensor& grad) {
        // dB_ii = dB_jj = c dr - r s dphi,  dB_ji = -dB_ij = s dr + r c dphi  (j = i + 1)
        const auto g = grad.to_vector<double>();
        std::vector<double> dr(rv.size(), 0.0), dphi(pv.size(), 0.0);
        for_each_slot(heads, head_size, [&](std::int64_t p, std::int64_t i, bool pair) {
            const double c = std::cos(pv[p]), s = std::sin(pv[p]);
            const double diag = g[i * C + i] + (pair ? g[(i + 1) * C + i + 1] : 0.0);
            const double skew = pair ? g[(i + 1) * C + i] - g[i * C + i + 1] : 0.0;
            dr[p] = c * diag + s * skew;
            dphi[p] = rv[p] * (-s * diag + c * skew);
        });
        const Shape shape{static_cast<std::int64_t>(rv.size())};
        return std::vector<Tensor>{Tensor::from_vector(dr, shape).to(dt), Tensor::from_vector(dphi, shape).to(dt)};
    });
}

AttentionKindInfo rotate_kind() {
    return {.name = kKind,
            .summary = "spectral attention, H_h = V_h B_h V_h^T with complex eigenvalue pairs r e^(+-i phi)",
            .factory = [](const AttentionConfig& c, const AttentionArgs& a) { return std::make_shared<RotateAttention>(c, a); },
            .params = {{.name = "rotate-clip", .type = AttentionParam::Type::Pair,
                        .help = "LO,HI: clip the magnitudes r of its eigenvalues r e^(+-i phi), e.g. --rotate-clip 0,1",
                        .range = number_at_least(0), .key = "clip"}},
            .study_default = true};
}

RotateAttention::RotateAttention(const AttentionConfig& cfg, const AttentionArgs& args)
    : Attention("RotateAttention"), dim(args.dim), heads(args.heads), config(cfg), gen(args.gen) {
    if (dim <= 0 || heads <= 0 || dim % heads != 0)
        throw Error(kKind, "dim ", dim, " must be a positive multiple of heads ", heads);
    head_size = dim / heads;
    slots = (head_size + 1) / 2;
    clip = cfg.pair("clip");
    if (clip) {
        if (!(clip->first >= 0 && clip->first <= clip->second) || !std::isfinite(clip->second))
            throw Error(kKind, "clip range [", clip->first, ", ", clip->second,
                        "] of the magnitudes r must satisfy 0 <= lo <= hi (finite)");
    }
    qk = register_module("qk", std::make_shared<Linear>(dim, 2 * dim, cfg.qkv_bias, args.gen));
    Tensor th = Tensor::empty({dim, dim});
    init::kaiming_uniform_(th, std::sqrt(5.0), args.gen);  // U(-1/sqrt(C), 1/sqrt(C)), as spectral-*
    theta = register_parameter("theta", th);
    Tensor ps = Tensor::empty({heads * slots});
    init::uniform_(ps, 0.0, 1.0, args.gen);  // r = psi^2 in [0, 1), as spectral-smooth's Lambda
    psi = register_parameter("psi", ps);
    Tensor ph = Tensor::empty({heads * slots});
    init::uniform_(ph, 0.0, std::numbers::pi, args.gen);
    phi = register_parameter("phi", ph);
    proj_drop = register_module("proj_drop", std::make_shared<Dropout>(cfg.proj_drop, args.gen));
}

Tensor RotateAttention::basis() const { return qr(theta).first; }

Tensor RotateAttention::magnitudes() const {
    Tensor r = square(psi);
    return clip ? clamp(r, clip->first, clip->second) : r;
}

Tensor RotateAttention::blocks() const { return rotation_blocks(magnitudes(), phi, heads, head_size); }

Tensor RotateAttention::forward(const Tensor& x, AttentionContext& ctx) {
    auto g = path_guard();
    if (x.dim() != 3 || x.size(2) != dim)
        throw Error(kKind, "input ", shape_str(x.shape()), " is not (B, T, ", dim, ")");
    const std::int64_t B = x.size(0), T = x.size(1);
    const std::vector<Tensor> qk_heads = split_heads(qk->forward(x), 2, heads, head_size);  // (B, NH, T, HS) each
    Tensor q = qk_heads[0], k = qk_heads[1];
    Tensor VH = basis();                       // (C, C)
    Tensor WO = matmul(blocks(), VH.t());      // (C, C) = B V_H^T
    // v = x V_H: (B, T, C) -> (B, T, NH, HS) -> (B, NH, T, HS)
    Tensor v = matmul(x, VH).reshape({B, T, heads, head_size}).transpose(1, 2);
    if (ctx.layer_index == 0) ctx.v_first = v;
    Tensor o = attend_heads(q, k, v, config.causal, config.attn_drop, gen);
    // (B, NH, T, HS) -> (B, T, C) @ (C, C)
    Tensor y = proj_drop->forward(matmul(o.transpose(1, 2).reshape({B, T, dim}), WO));
    probe("out", y);
    return y;
}

std::vector<Tensor> RotateAttention::head_operators() const {
    NoGradGuard ng;
    Tensor VH = basis(), Bm = blocks();
    std::vector<Tensor> out;
    for (std::int64_t h = 0; h < heads; ++h) {
        Tensor Vh = VH.narrow(1, h * head_size, head_size);                                 // (C, HS)
        Tensor Bh = Bm.narrow(0, h * head_size, head_size).narrow(1, h * head_size, head_size);  // (HS, HS)
        out.push_back(matmul(matmul(Vh, Bh), Vh.t()).detach());
    }
    return out;
}

std::optional<LayerLinearMap> RotateAttention::linear_map() const {
    NoGradGuard ng;
    const Tensor VH = basis().to(kFloat64), Bm = blocks().to(kFloat64);  // (C, C), (C, C)
    const auto r = magnitudes().to_vector<double>(), ph = phi.detach().to_vector<double>();
    LayerLinearMap m;
    for (std::int64_t h = 0; h < heads; ++h) {
        const Tensor Vh = VH.narrow(1, h * head_size, head_size).contiguous();                        // (C, HS)
        const Tensor Bh = Bm.narrow(0, h * head_size, head_size).narrow(1, h * head_size, head_size);  // (HS, HS)
        m.heads.push_back({Vh, matmul(Bh, Vh.t()).contiguous()});  // V_h, B_h V_h^T
        std::vector<std::complex<double>> e;
        for (std::int64_t k = 0; k < slots; ++k) {
            const std::size_t p = static_cast<std::size_t>(h * slots + k);
            if (2 * k + 1 < head_size) {
                e.push_back(std::polar(r[p], ph[p]));
                e.push_back(std::polar(r[p], -ph[p]));
            } else {
                e.emplace_back(r[p] * std::cos(ph[p]), 0.0);  // odd HS: the 1x1 slot
            }
        }
        m.eigenvalues.push_back(e);
    }
    m.h_operator = "B_h (H_h = V_h B_h V_h^T, eigenvalues r e^{+-i phi})";
    return m;
}

void RotateAttention::scale_head(std::int64_t head, double factor) {
    PRISM_CHECK(head >= 0 && head < heads && factor > 0 && std::isfinite(factor), "scale_head", kKind, ": head ", head,
                " of ", heads, ", factor ", factor, ": expected a head index and a positive finite factor");
    NoGradGuard ng;
    Tensor part = psi.narrow(0, head * slots, slots);
    part.copy_(mul(part, std::sqrt(factor)));
}

double RotateAttention::unclipped_head_norm(std::int64_t head) const {
    PRISM_CHECK(head >= 0 && head < heads, "unclipped_head_norm", kKind, ": head ", head, " of ", heads);
    const auto ps = psi.detach().to_vector<double>(), ph = phi.detach().to_vector<double>();
    double m = 0;
    for (std::int64_t k = 0; k < slots; ++k) {
        const std::size_t p = static_cast<std::size_t>(head * slots + k);
        const bool pair = 2 * k + 1 < head_size;
        // ||r R(phi)||_2 = r for a 2x2 slot; |r cos phi| for the 1x1 slot of an odd head
        m = std::max(m, ps[p] * ps[p] * (pair ? 1.0 : std::fabs(std::cos(ph[p]))));
    }
    return m;
}

std::string RotateAttention::extra_repr() const {
    std::string s = Error::cat("dim=", dim, ", heads=", heads, ", causal=", config.causal ? "True" : "False");
    if (clip) s += Error::cat(", clip=[", clip->first, ", ", clip->second, "]");
    return s;
}

}  // namespace prism::nn
