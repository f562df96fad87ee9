// Householder QR of a square matrix and its backward (no autograd; see autograd/linalg.cpp).
#pragma once
#include <utility>

#include "prism/core/tensor.hpp"

namespace prism::ops {

// A (n, n) = Q R: Q orthogonal, R upper triangular with a non-negative diagonal (which makes
// the factorisation unique for full-rank A). Unblocked Householder, O(n^3), single-threaded;
// float32 or float64, computed in the input's dtype. Returns contiguous (Q, R).
std::pair<Tensor, Tensor> qr(const Tensor& a);

// dA from dL/dQ and dL/dR (either may be undefined = zero) for square full-rank A.
Tensor qr_backward(const Tensor& dq, const Tensor& dr, const Tensor& q, const Tensor& r);

// X R^{-T} for upper-triangular R (n, n) by back substitution, X (m, n); both row-major.
template <class T>
void solve_right_upper_transposed(const T* r, std::int64_t n, T* x, std::int64_t m);

}  // namespace prism::ops
