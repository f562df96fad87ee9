// Inverted dropout kernels: a mask of 0 and 1/(1-p) drawn from the Generator's
// counter-based uniform stream, and the masked product used by forward and backward.
#pragma once
#include "prism/core/rng.hpp"
#include "prism/core/tensor.hpp"

namespace prism::ops {

// (shape) of dtype: element i is 1/(1-p) when u_i >= p else 0, u = gen.uniform(numel).
// Advances gen by numel draws. p must be in [0, 1); p == 1 gives all zeros.
Tensor dropout_mask(const Shape& shape, DType dtype, double p, Generator& gen);
// x * mask elementwise, same shapes (x may be strided); contiguous result.
Tensor mul_mask(const Tensor& x, const Tensor& mask);

}  // namespace prism::ops
