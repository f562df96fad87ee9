// Spectra of attention layers (paper-notes.md sections 1 and 3):
//   - eigenvalues of each head's H_h = W_V^h W_O^h (complex in general; Eigen::EigenSolver),
//   - of P diag(gamma) H_h, gamma = the pre-attention LayerNorm gain, P = I - 11^T / C
//     (the operator a pre-LN block applies to row-vector features, LN bias aside),
//   - of the batch's attention matrices A (T x T per head and sample),
//   - the dominant-pair statistic: per (layer, head, sample) the pair (lambda_A, lambda_H)
//     maximising |1 + lambda_A lambda_H|; the share of cases where lambda_A is the eigenvalue 1
//     (the DC mode wins: smoothing),
//   - the number of negative LayerNorm gains per layer.
//
//     auto rep = diag::analyse_vit(vit, images);   // everything, plus the smoothing profile
//     diag::write_spectrum_report(rep, "out/");    // JSON, CSV and PNG (diag/report.hpp)
#pragma once
#include <complex>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "prism/core/tensor.hpp"
#include "prism/diag/smoothing.hpp"
#include "prism/nn/attention.hpp"
#include "prism/nn/containers.hpp"

namespace prism::models {
class ViT;
}

namespace prism::diag {

using Complex = std::complex<double>;

// Eigenvalues of a square (n, n) matrix, sorted by modulus, largest first (ties: larger real
// part first, then larger imaginary part).
std::vector<Complex> eigenvalues(const Tensor& m);
// P diag(gamma) H as (C, C) float64; gamma (C).
Tensor ln_operator(const Tensor& h, const Tensor& gamma);

struct DominantPair {
    Complex lambda_a, lambda_h;
    double growth = 0;   // |1 + lambda_a lambda_h|
    bool at_one = false; // |lambda_a - 1| <= tol
};
// Over all pairs; on ties the first pair in the given order wins.
DominantPair dominant_pair(const std::vector<Complex>& eig_a, const std::vector<Complex>& eig_h, double tol = 1e-6);

struct HeadSpectrum {
    std::int64_t layer = 0, head = 0;
    std::vector<Complex> eig_h;   // of H_h
    std::vector<Complex> eig_ln;  // of P diag(gamma) H_h
};

struct AttentionSpectrum {
    std::int64_t layer = 0, head = 0, samples = 0;
    double mean_abs_lambda2 = 0, max_abs_lambda2 = 0;  // second largest |lambda| (1 - gap)
    double frac_complex = 0;                           // share of eigenvalues with |im| > 1e-9
    std::int64_t dominant_at_one_h = 0, dominant_at_one_ln = 0;  // cases with the DC mode on top
    double share_h() const { return samples ? double(dominant_at_one_h) / samples : 0.0; }
    double share_ln() const { return samples ? double(dominant_at_one_ln) / samples : 0.0; }
};

struct LnGains {
    std::int64_t layer = 0, negative_norm1 = 0, negative_norm2 = 0, size = 0;
};

// Inputs per block: the attention module, its pre-attention LN gain (norm1 / ln_1), the other
// LN gain (norm2 / ln_2), and the captured attention probs (B, NH, T, T) (undefined: no
// attention spectra or dominant-pair counts for that block).
struct BlockInput {
    const nn::Attention* attn = nullptr;
    Tensor gamma1, gamma2, probs;
};

struct SpectrumReport {
    std::string model;  // "vit"
    std::int64_t batch = 0, tokens = 0, dim = 0, heads = 0, depth = 0;
    std::vector<LayerSmoothing> smoothing;
    std::vector<HeadSpectrum> heads_spectra;
    std::vector<AttentionSpectrum> attention;
    std::vector<LnGains> ln_gains;
    // totals over every (layer, head, sample)
    std::int64_t dominant_cases = 0, dominant_at_one_h = 0, dominant_at_one_ln = 0;
    nlohmann::json to_json() const;
};

// Spectra of every block (smoothing is left empty).
SpectrumReport analyse_blocks(const std::vector<BlockInput>& blocks);

// Any model whose blocks are nn::TransformerBlock in `blocks`, offering probes under
// "<prefix>.<i>": runs forward() in eval mode under NoGradGuard with the probes active and
// builds the report, smoothing profile included (layer 0 = input() when given, see
// smoothing_from_probes). The model's train/eval mode is restored.
SpectrumReport analyse_model(nn::Module& model, const nn::ModuleList& blocks, const std::string& prefix,
                             const std::function<void()>& forward, const std::function<Tensor()>& input);

// Runs images (B, Cin, H, W, normalised) through the ViT in eval mode with probes and returns
// the full report, smoothing profile included.
SpectrumReport analyse_vit(models::ViT& model, const Tensor& images);

}  // namespace prism::diag
