#include "prism/nn/attention_neutreno.hpp"

#include "prism/autograd/functions.hpp"

namespace prism::nn {

AttentionKindInfo neutreno_kind() {
    return {.name = "neutreno",
            .summary = "NeuTRENO: standard attention plus alpha (V^0 - V^l) in layers l >= 1",
            .factory = [](const AttentionConfig& c, const AttentionArgs& a) { return std::make_shared<NeutrenoAttention>(c, a); },
            .params = {{.name = "alpha", .help = "weight of V^0 - V^l", .default_value = 0.6, .language_default = 0.4}},
            .study_default = true};
}

NeutrenoAttention::NeutrenoAttention(const AttentionConfig& cfg, const AttentionArgs& args)
    : MultiHeadSelfAttention(cfg, args), alpha(cfg.param("alpha")), layer_index(args.layer_index) {}

Tensor NeutrenoAttention::forward(const Tensor& x, AttentionContext& ctx) {
    auto g = path_guard();
    auto [q, k, v] = project_qkv(x);
    if (ctx.layer_index == 0) ctx.v_first = v;
    Tensor u = attend(q, k, v, ctx);  // (B, NH, T, HS)
    if (layer_index >= 1) {
        if (!ctx.v_first.defined())
            throw Error("neutreno", "layer ", layer_index, " needs V^0 from layer 0 (ctx.v_first is unset)");
        if (ctx.v_first.shape() != v.shape())
            throw Error("neutreno", "V^0 ", shape_str(ctx.v_first.shape()), " vs V^", layer_index, " ",
                        shape_str(v.shape()));
        u = u + alpha * (ctx.v_first - v);
    }
    Tensor y = project_out(u);
    probe("out", y);
    return y;
}

std::optional<LayerLinearMap> NeutrenoAttention::linear_map() const {
    LayerLinearMap m = standard_linear_map();
    if (layer_index >= 1) m.shift = alpha;
    return m;
}

std::string NeutrenoAttention::extra_repr() const {
    return MultiHeadSelfAttention::extra_repr() + Error::cat(", alpha=", alpha);
}

}  // namespace prism::nn
