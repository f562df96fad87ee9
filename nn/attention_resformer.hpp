// Value-residual attention (Zhou et al., arXiv 2410.17897; docs/oversmoothing.md, section 5).
//
// resformer: layers n >= 1 attend with V' = lambda1 V^0 + lambda2 V^n, V^0 = ctx.v_first (the
//   values (B, NH, T, HS) of layer 0, gradients flow into it). Config params "lambda1",
//   "lambda2" (default 0.5 / 0.5); "learnable" 1 makes them parameters "lambda1", "lambda2"
//   of shape (1) initialised to those values. Layer 0 is standard and records V^0.
// svformer: layers >= 1 reuse V^0 and have no value projection: queries and keys come from
//   Linear(C, 2C) "qk" (bias per qkv_bias), the output projection keeps its name. Layer 0 is
//   standard (qkv, proj) and records V^0.
#pragma once
#include "prism/nn/attention_registry.hpp"

namespace prism::nn {

class ResFormerAttention : public MultiHeadSelfAttention {
   public:
    ResFormerAttention(const AttentionConfig& cfg, const AttentionArgs& args);
    Tensor forward(const Tensor& x, AttentionContext& ctx) override;
    std::string kind() const override { return "resformer"; }
    std::string extra_repr() const override;
    // V' = lambda1 V^0 + lambda2 V: with A fixed, X + lambda2 A X H + lambda1 A V^0 W_O (V^0 an
    // input): the standard H_h with scale lambda2 (layers >= 1).
    std::optional<LayerLinearMap> linear_map() const override;

    double lambda1, lambda2;  // used when not learnable
    Tensor lambda1_param, lambda2_param;  // (1), defined when learnable and layer_index >= 1
    std::int64_t layer_index;
};

// Layer 0 of an svformer model: standard attention that names itself "svformer".
class SVFormerFirstAttention : public MultiHeadSelfAttention {
   public:
    using MultiHeadSelfAttention::MultiHeadSelfAttention;
    std::string kind() const override { return "svformer"; }
    std::optional<LayerLinearMap> linear_map() const override { return standard_linear_map(); }
};

// Layers >= 1 of an svformer model.
class SVFormerAttention : public Attention {
   public:
    SVFormerAttention(const AttentionConfig& cfg, const AttentionArgs& args);
    Tensor forward(const Tensor& x, AttentionContext& ctx) override;
    std::string kind() const override { return "svformer"; }
    std::string extra_repr() const override;
    std::optional<LayerLinearMap> linear_map() const override;  // not applicable: no H of its own

    std::int64_t dim, heads, head_size, layer_index;
    AttentionConfig config;
    std::shared_ptr<Linear> qk, proj;
    std::shared_ptr<Dropout> proj_drop;
    Generator* gen;
};

// The svformer factory: SVFormerFirstAttention for layer 0, SVFormerAttention after.
std::shared_ptr<Attention> make_svformer(const AttentionConfig& cfg, const AttentionArgs& args);

// Their registry entries: resformer takes --lambda1, --lambda2, --learnable-lambdas; svformer nothing.
AttentionKindInfo resformer_kind();
AttentionKindInfo svformer_kind();

}  // namespace prism::nn
