// NeuTRENO (Nguyen et al., NeurIPS 2023; docs/oversmoothing.md, section 5): standard attention, but in
// every layer l >= 1, per head and before the output projection,
//
//     U^l = softmax(Q K^T / sqrt(HS)) V^l + alpha (V^0 - V^l)
//
// with V^0 = ctx.v_first, the values (B, NH, T, HS) of layer 0 (gradients flow into it).
// Config param "alpha" (default 0.6; the paper uses 0.4 for language: neutreno_kind()). Layer 0
// behaves as "standard" and records V^0. Parameter names are the standard ones (qkv, proj).
#pragma once
#include "prism/nn/attention_registry.hpp"

namespace prism::nn {

class NeutrenoAttention : public MultiHeadSelfAttention {
   public:
    NeutrenoAttention(const AttentionConfig& cfg, const AttentionArgs& args);
    Tensor forward(const Tensor& x, AttentionContext& ctx) override;
    std::string kind() const override { return "neutreno"; }
    std::string extra_repr() const override;
    // U = A V + alpha (V^0 - V): with A fixed, X + (A - alpha I) X H + alpha V^0 W_O (V^0 an input):
    // the standard H_h with shift alpha (layers >= 1).
    std::optional<LayerLinearMap> linear_map() const override;

    double alpha;
    std::int64_t layer_index;  // from AttentionArgs: mixes V^0 in when >= 1
};

// Its registry entry: --alpha.
AttentionKindInfo neutreno_kind();

}  // namespace prism::nn
