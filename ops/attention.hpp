// Fused scaled-dot-product attention kernels over (B, NH, T, HS), one (b, h) pair per task.
//
// Per head: S = q k^T * scale (T, T); causal rows keep keys j <= i; P = softmax(S) row-wise;
// optional dropout on P; O = P v. P (B, NH, T, T) is saved for the O(T^2) backward:
//   dP = dO v^T, dv = P^T dO, dS = P * (dP - rowsum(dP * P)) * scale, dq = dS k, dk = dS^T q.
// q, k, v may be any strided views (e.g. permuted slices of a (B, T, 3, NH, HS) qkv tensor):
// every product goes through ops::gemm with the operands' strides, no copies.
#pragma once
#include "prism/core/tensor.hpp"

namespace prism::ops {

struct AttentionForward {
    Tensor out;    // (B, NH, T, HS) contiguous
    Tensor probs;  // (B, NH, T, T) softmax probabilities (before dropout)
};
// dropout_mask: undefined, or (B, NH, T, T) of 0 and 1/(1-p) applied to probs.
AttentionForward attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                   const Tensor& dropout_mask);

struct AttentionGrads {
    Tensor dq, dk, dv;  // (B, NH, T, HS) contiguous
};
AttentionGrads attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Tensor& probs, const Tensor& dropout_mask);

namespace ref {
// Plain loops, no dropout: the reference for the fused kernels (returns out, probs).
AttentionForward attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, bool causal);
}  // namespace ref

}  // namespace prism::ops
