// Spectral-rotate attention (docs/oversmoothing.md, section 4.1): each head's feature operator is
// H_h = V_h B_h V_h^T with complex-conjugate eigenvalue pairs r_k e^{+-i phi_k}, by construction.
// The symmetric spectral kinds (nn/attention_spectral.hpp) can only have real eigenvalues.
//
//     V_H = Q of qr(theta)               (C, C), orthogonal, recomputed every forward (as spectral-*)
//     r   = psi^2, optionally clamped to [clip_lo, clip_hi] with 0 <= clip_lo <= clip_hi     (NH K)
//     B   = blockdiag over heads h and slots k of r_k R(phi_k),  R(phi) = [[cos phi, -sin phi],
//                                                                         [sin phi,  cos phi]]  (C, C)
//     v   = x @ V_H                       (B, T, C) -> heads (B, NH, T, HS), head h: columns h HS..(h+1) HS
//     out = concat_h(o_h) @ (B V_H^T)     i.e. W_O = B V_H^T, one (C, C) GEMM per forward
//
// K = ceil(HS / 2) slots per head; slot k of head h covers columns h HS + 2k, h HS + 2k + 1, so
// B_h (HS, HS) is head h's diagonal block and H_h = V_h B_h V_h^T. V_h^T V_h = I, so the HS
// non-trivial eigenvalues of H_h are those of B_h: r_k e^{+i phi_k} and r_k e^{-i phi_k}.
// Odd HS: the last slot of each head is 1x1 and holds the real eigenvalue r cos(phi), the real
// part of the pair it would have formed: still in [-r, r] (so the clip bounds its modulus), still
// trainable through both r and phi, and phi = 0 / pi make it +r / -r (smooth / sharpen-like).
//
// Queries and keys: an ordinary Linear(C, 2C) "qk" (bias per qkv_bias). No value/output bias.
// Parameters: theta (C, C) ~ U(-1/sqrt(C), 1/sqrt(C)), psi (NH K) ~ U(0, 1) (so r = psi^2 in
// [0, 1), the spectral-smooth eigenvalue init), phi (NH K) ~ U(0, pi) (every angle of the upper
// half plane equally likely: neither smoothing nor sharpening favoured at step 0; the pair
// covers -phi too), qk.weight (2C, C), qk.bias (2C). Config params "clip_lo"/"clip_hi" (both or
// neither) set the range of r. The matched init (nn/attention_init.hpp) scales psi per head.
#pragma once
#include <optional>
#include <utility>

#include "prism/nn/attention_init.hpp"
#include "prism/nn/attention_kinds.hpp"

namespace prism::nn {

// B (C, C), C = heads * head_size, from r and phi (heads * ceil(head_size / 2)) as above; same
// dtype as r. Differentiable in r and phi (its own backward: dB -> dr, dphi per slot).
Tensor rotation_blocks(const Tensor& r, const Tensor& phi, std::int64_t heads, std::int64_t head_size);

class RotateAttention : public Attention, public HeadOperators, public HeadScaling {
   public:
    RotateAttention(const AttentionConfig& cfg, const AttentionArgs& args);
    Tensor forward(const Tensor& x, AttentionContext& ctx) override;  // (B, T, C) -> (B, T, C)
    std::string kind() const override { return "spectral-rotate"; }
    std::string extra_repr() const override;
    std::vector<Tensor> head_operators() const override;  // H_h = V_h B_h V_h^T, (C, C) each
    // left V_h (C, HS), right B_h V_h^T (HS, C); eigenvalues exactly r_k e^{+-i phi_k} (1x1 slot: r cos phi).
    std::optional<LayerLinearMap> linear_map() const override;
    // psi of head h times sqrt(factor): r times factor, before the clip.
    void scale_head(std::int64_t head, double factor) override;
    double unclipped_head_norm(std::int64_t head) const override;  // max_k r_k (1x1 slot: |r cos phi|), before the clip

    Tensor basis() const;       // V_H (C, C), differentiable through the QR
    Tensor magnitudes() const;  // r (NH K), differentiable (zero gradient where clipped)
    Tensor blocks() const;      // B (C, C), differentiable

    std::int64_t dim, heads, head_size, slots;  // slots = K = ceil(HS / 2) per head
    AttentionConfig config;
    std::optional<std::pair<double, double>> clip;  // range of r
    std::shared_ptr<Linear> qk;
    Tensor theta, psi, phi;
    std::shared_ptr<Dropout> proj_drop;
    Generator* gen;
};

// Its registry entry: --rotate-clip.
AttentionKindInfo rotate_kind();

}  // namespace prism::nn
