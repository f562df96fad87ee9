// Smoothing measures of token matrices (docs/oversmoothing.md, "Diagnostics"), per layer,
// cheap enough to log during training:
//
//     auto layers = diag::smoothing_profile(vit, images);     // one entry per depth 0..L
//     layers[3].cos_sim, layers[3].hc_dc, layers[3].eff_rank, ...
//     nlohmann::json rec = diag::smoothing_record(vit, images);  // {"cos_sim": [...], ...}
//
// Every measure takes X (B, T, C) (or one (T, C) matrix) and averages over the batch:
//   cos_sim      mean over i != j of <x_i, x_j> / (|x_i| |x_j|)           1 = all tokens parallel
//   hc_dc        |HC|_F / |DC|_F, DC = mean token broadcast, HC = X - DC   0 = all tokens equal
//   eff_rank     exp(entropy of s / sum(s)), s = singular values of X      1 = rank one, T = "flat"
//   sigma_ratio  sigma_2 / sigma_1                                         0 = rank collapse
//   dirichlet    Dirichlet energy on the attention graph A (B, NH, T, T):
//                    E(X) = (1/T) sum_ij A_ij |x_i - x_j|^2,
//                averaged over heads (= the energy on the head-averaged graph), in the
//                unnormalised form of Rusch, Bronstein & Mishra, "A Survey on Oversmoothing in
//                Graph Neural Networks" (arXiv 2303.10993), with A's weights as edges. The sum is
//                unchanged by symmetrising A ((A + A^T) / 2). 0 = equal tokens (softmax A has
//                every A_ij > 0 for unmasked pairs); it scales with |X|^2, so it is not
//                scale-free like hc_dc. Layer l >= 1 (output of block l-1) is measured on block
//                l-1's attention (the graph that produced it), layer 0 (the embedding) on block
//                0's. NaN (null in JSON) when that attention was not captured.
// Computation is in float64 (singular values by Eigen's BDCSVD).
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "prism/core/tensor.hpp"
#include "prism/nn/probe.hpp"

namespace prism::models {
class ViT;
}

namespace prism::diag {

// ---- single measures on X (B, T, C) or (T, C) ---------------------------------------------
double mean_cosine_similarity(const Tensor& x);
double hc_dc_ratio(const Tensor& x);  // +inf when DC is zero and HC is not
struct SvdStats {
    double eff_rank = 0, sigma_ratio = 0;
};
SvdStats svd_stats(const Tensor& x);
// E(X) above; probs (B, NH, T, T) with the same B and T as x (B, T, C).
double dirichlet_energy(const Tensor& x, const Tensor& probs);

// ---- per layer -------------------------------------------------------------------------------
struct LayerSmoothing {
    std::int64_t layer = 0;  // 0 = input of the first block, l = output of block l-1
    std::string name;        // the probe it came from ("embed" for layer 0)
    double cos_sim = 0, hc_dc = 0, eff_rank = 0, sigma_ratio = 0;
    double dirichlet = 0;  // on the attention graph (see above); NaN when no attention was given
};

// probs: the attention graph for `dirichlet` (nullptr or undefined: dirichlet = NaN).
LayerSmoothing layer_smoothing(const Tensor& x, const Tensor* probs = nullptr, bool with_svd = true);

// The probe patterns for a model family: prefix "blocks" (ViT) or "transformer.h" (GPT).
std::vector<std::string> smoothing_patterns(const std::string& block_prefix, bool with_attention);

// From probes already captured by a forward pass over `depth` blocks named
// "<prefix>.<i>.out" (and "<prefix>.<i>.attn.probs" when captured: they give `dirichlet`).
// `input` (B, T, C) is the input of block 0 when known: then it is layer 0 and block i's output
// is layer i + 1; otherwise (undefined) layer 0 is block 0's output.
std::vector<LayerSmoothing> smoothing_from_probes(const nn::ProbeSet& probes, const std::string& block_prefix,
                                                  std::int64_t depth, const Tensor& input, bool with_svd = true);

// Runs forward under NoGradGuard with the probes active; see smoothing_from_probes.
std::vector<LayerSmoothing> smoothing_profile(const std::function<void()>& forward, const std::string& block_prefix,
                                              std::int64_t depth, const std::function<Tensor()>& input,
                                              bool with_attention = true, bool with_svd = true);

// ViT's block input (B, N+1, C): patches + class token + position embedding, recomputed
// exactly as ViT::forward_features does (ViT offers no probe for it).
Tensor vit_embedding(models::ViT& model, const Tensor& images);

// ViT: images (B, Cin, H, W), already normalised. Layer 0 is the embedding (patches + class
// token + position embedding, recomputed here exactly as ViT::forward_features does), layers
// 1..depth the block outputs. The model's train/eval mode is left as it is.
std::vector<LayerSmoothing> smoothing_profile(models::ViT& model, const Tensor& images, bool with_attention = true);

// {"cos_sim": [...], "hc_dc": [...], "eff_rank": [...], "sigma_ratio": [...], "dirichlet": [...]},
// one entry per layer 0..depth (NaN as null).
nlohmann::json to_json(const std::vector<LayerSmoothing>& layers);

// For `--log-smoothing N` (train::VitRunOptions::log_smoothing): the record above for
// model(images), computed in eval mode (the model's mode is restored), attention graphs
// captured for `dirichlet` exactly as `prism spectrum` does.
nlohmann::json smoothing_record(models::ViT& model, const Tensor& images);

}  // namespace prism::diag
