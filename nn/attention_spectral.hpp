// Spectral attention (docs/oversmoothing.md, section 4): each head's feature operator is
// H_h = V_h Lambda_h V_h^T, symmetric with real eigenvalues Lambda_h, by construction.
//
//     V_H    = Q of qr(theta)                 (C, C), orthogonal, recomputed every forward
//     Lambda = s psi^2 (s = +1 smooth, -1 sharpen) or psi (free), optionally clamped to [lo, hi]
//     v      = x @ V_H                         (B, T, C) -> heads (B, NH, T, HS), head h: columns h HS..(h+1) HS
//     out    = concat_h(o_h * Lambda_h) @ V_H^T   i.e. W_O = Lambda V_H^T split per head
//
// Queries and keys: an ordinary Linear(C, 2C) "qk" (bias per qkv_bias). No value/output bias.
// Parameters: qk.weight (2C, C), qk.bias (2C), theta (C, C) ~ U(-1/sqrt(C), 1/sqrt(C)),
// psi (C) ~ U(0, 1). Config params "clip_lo"/"clip_hi" (both or neither; --spectral-clip LO,HI)
// set the clip range.
#pragma once
#include <optional>
#include <utility>

#include "prism/nn/attention_kinds.hpp"

namespace prism::nn {

enum class SpectralMode { Smooth, Sharpen, Free };

class SpectralAttention : public Attention, public HeadOperators {
   public:
    SpectralAttention(const AttentionConfig& cfg, const AttentionArgs& args, SpectralMode mode);
    Tensor forward(const Tensor& x, AttentionContext& ctx) override;  // (B, T, C) -> (B, T, C)
    std::string kind() const override;
    std::string extra_repr() const override;
    std::vector<Tensor> head_operators() const override;
    // H_h = V_h diag(Lambda_h) V_h^T: left V_h (C, HS), right diag(Lambda_h) V_h^T (HS, C), and
    // (V_h^T V_h = I) its non-trivial eigenvalues are exactly Lambda_h.
    std::optional<LayerLinearMap> linear_map() const override;

    Tensor basis() const;        // V_H (C, C), differentiable through the QR
    Tensor eigenvalues() const;  // Lambda (C), differentiable (zero gradient where clipped)

    std::int64_t dim, heads, head_size;
    AttentionConfig config;
    SpectralMode mode;
    std::optional<std::pair<double, double>> clip;
    std::shared_ptr<Linear> qk;
    Tensor theta, psi;
    std::shared_ptr<Dropout> proj_drop;
    Generator* gen;
};

// The registry entries of spectral-smooth, spectral-sharpen, spectral-free: --spectral-clip.
AttentionKindInfo spectral_kind(SpectralMode mode);

}  // namespace prism::nn
