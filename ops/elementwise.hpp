// Elementwise kernels on tensors (no autograd). NumPy broadcasting; float32 fast paths
// vectorised with xsimd, a plain reference loop beside each; float64 for gradient checks.
#pragma once
#include "core/tensor.hpp"

namespace prism::ops {

Tensor add(const Tensor& a, const Tensor& b);  // broadcast
void add_(Tensor& a, const Tensor& b);         // a += b, b broadcasts to a

// Sum g over the dims that broadcasting expanded, so the result has `shape`.
Tensor sum_to(const Tensor& g, const Shape& shape);

}  // namespace prism::ops
