// Matched initialisation (issue 15): every head's feature operator H_h (nn/attention_kinds.hpp,
// X_{l+1} = X_l + sum_h A_h X_l H_h) gets the same spectral norm `target` at initialisation,
// whatever the attention kind, so "sharpen vs smooth vs standard" is not confounded by the
// size of the attention branch at step 0. With the default inits the standard kind's
// H_h = W_V^h W_O^h (timm trunc_normal 0.02) starts near spectral norm 0.1 while a spectral
// kind's Lambda = +-psi^2 with psi ~ U(0, 1) starts with eigenvalues up to ~1.
//
//   standard, neutreno, resformer, svformer layer 0:  W_O^h (columns h HS..(h+1) HS of
//       proj.weight) is scaled by target / ||W_V^h W_O^h||_2
//   spectral-smooth / -sharpen:  psi_h scaled by sqrt(target / max psi_h^2)  (|Lambda_h| max = target)
//   spectral-free:               psi_h scaled by target / max |psi_h|
//   kinds with HeadScaling (spectral-rotate):  scale_head(h, target / unclipped_head_norm(h)),
//       i.e. the largest magnitude r of the head before any clip becomes `target`
//   svformer layers >= 1 (no value projection of their own): left as they are
// The directions (V_H, W_V, the eigenvector basis) are untouched: only the scale moves.
#pragma once
#include <string>

#include "prism/nn/attention.hpp"

namespace prism::nn {

// Largest singular value of a 2-D tensor (any float dtype), in float64 (Eigen's JacobiSVD).
double spectral_norm(const Tensor& m);

// Kinds whose heads are not MultiHeadSelfAttention or SpectralAttention can implement this to
// take part in the matched initialisation.
class HeadScaling {
   public:
    virtual ~HeadScaling() = default;
    // Multiplies head h's operator H_h by `factor` (> 0) without changing its eigenvectors
    // (before any clip of the kind's spectrum, which still applies afterwards).
    virtual void scale_head(std::int64_t head, double factor) = 0;
    // ||H_h||_2 as it would be without the clip: what scale_head multiplies (with no clip, the
    // spectral norm of head_operators()[h]).
    virtual double unclipped_head_norm(std::int64_t head) const = 0;
};

// Rescales `attn` in place (no autograd) so that every head has ||H_h||_2 = target (> 0).
// Returns the number of heads rescaled (0 for a layer without head operators). Throws
// prism::Error naming the kind when it cannot be matched.
std::int64_t match_head_norms(Attention& attn, double target);

// "default" | "matched"; throws prism::Error naming `option` and the valid values otherwise.
void check_init_name(const std::string& option, const std::string& name);

}  // namespace prism::nn
