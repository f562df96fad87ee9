// Differentiable linear algebra: matmul (torch.matmul semantics), linear, QR.
#pragma once
#include <utility>

#include "prism/core/tensor.hpp"

namespace prism {

// torch.matmul: 1-d/2-d/batched with broadcasting of batch dims; (…, n, k) @ (…, k, m).
// Runs through BLIS using the operands' strides (a transposed view costs no copy).
Tensor matmul(const Tensor& a, const Tensor& b);

// torch.nn.functional.linear: x (…, in) @ weight(out, in)^T + bias(out); bias may be undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// Householder QR of a square matrix A (n, n) = Q R, Q orthogonal, R upper triangular,
// with R's diagonal made non-negative. Differentiable in both outputs.
std::pair<Tensor, Tensor> qr(const Tensor& a);

}  // namespace prism
