#include "prism/nn/attention_resformer.hpp"

#include "prism/autograd/functions.hpp"

namespace prism::nn {

namespace {

const Tensor& first_values(const char* kind, const AttentionContext& ctx, std::int64_t layer, const Shape& want) {
    if (!ctx.v_first.defined())
        throw Error(kind, "layer ", layer, " needs V^0 from layer 0 (ctx.v_first is unset)");
    if (ctx.v_first.shape() != want)
        throw Error(kind, "V^0 ", shape_str(ctx.v_first.shape()), " vs expected ", shape_str(want), " at layer ", layer);
    return ctx.v_first;
}

}  // namespace

AttentionKindInfo resformer_kind() {
    return {.name = "resformer",
            .summary = "ResFormer: layers n >= 1 attend with V' = lambda1 V^0 + lambda2 V^n",
            .factory = [](const AttentionConfig& c, const AttentionArgs& a) { return std::make_shared<ResFormerAttention>(c, a); },
            .params = {{.name = "lambda1", .help = "weight of V^0", .default_value = 0.5},
                       {.name = "lambda2", .help = "weight of V^n", .default_value = 0.5},
                       {.name = "learnable-lambdas", .type = AttentionParam::Type::Flag,
                        .help = "lambda1/lambda2 become parameters", .key = "learnable"}},
            .study_default = true};
}

AttentionKindInfo svformer_kind() {
    return {.name = "svformer",
            .summary = "SVFormer: layers >= 1 reuse V^0 and have no value projection",
            .factory = make_svformer};
}

ResFormerAttention::ResFormerAttention(const AttentionConfig& cfg, const AttentionArgs& args)
    : MultiHeadSelfAttention(cfg, args),
      lambda1(cfg.param("lambda1")),
      lambda2(cfg.param("lambda2")),
      layer_index(args.layer_index) {
    if (cfg.param("learnable") != 0.0 && layer_index >= 1) {
        lambda1_param = register_parameter("lambda1", Tensor::full({1}, lambda1));
        lambda2_param = register_parameter("lambda2", Tensor::full({1}, lambda2));
    }
}

Tensor ResFormerAttention::forward(const Tensor& x, AttentionContext& ctx) {
    auto g = path_guard();
    auto [q, k, v] = project_qkv(x);
    if (ctx.layer_index == 0) ctx.v_first = v;
    if (layer_index >= 1) {
        const Tensor& v0 = first_values("resformer", ctx, layer_index, v.shape());
        v = lambda1_param.defined() ? v0 * lambda1_param + v * lambda2_param : v0 * lambda1 + v * lambda2;
    }
    Tensor y = project_out(attend(q, k, v, ctx));
    probe("out", y);
    return y;
}

std::string ResFormerAttention::extra_repr() const {
    return MultiHeadSelfAttention::extra_repr() + Error::cat(", lambda1=", lambda1, ", lambda2=", lambda2,
                                                             lambda1_param.defined() ? ", learnable" : "");
}

std::optional<LayerLinearMap> ResFormerAttention::linear_map() const {
    LayerLinearMap m = standard_linear_map();
    if (layer_index >= 1) m.scale = lambda2_param.defined() ? lambda2_param.to_vector<double>()[0] : lambda2;
    return m;
}

std::optional<LayerLinearMap> SVFormerAttention::linear_map() const {
    LayerLinearMap m;
    m.applicable = false;
    m.reason = "svformer layer >= 1 reuses V^0 and has no value projection: with A fixed it adds A V^0 W_O, an input "
               "from layer 0, and its own map in X is the identity";
    return m;
}

SVFormerAttention::SVFormerAttention(const AttentionConfig& cfg, const AttentionArgs& args)
    : Attention("SVFormerAttention"),
      dim(args.dim),
      heads(args.heads),
      layer_index(args.layer_index),
      config(cfg),
      gen(args.gen) {
    if (dim <= 0 || heads <= 0 || dim % heads != 0)
        throw Error("svformer", "dim ", dim, " must be a positive multiple of heads ", heads);
    head_size = dim / heads;
    qk = register_module("qk", std::make_shared<Linear>(dim, 2 * dim, cfg.qkv_bias, args.gen));
    proj = register_module(args.proj_name, std::make_shared<Linear>(dim, dim, true, args.gen));
    proj_drop = register_module("proj_drop", std::make_shared<Dropout>(cfg.proj_drop, args.gen));
}

Tensor SVFormerAttention::forward(const Tensor& x, AttentionContext& ctx) {
    auto g = path_guard();
    if (x.dim() != 3 || x.size(2) != dim)
        throw Error("svformer", "input ", shape_str(x.shape()), " is not (B, T, ", dim, ")");
    const std::int64_t B = x.size(0), T = x.size(1);
    const std::vector<Tensor> qk_heads = split_heads(qk->forward(x), 2, heads, head_size);  // (B, NH, T, HS) each
    Tensor q = qk_heads[0], k = qk_heads[1];
    const Tensor& v = first_values("svformer", ctx, layer_index, q.shape());
    Tensor o = attend_heads(q, k, v, config.causal, config.attn_drop, gen);
    // (B, NH, T, HS) -> (B, T, C) -> proj
    Tensor y = proj_drop->forward(proj->forward(o.transpose(1, 2).reshape({B, T, dim})));
    probe("out", y);
    return y;
}

std::string SVFormerAttention::extra_repr() const {
    return Error::cat("dim=", dim, ", heads=", heads, ", causal=", config.causal ? "True" : "False", ", reuses V^0");
}

std::shared_ptr<Attention> make_svformer(const AttentionConfig& cfg, const AttentionArgs& args) {
    if (args.layer_index == 0) return std::make_shared<SVFormerFirstAttention>(cfg, args);
    return std::make_shared<SVFormerAttention>(cfg, args);
}

}  // namespace prism::nn
