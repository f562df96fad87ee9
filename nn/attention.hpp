// Pluggable attention. A TransformerBlock holds an `Attention` and calls
// forward(x, ctx): x (B, T, C) -> (B, T, C). The AttentionContext travels along the depth of
// the model, so kinds that need state from earlier layers (NeuTRENO / ResFormer use the first
// layer's values V^0) get it without changing the block:
//
//     nn::AttentionContext ctx;
//     for (std::size_t i = 0; i < blocks->size(); ++i) x = blocks->at<TransformerBlock>(i)->forward(x, ctx);
//
// Every kind is registered by name with its factory and its parameters
// (nn/attention_registry.hpp) and built from a config like "standard":
//
//     auto attn = nn::make_attention({.kind = "neutreno", .params = {{"alpha", 0.6}}}, 192, 3, 0);
#pragma once
#include <array>
#include <complex>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "prism/nn/layers.hpp"

namespace prism::nn {

// State shared by the attention layers of one forward pass.
struct AttentionContext {
    std::int64_t layer_index = 0;  // set by each TransformerBlock before its attention runs
    Tensor v_first;                // V^0: values (B, NH, T, HS) of layer 0, set by layer 0
    std::map<std::string, Tensor> tensors;  // anything else a kind wants to pass down the depth
};

struct AttentionConfig {
    std::string kind = "standard";
    bool causal = false;     // mask keys after the query (GPT)
    bool qkv_bias = true;
    double attn_drop = 0.0;  // dropout on the attention probabilities (training only)
    double proj_drop = 0.0;  // dropout after the output projection
    // Kind-specific numbers, by the keys the kind registers (nn/attention_registry.hpp);
    // make_attention fills in the defaults and refuses keys the kind does not take.
    std::map<std::string, double> params{};
    double param(const std::string& name, double fallback) const {
        auto it = params.find(name);
        return it == params.end() ? fallback : it->second;
    }
    double param(const std::string& name) const;  // throws prism::Error naming the kind when unset
    // A range parameter: (params[key_lo], params[key_hi]), or none; throws when only one is set.
    std::optional<std::pair<double, double>> pair(const std::string& key) const;
};

// Everything a factory needs besides the config.
struct AttentionArgs {
    std::int64_t dim = 0, heads = 0;
    std::int64_t layer_index = 0;
    std::int64_t depth = 0;  // number of blocks, 0 when unknown
    std::string qkv_name = "qkv", proj_name = "proj";  // GPT: c_attn / c_proj
    Generator* gen = nullptr;
};

// The linear part of one attention layer with its attention matrices A_h held fixed, for the
// diagnostics (diag/head_operators.hpp; docs/oversmoothing.md, "The model of one layer"):
//
//     X -> X + scale sum_h (A_h - shift I) X H_h,   H_h = left_h right_h   (row-vector tokens)
//
// so a mode (lambda_A, lambda_H) of head h grows by 1 + scale (lambda_A - shift) lambda_H.
struct LayerLinearMap {
    bool applicable = true;
    std::string reason;  // why not, when !applicable
    // Per head {left (C, HS), right (HS, C)}, float64, detached; empty when the layer has no H of its own.
    std::vector<std::array<Tensor, 2>> heads;
    // Per head, the HS non-trivial eigenvalues of H_h when the kind knows them exactly (any
    // order); empty: diag takes those of right_h left_h (HS, HS).
    std::vector<std::vector<std::complex<double>>> eigenvalues;
    std::string h_operator;  // where they come from, e.g. "eig(W_O^h W_V^h) (HS x HS)"
    double shift = 0;        // NeuTRENO's alpha
    double scale = 1;        // ResFormer's lambda2
};

class Attention : public Module {
   public:
    using Module::Module;
    virtual Tensor forward(const Tensor& x, AttentionContext& ctx) = 0;  // (B, T, C) -> (B, T, C)
    virtual std::string kind() const = 0;
    // The layer's linear map for the diagnostics; std::nullopt when the kind does not describe it
    // (diag then uses nn::HeadOperators if the kind implements it).
    virtual std::optional<LayerLinearMap> linear_map() const { return std::nullopt; }

   protected:
    // softmax(q k^T / sqrt(HS)) v over q, k, v (B, NH, T, HS), with dropout p on the
    // probabilities while training (drawn from gen, or the default generator); offers
    // "<path>.probs" (B, NH, T, T) to probes. Every kind's head mixing goes through here.
    Tensor attend_heads(const Tensor& q, const Tensor& k, const Tensor& v, bool causal, double attn_drop,
                        Generator* gen);
};

// kind "standard": softmax(q k^T / sqrt(HS)) v over NH heads with a fused qkv projection
// (timm layout: qkv output viewed as (B, T, 3, NH, HS)) and an output projection.
// Kinds that only change how q, k, v become the head outputs can derive from it and override
// attend(); project_qkv() and project_out() are the shared halves.
class MultiHeadSelfAttention : public Attention {
   public:
    MultiHeadSelfAttention(const AttentionConfig& cfg, const AttentionArgs& args);
    Tensor forward(const Tensor& x, AttentionContext& ctx) override;
    std::string kind() const override { return "standard"; }
    std::string extra_repr() const override;
    // standard_linear_map() for "standard" itself; not applicable for a derived kind that does not
    // override it (its layer map may differ).
    std::optional<LayerLinearMap> linear_map() const override;
    // H_h = W_V^h W_O^h with W_V^h = qkv.weight[2C + h HS : 2C + (h+1) HS, :]^T (C, HS) and
    // W_O^h = proj.weight[:, h HS : (h+1) HS]^T (HS, C); shift 0, scale 1.
    LayerLinearMap standard_linear_map() const;

    std::int64_t dim, heads, head_size;
    AttentionConfig config;
    std::shared_ptr<Linear> qkv, proj;
    std::shared_ptr<Dropout> proj_drop;
    Generator* gen;

   protected:
    // x (B, T, C) -> q, k, v views (B, NH, T, HS).
    std::array<Tensor, 3> project_qkv(const Tensor& x);
    // q, k, v (B, NH, T, HS) -> (B, NH, T, HS). Offers "<path>.probs" (B, NH, T, T) to probes.
    virtual Tensor attend(const Tensor& q, const Tensor& k, const Tensor& v, AttentionContext& ctx);
    // heads (B, NH, T, HS) -> (B, T, C) -> proj -> dropout.
    Tensor project_out(const Tensor& heads_out);
};

// A packed projection (B, T, n*C) as n head tensors (B, NH, T, HS), C = NH*HS: views of its
// (n, B, NH, T, HS) permutation, unbound by one node so that one backward writes all their
// gradients into one (B, T, n*C) gradient (Tensor::unbind).
std::vector<Tensor> split_heads(const Tensor& packed, std::int64_t n, std::int64_t heads, std::int64_t head_size);

using AttentionFactory = std::function<std::shared_ptr<Attention>(const AttentionConfig&, const AttentionArgs&)>;

// The registered kinds, "standard" first (nn/attention_registry.hpp registers them).
std::vector<std::string> attention_kinds();
// Builds config.kind with its registered defaults filled in; throws prism::Error listing the
// known kinds when it is unknown, and naming the parameter for one the kind does not take.
std::shared_ptr<Attention> make_attention(const AttentionConfig& config, const AttentionArgs& args);
std::shared_ptr<Attention> make_attention(const AttentionConfig& config, std::int64_t dim, std::int64_t heads,
                                          std::int64_t layer_index, Generator* gen = nullptr);

}  // namespace prism::nn
