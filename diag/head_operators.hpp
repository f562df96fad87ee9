// Per-head feature operators of an attention layer, acting on row-vector features the way the
// layer does (docs/oversmoothing.md, "The model of one layer"):
//
//   v_h  = x W_v_h^T          W_v_h = rows [2C + h*HS, 2C + (h+1)*HS) of qkv.weight (3C, C)
//   out  = sum_h o_h W_o_h^T  W_o_h = columns [h*HS, (h+1)*HS) of proj.weight (C, C)
//   with o_h = A_h v_h:  out = sum_h A_h x (W_v_h^T W_o_h^T),  so  H_h = W_v_h^T W_o_h^T.
//
// H_h is C x C but has rank <= HS: it factors as H_h = L_h R_h with L_h (C, HS), R_h (HS, C),
// and its C - HS remaining eigenvalues are structural zeros. The HS "non-trivial" eigenvalues
// are those of the HS x HS matrix R_h L_h (same nonzero spectrum as L_h R_h); for
// P diag(gamma) H_h they are those of R_h P diag(gamma) L_h. layer_operators() gives the
// factors, these spectra, and the growth factor of the kind's own linearised layer map, as each
// kind describes it (nn::Attention::linear_map, nn/attention.hpp; the built-in kinds):
//
//   kind                      H_h non-trivial spectrum         growth of mode (lambda_A, lambda_H)
//   standard, svformer l=0    eig(W_O^h W_V^h)  (HS x HS)      1 + lambda_A lambda_H
//   spectral-smooth/-sharpen/-free  Lambda_h (H_h = V_h Lambda_h V_h^T) 1 + lambda_A lambda_H
//   spectral-rotate           B_h: r e^{+-i phi} (H_h = V_h B_h V_h^T) 1 + lambda_A lambda_H (complex)
//   neutreno l>=1             eig(W_O^h W_V^h)                 1 + (lambda_A - alpha) lambda_H
//   resformer l>=1            eig(W_O^h W_V^h)                 1 + lambda2 lambda_A lambda_H
//   svformer l>=1             none: not applicable (no value projection of its own)
//   other nn::HeadOperators   eig(R L) of H_h's rank-HS SVD    1 + lambda_A lambda_H
//   anything else             not applicable (unknown layer map; a subclass of
//                             MultiHeadSelfAttention that does not override linear_map() too)
#pragma once
#include <complex>
#include <string>
#include <vector>

#include "prism/core/tensor.hpp"
#include "prism/nn/attention.hpp"

namespace prism::diag {

using Complex = std::complex<double>;

// Eigenvalues of a square (n, n) matrix, sorted by modulus, largest first (ties: larger real
// part first, then larger imaginary part). Defined in spectrum.cpp.
std::vector<Complex> eigenvalues(const Tensor& m);

// NH operators for any attention kind that has them; empty for a layer with no value
// projection of its own (svformer layers >= 1); throws prism::Error naming the kind when
// neither nn::head_operators nor the standard layout applies.
std::vector<Tensor> head_operators_of(const nn::Attention& attn);

// The growth factor of one mode of a layer with A held fixed: with the linear part of the layer
// X -> X + (A - shift I) X (scale H), the mode (lambda_A, lambda_H) grows by
//     mu = 1 + scale (lambda_A - shift) lambda_H.
struct GrowthOperator {
    bool applicable = true;
    double shift = 0;       // NeuTRENO's alpha
    double scale = 1;       // ResFormer's lambda2
    std::string formula = "1 + lambda_A lambda_H";
    std::string reason;     // why not applicable (empty when applicable)
    Complex operator()(Complex lambda_a, Complex lambda_h) const { return 1.0 + scale * (lambda_a - shift) * lambda_h; }
};

// One head: H_h = left @ right (both float64).
struct HeadFactors {
    Tensor left;   // (C, HS)
    Tensor right;  // (HS, C)
};

struct LayerOperators {
    std::string kind;                         // attn.kind()
    std::vector<HeadFactors> heads;           // empty when the layer has no H of its own
    std::vector<std::vector<Complex>> eig_h;  // per head: the HS non-trivial eigenvalues of H_h
    std::string h_operator;                   // which matrix eig_h comes from, e.g. "eig(W_O^h W_V^h) (HS x HS)"
    GrowthOperator growth;
};

// Factors, non-trivial spectra and growth factor of `attn` (see the table above).
LayerOperators layer_operators(const nn::Attention& attn);

// The HS eigenvalues of R P diag(gamma) L: the non-trivial spectrum of P diag(gamma) H for
// H = L R (P = I - 11^T / C). gamma (C).
std::vector<Complex> ln_nontrivial_eigenvalues(const HeadFactors& f, const Tensor& gamma);

// H = L R for a (C, C) matrix of rank <= r, from its SVD truncated to r (L = U_r S_r, R = V_r^T).
HeadFactors low_rank_factors(const Tensor& h, std::int64_t r);

}  // namespace prism::diag
