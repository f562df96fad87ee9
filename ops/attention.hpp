// Scaled-dot-product attention kernels over (B, NH, T, HS).
//
// Per head: S = q k^T * scale (T, T); causal rows keep keys j <= i; P = softmax(S) row-wise;
// optional dropout on P (mask M of 0 and 1/(1-p)); O = (P*M) v. Backward, O(T^2) per head:
//   dP = (dO v^T) * M, dv = (P*M)^T dO, dS = P * (dP - rowsum(dP * P)) * scale, dq = dS k, dk = dS^T q.
// q, k, v may be any strided views (e.g. permuted slices of a (B, T, 3, NH, HS) qkv tensor).
//
// Three implementations, all compiled in:
//   ref::   plain loops, the reference the tests compare the others against;
//   blis::  one single-threaded BLIS call per product and (b, h), heads spread over TBB tasks
//           (the previous kernel; kept for `prism bench kernels`);
//   (none)  the fused kernel: per (b, h) and block of 6 query rows, scores, softmax and P v are
//           computed in registers/L1 by the tiles of ops/attention_tile.hpp. P is not stored:
//           forward keeps the row log-sum-exp (B, NH, T), backward recomputes P from it.
#pragma once
#include "prism/core/tensor.hpp"

namespace prism::ops {

struct AttentionForward {
    Tensor out;    // (B, NH, T, HS); the fused kernel's is a transposed view of a row-major (B, T, NH, HS),
                   // so that out.transpose(1, 2).reshape({B, T, C}) (heads -> features) needs no copy
    Tensor lse;    // (B, NH, T): log sum_j exp(S_ij) over the row's visible keys (what backward needs)
    Tensor probs;  // (B, NH, T, T) softmax probabilities before dropout; only when keep_probs (probes)
};
struct AttentionGrads {
    Tensor dq, dk, dv;  // (B, NH, T, HS) contiguous
};

namespace ref {
// Plain loops (out, lse and probs always; gradients from the stored probabilities).
AttentionForward attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                   const Tensor& dropout_mask = Tensor());
AttentionGrads attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                  const Tensor& dropout_mask = Tensor());
}  // namespace ref

namespace blis {
// BLIS per (b, h): out and probs (probs are what its backward reads); lse undefined.
AttentionForward attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                   const Tensor& dropout_mask);
AttentionGrads attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Tensor& probs, const Tensor& dropout_mask);
}  // namespace blis

// dropout_mask: undefined, or (B, NH, T, T) of 0 and 1/(1-p) applied to the probabilities.
AttentionForward attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                   const Tensor& dropout_mask, bool keep_probs = false);
// lse from attention_forward with the same q, k, v, causal.
AttentionGrads attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Tensor& lse, bool causal, const Tensor& dropout_mask);

// Which kernel scaled_dot_product_attention (autograd/attention.cpp) runs: the fused one
// (default) or BLIS per head (stores the probabilities); `prism bench --attention-kernel`
// switches it to measure one against the other in the same process.
enum class AttentionKernel { fused, blis };
void set_attention_kernel(AttentionKernel kernel);
AttentionKernel attention_kernel();

}  // namespace prism::ops
