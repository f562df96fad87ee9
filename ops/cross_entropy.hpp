// Cross-entropy on logits (N, C) with int64 targets (N): fused log-softmax + NLL, with
// PyTorch's label smoothing loss_i = (1 - eps) * nll_i + eps * mean_c(-logp_ic) and
// ignore_index (ignored rows give 0 and are left out of the mean).
#pragma once
#include <cstdint>

#include "prism/core/tensor.hpp"

namespace prism::ops {

struct CrossEntropyForward {
    Tensor loss;   // (N) per-row loss, 0 on ignored rows
    Tensor lse;    // (N) logsumexp of each row, saved for backward
    std::int64_t count = 0;  // rows not ignored
};
// logits (N, C) float, target (N) int32/int64. Throws naming shapes, bad target index and C.
CrossEntropyForward cross_entropy(const Tensor& logits, const Tensor& target, std::int64_t ignore_index,
                                  double label_smoothing);
// dlogits (N, C) given per-row upstream weights grow (N): softmax - (1-eps) onehot - eps/C, times grow.
Tensor cross_entropy_backward(const Tensor& logits, const Tensor& target, const Tensor& lse, const Tensor& grow,
                              std::int64_t ignore_index, double label_smoothing);

// Raw kernels: x (N, C) contiguous, t (N) int64.
namespace ref {
template <class T>
void cross_entropy_rows(const T* x, const std::int64_t* t, T* loss, T* lse, std::int64_t N, std::int64_t C,
                        std::int64_t ignore_index, T eps);
}  // namespace ref
template <class T>
void cross_entropy_rows(const T* x, const std::int64_t* t, T* loss, T* lse, std::int64_t N, std::int64_t C,
                        std::int64_t ignore_index, T eps);
template <class T>
void cross_entropy_rows_backward(const T* x, const std::int64_t* t, const T* lse, const T* grow, T* dx, std::int64_t N,
                                 std::int64_t C, std::int64_t ignore_index, T eps);

}  // namespace prism::ops
