// Matrix products on tensors (no autograd): the kernels under prism::matmul and prism::linear.
// Every product goes through ops::gemm with the operands' own strides, so a transposed view
// (e.g. w.t(), or x.transpose(-1, -2)) costs no copy. float32 and float64.
#pragma once
#include "prism/core/tensor.hpp"

namespace prism::ops {

// a (..., M, K) @ b (..., K, N) -> (batch..., M, N), both at least 2-d, batch dims broadcast
// (torch.matmul for dim >= 2; the 1-d cases are views in autograd/linalg.cpp).
Tensor matmul(const Tensor& a, const Tensor& b);

// Sum over the batch of a_i @ b_i: a (batch..., M, K), b (batch..., K, N), same batch shape
// -> (M, N). The gradient of a 2-d operand of a batched matmul. One GEMM over the whole
// batch when batch and K fold into one strided dim in both operands (e.g. x^T @ dy for
// contiguous x (B, T, C)), else one accumulating GEMM per batch item.
Tensor matmul_sum_batch(const Tensor& a, const Tensor& b);

// y (..., out) = x (..., in) @ w(out, in)^T + bias(out): one GEMM over all rows (B*T).
// bias may be undefined.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& bias);

struct LinearGrads {
    Tensor dx;  // (..., in)  = dy @ w
    Tensor dw;  // (out, in)  = dy^T @ x over all rows
    Tensor db;  // (out)      = column sums of dy
};
// Backward of linear; each product only when its flag is set (the others stay undefined).
LinearGrads linear_backward(const Tensor& dy, const Tensor& x, const Tensor& w, bool need_dx, bool need_dw,
                            bool need_db);

// Column sums of a (R, N) matrix given by pointer and row stride (unit column stride):
// out[j] = sum_r m[r, j], rows summed in order (deterministic); its columns are split across
// threads, each a plain loop the compiler vectorises (tests/ops/test_gemm.cpp checks it against
// a scalar loop).
template <class T>
void column_sums(const T* m, std::int64_t R, std::int64_t N, std::int64_t rs, T* out);

}  // namespace prism::ops
