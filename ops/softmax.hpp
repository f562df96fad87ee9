// Softmax and log-softmax kernels (no autograd), numerically stable (subtract the row max).
// The fast path works on contiguous rows of the last dim; any other dim is moved last
// (one copy), computed, and moved back.
#pragma once
#include <cstdint>

#include "prism/core/tensor.hpp"

namespace prism::ops {

// x (..., n, ...) along dim -> same shape, contiguous; float32/float64.
Tensor softmax(const Tensor& x, std::int64_t dim, bool log = false);
// dL/dx from the forward output y and dL/dy, along the same dim.
Tensor softmax_backward(const Tensor& y, const Tensor& gy, std::int64_t dim, bool log = false);

namespace ref {
template <class T> void softmax_rows(const T* x, T* y, std::int64_t rows, std::int64_t n, bool log);
template <class T> void softmax_rows_backward(const T* y, const T* gy, T* gx, std::int64_t rows, std::int64_t n, bool log);
}  // namespace ref

// Row kernels over rows x rows of n contiguous elements (parallel over rows; y may alias x).
template <class T> void softmax_rows(const T* x, T* y, std::int64_t rows, std::int64_t n, bool log);
// softmax: gx = y * (gy - sum(gy * y)); log_softmax: gx = gy - exp(y) * sum(gy)
template <class T> void softmax_rows_backward(const T* y, const T* gy, T* gx, std::int64_t rows, std::int64_t n, bool log);

}  // namespace prism::ops
