// Spectra of attention layers (docs/oversmoothing.md):
//   - the non-trivial eigenvalues of each head's H_h = W_V^h W_O^h (rank HS: the HS eigenvalues
//     of the HS x HS operator, diag/head_operators.hpp; complex in general),
//   - of P diag(gamma) H_h, gamma = the pre-attention LayerNorm gain, P = I - 11^T / C
//     (the operator a pre-LN block applies to row-vector features, LN bias and 1/sigma aside),
//   - of the batch's attention matrices A (T x T per head and sample),
//   - the dominant-pair statistic: per (layer, head, sample) the growth factors mu of every pair
//     (lambda_A, lambda_H) under the kind's own layer map (1 + lambda_A lambda_H for standard and
//     spectral heads, 1 + (lambda_A - alpha) lambda_H for NeuTRENO, 1 + lambda2 lambda_A lambda_H
//     for ResFormer; not applicable to svformer layers >= 1), classified as
//       dc   the DC mode (lambda_A = 1) alone has the largest |mu|: smoothing wins,
//       tie  the DC mode and a high-frequency mode share the largest |mu| (relative 1e-9),
//       hf   a high-frequency mode (lambda_A != 1) alone has the largest |mu|,
//   - the number of negative LayerNorm gains per layer.
//
//     auto rep = diag::analyse_vit(vit, images);   // everything, plus the smoothing profile
//     auto layers = diag::layer_summaries(rep);    // per layer: spectrum range, LN signs, dominant pair
//     diag::write_spectrum_report(rep, "out/");    // JSON, CSV and PNG (diag/report.hpp)
#pragma once
#include <complex>
#include <cstdint>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "prism/core/tensor.hpp"
#include "prism/diag/head_operators.hpp"
#include "prism/diag/smoothing.hpp"
#include "prism/nn/attention.hpp"
#include "prism/nn/containers.hpp"

namespace prism::models {
class ViT;
}

namespace prism::diag {

// P diag(gamma) H as (C, C) float64; gamma (C).
Tensor ln_operator(const Tensor& h, const Tensor& gamma);

enum class Dominance { DC, Tie, HF };
const char* dominance_name(Dominance d);  // "dc", "tie", "hf"

struct DominantPair {
    Complex lambda_a, lambda_h;  // a pair with the largest |mu| (the first in the given order)
    double growth = 0;           // its |mu|
    double growth_dc = 0;        // largest |mu| with lambda_A = 1 (0 when A has no eigenvalue 1)
    double growth_hf = 0;        // largest |mu| over the other eigenvalues of A (0 when there are none)
    Dominance category = Dominance::DC;
    bool at_one = false;         // category == Dominance::DC
};
// Over all pairs, mu = op(lambda_a, lambda_h). An eigenvalue of A within `tol` of 1 is the DC
// mode; growth_dc and growth_hf within tie_rtol (relative) of each other are a tie.
DominantPair dominant_pair(const std::vector<Complex>& eig_a, const std::vector<Complex>& eig_h,
                           const GrowthOperator& op = {}, double tol = 1e-6, double tie_rtol = 1e-9);

struct DominanceCounts {
    std::int64_t dc = 0, tie = 0, hf = 0;
    std::int64_t total() const { return dc + tie + hf; }
    double share(Dominance d) const;  // 0 when total() == 0
    void add(Dominance d);
    DominanceCounts& operator+=(const DominanceCounts& o);
};

struct HeadSpectrum {
    std::int64_t layer = 0, head = 0;
    std::vector<Complex> eig_h;   // the HS non-trivial eigenvalues of H_h
    std::vector<Complex> eig_ln;  // the HS non-trivial eigenvalues of P diag(gamma) H_h
};

struct AttentionSpectrum {
    std::int64_t layer = 0, head = 0, samples = 0;
    double mean_abs_lambda2 = 0, max_abs_lambda2 = 0;  // second largest |lambda| (1 - gap)
    double frac_complex = 0;                           // share of eigenvalues with |im| > 1e-9
    bool applicable = true;                            // false: no dominant pair for this layer's kind
    DominanceCounts dom_h, dom_ln;                     // over the samples (empty when not applicable)
    double share_h() const { return dom_h.share(Dominance::DC); }
    double share_ln() const { return dom_ln.share(Dominance::DC); }
};

struct LnGains {
    std::int64_t layer = 0, negative_norm1 = 0, negative_norm2 = 0, size = 0;
    std::int64_t size2 = 0;  // width of norm2's gain (0: the block gave none)
};

// What the dominant pair of one layer is computed from.
struct LayerOperatorInfo {
    std::int64_t layer = 0;
    std::string kind;        // attention kind
    std::string h_operator;  // which matrix the non-trivial spectrum of H_h comes from
    GrowthOperator growth;   // formula, or applicable = false with the reason
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
    std::vector<LayerOperatorInfo> operators;  // one per layer
    std::vector<HeadSpectrum> heads_spectra;
    std::vector<AttentionSpectrum> attention;
    std::vector<LnGains> ln_gains;
    // totals over every applicable (layer, head, sample): dominant_cases of them, of which
    // dominant_at_one_* have the DC mode alone on top (dc), dominant_tie_* a tie, dominant_hf_* a
    // high-frequency mode; dominant_not_applicable cases (svformer layers >= 1, unknown kinds) are
    // in none of them.
    std::int64_t dominant_cases = 0, dominant_at_one_h = 0, dominant_at_one_ln = 0;
    std::int64_t dominant_tie_h = 0, dominant_tie_ln = 0, dominant_hf_h = 0, dominant_hf_ln = 0;
    std::int64_t dominant_not_applicable = 0;
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

// ---- per layer, for results files (study/) ---------------------------------------------------
struct LayerSpectrumSummary {
    static constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    std::int64_t layer = 0;
    std::string kind, h_operator;
    std::string growth;  // the growth-factor formula, or "n/a: <reason>"
    // Range of the real parts of the non-trivial eigenvalues of H_h over the layer's heads (for
    // the spectral kinds: of Lambda), the largest |imaginary part|, and the same range for
    // P diag(gamma) H_h. NaN when the layer has no H of its own.
    double eig_min = nan, eig_max = nan, eig_max_abs_imag = nan, eig_ln_min = nan, eig_ln_max = nan;
    // Share of negative LayerNorm gains: norm1 (before attention), norm2 (before the MLP; NaN if absent).
    double negative_gain_share_norm1 = nan, negative_gain_share_norm2 = nan;
    // Dominant pair over (head, sample) with H and with P diag(gamma) H; all zero when not
    // applicable or when no attention was captured.
    DominanceCounts dominant_h, dominant_ln;
};
std::vector<LayerSpectrumSummary> layer_summaries(const SpectrumReport& rep);
// [{"layer", "kind", "h_operator", "growth", "eig_min", "eig_max", "eig_max_abs_imag", "eig_ln_min",
//   "eig_ln_max", "negative_gain_share_norm1", "negative_gain_share_norm2",
//   "dominant_h": {"cases", "dc", "tie", "hf", "share_dc", "share_tie", "share_hf"}, "dominant_ln": {...}}]
// (NaN as null).
nlohmann::json to_json(const std::vector<LayerSpectrumSummary>& layers);

}  // namespace prism::diag
