#include "prism/nn/attention.hpp"

#include <mutex>

#include "prism/autograd/fn_nn.hpp"
#include "prism/nn/attention_kinds.hpp"

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
    const std::int64_t B = x.size(0), T = x.size(1);
    // (B, T, 3C) -> (B, T, 3, NH, HS) -> (3, B, NH, T, HS)
    Tensor qkv5 = qkv->forward(x).reshape({B, T, 3, heads, head_size}).permute({2, 0, 3, 1, 4});
    return {qkv5.select(0, 0), qkv5.select(0, 1), qkv5.select(0, 2)};
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

std::string MultiHeadSelfAttention::extra_repr() const {
    return Error::cat("dim=", dim, ", heads=", heads, ", causal=", config.causal ? "True" : "False");
}

namespace {

struct Registry {
    std::mutex mu;
    std::map<std::string, AttentionFactory> factories;
    Registry() {
        factories["standard"] = [](const AttentionConfig& c, const AttentionArgs& a) {
            return std::make_shared<MultiHeadSelfAttention>(c, a);
        };
        for (auto& [kind, f] : builtin_attention_factories()) factories[kind] = f;  // nn/attention_kinds.hpp
    }
};

Registry& registry() {
    static Registry r;
    return r;
}

}  // namespace

void register_attention(const std::string& kind, AttentionFactory factory) {
    if (kind.empty() || !factory) throw Error("register_attention", "need a kind name and a factory");
    auto& r = registry();
    std::lock_guard lock(r.mu);
    r.factories[kind] = std::move(factory);
}

std::vector<std::string> attention_kinds() {
    auto& r = registry();
    std::lock_guard lock(r.mu);
    std::vector<std::string> out;
    for (auto& [k, f] : r.factories) out.push_back(k);
    return out;
}

std::shared_ptr<Attention> make_attention(const AttentionConfig& config, const AttentionArgs& args) {
    AttentionFactory f;
    {
        auto& r = registry();
        std::lock_guard lock(r.mu);
        auto it = r.factories.find(config.kind);
        if (it != r.factories.end()) f = it->second;
    }
    if (!f) {
        std::string known;
        for (auto& k : attention_kinds()) known += (known.empty() ? "" : ", ") + k;
        throw Error("make_attention", "unknown attention kind '", config.kind, "' (known: ", known, ")");
    }
    return f(config, args);
}

std::shared_ptr<Attention> make_attention(const AttentionConfig& config, std::int64_t dim, std::int64_t heads,
                                          std::int64_t layer_index, Generator* gen) {
    AttentionArgs a;
    a.dim = dim;
    a.heads = heads;
    a.layer_index = layer_index;
    a.gen = gen;
    return make_attention(config, a);
}

}  // namespace prism::nn
