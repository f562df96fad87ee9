// Differentiable neural-network functions (torch.nn.functional.*) and tensor joins.
#pragma once
#include <cstdint>
#include <vector>

#include "prism/core/rng.hpp"
#include "prism/core/tensor.hpp"

namespace prism {

Tensor softmax(const Tensor& x, std::int64_t dim);
Tensor log_softmax(const Tensor& x, std::int64_t dim);

// Over the last dim (normalized_shape = (C,)); weight/bias (C,) may be undefined.
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps = 1e-5);

enum class Reduction { Mean, Sum, None };
struct CrossEntropyOptions {
    std::int64_t ignore_index = -100;
    double label_smoothing = 0.0;
    Reduction reduction = Reduction::Mean;
};
// logits (N, C) float, target (N) int64 class ids; fused log-softmax + NLL (F.cross_entropy).
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const CrossEntropyOptions& opts = {});

// weight (V, C), ids int32/int64 of any shape -> (*ids.shape, C); backward scatter-adds.
Tensor embedding(const Tensor& ids, const Tensor& weight);

// Inverted dropout (scale by 1/(1-p) in training); identity when !training or p == 0.
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen);
// Stochastic depth (timm's drop_path): x (B, ...) with whole samples zeroed with probability p
// and the rest scaled by 1/(1-p), one mask value per sample; identity when !training or p == 0.
Tensor drop_path(const Tensor& x, double p, bool training, Generator& gen);

Tensor cat(const std::vector<Tensor>& xs, std::int64_t dim);
std::vector<Tensor> split(const Tensor& x, std::int64_t split_size, std::int64_t dim);  // torch.split
Tensor stack(const std::vector<Tensor>& xs, std::int64_t dim);

// (T, T) float mask with 1 where key j > query i (positions a causal model must not see).
Tensor causal_mask(std::int64_t T, DType dtype = kFloat32);

// Fused attention: q, k, v (B, NH, T, HS) -> (B, NH, T, HS), softmax(q k^T * scale) v with
// scale = 1/sqrt(HS). Causal masks keys after the query. O(T^2) memory per head, backward too.
// When probs_out is given, the attention probabilities (B, NH, T, T) are written there (probes).
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal = false,
                                    double dropout_p = 0.0, Generator* gen = nullptr, Tensor* probs_out = nullptr);

}  // namespace prism
