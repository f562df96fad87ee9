#include "prism/nn/attention.hpp"

#include <typeinfo>

#include "prism/autograd/fn_nn.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/nn/attention_registry.hpp"

namespace prism::nn {

MultiHeadSelfAttention::MultiHeadSelfAttention(const AttentionConfig& cfg, const AttentionArgs& args)
    : Attention("MultiHeadSelfAttention"), dim(args.dim), heads(args.heads), config(cfg), gen(args.gen) {
    if (dim <= 0 || heads <= 0 || dim % heads != 0)
        throw Error("MultiHeadSelfAttention", "dim ", dim, " must be a positive multiple of heads ", heads);
    head_size = dim / heads;
    qkv = register_module(args.qkv_name, std::make_shared<Linear>(dim, 3 * dim, cfg.qkv_bias, args.gen));
    proj = register_module(args.proj_name, std::make_shared<Linear>(dim, dim, true, args.gen));
    proj_drop = register_module("proj_drop", std::make_shared<Dropout>(cfg.proj_drop, args.gen));
}

std::array<Tensor, 3> MultiHeadSelfAttention::project_qkv(const Tensor& x) {
    if (x.dim() != 3 || x.size(2) != dim)
        throw Error("attention", "input ", shape_str(x.shape()), " is not (B, T, ", dim, ")");
    const std::vector<Tensor> h = split_heads(qkv->forward(x), 3, heads, head_size);
    return {h[0], h[1], h[2]};
}

std::vector<Tensor> split_heads(const Tensor& packed, std::int64_t n, std::int64_t heads, std::int64_t head_size) {
    PRISM_CHECK(packed.dim() == 3 && packed.size(2) == n * heads * head_size, "split_heads", "projection ",
                shape_str(packed.shape()), " is not (B, T, ", n * heads * head_size, ")");
    // (B, T, n*C) -> (B, T, n, NH, HS) -> (n, B, NH, T, HS)
    return packed.reshape({packed.size(0), packed.size(1), n, heads, head_size}).permute({2, 0, 3, 1, 4}).unbind(0);
}

Tensor Attention::attend_heads(const Tensor& q, const Tensor& k, const Tensor& v, bool causal, double attn_drop,
                               Generator* gen) {
    const double p = is_training() ? attn_drop : 0.0;
    Generator* g = gen ? gen : &default_generator();
    if (probe_wants("probs")) {
        Tensor probs;
        Tensor y = scaled_dot_product_attention(q, k, v, causal, p, g, &probs);
        probe("probs", probs);
        return y;
    }
    return scaled_dot_product_attention(q, k, v, causal, p, g);
}

Tensor MultiHeadSelfAttention::attend(const Tensor& q, const Tensor& k, const Tensor& v, AttentionContext&) {
    return attend_heads(q, k, v, config.causal, config.attn_drop, gen);
}

Tensor MultiHeadSelfAttention::project_out(const Tensor& h) {
    const std::int64_t B = h.size(0), T = h.size(2);
    // (B, NH, T, HS) -> (B, T, NH, HS) -> (B, T, C)
    return proj_drop->forward(proj->forward(h.transpose(1, 2).reshape({B, T, dim})));
}

Tensor MultiHeadSelfAttention::forward(const Tensor& x, AttentionContext& ctx) {
    auto g = path_guard();
    auto [q, k, v] = project_qkv(x);
    if (ctx.layer_index == 0) ctx.v_first = v;  // V^0 for kinds that mix it into later layers
    Tensor y = project_out(attend(q, k, v, ctx));
    probe("out", y);
    return y;
}

LayerLinearMap MultiHeadSelfAttention::standard_linear_map() const {
    NoGradGuard ng;
    LayerLinearMap m;
    const Tensor W = qkv->weight.detach().to(kFloat64), O = proj->weight.detach().to(kFloat64);  // (3C, C), (C, C)
    for (std::int64_t h = 0; h < heads; ++h)
        m.heads.push_back({W.narrow(0, 2 * dim + h * head_size, head_size).t().contiguous(),  // W_V^h (C, HS)
                           O.narrow(1, h * head_size, head_size).t().contiguous()});          // W_O^h (HS, C)
    m.h_operator = "eig(W_O^h W_V^h) (HS x HS)";
    return m;
}

std::optional<LayerLinearMap> MultiHeadSelfAttention::linear_map() const {
    if (typeid(*this) == typeid(MultiHeadSelfAttention)) return standard_linear_map();
    LayerLinearMap m;
    m.applicable = false;
    m.reason = "attention kind '" + kind() + "': its layer map is not known to the diagnostics";
    return m;
}

std::string MultiHeadSelfAttention::extra_repr() const {
    return Error::cat("dim=", dim, ", heads=", heads, ", causal=", config.causal ? "True" : "False");
}

double AttentionConfig::param(const std::string& name) const {
    if (auto it = params.find(name); it != params.end()) return it->second;
    // not set (make_attention fills them; a kind built directly may not be): the registered default
    if (is_attention_kind(kind))
        for (const auto& p : attention_kind(kind).params)
            if (p.config_key() == name && p.default_for(Task::Vision)) return *p.default_for(Task::Vision);
    throw Error("attention", kind, ": parameter '", name, "' is not set and has no default");
}

std::optional<std::pair<double, double>> AttentionConfig::pair(const std::string& key) const {
    const auto lo = params.find(key + "_lo"), hi = params.find(key + "_hi");
    if ((lo == params.end()) != (hi == params.end()))
        throw Error("attention", kind, ": ", key, " needs both ", key, "_lo and ", key, "_hi");
    if (lo == params.end()) return std::nullopt;
    return std::make_pair(lo->second, hi->second);
}

}  // namespace prism::nn
