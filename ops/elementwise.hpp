// Elementwise kernels on tensors (no autograd). NumPy broadcasting, any strides; float32
// and float64 (integer dtypes only for where/masked_fill masks). Fast paths go through
// ops/loop.hpp (xsimd on contiguous and row-broadcast runs, parallel_for on big arrays);
// ops::ref holds a plain loop beside each, for the tests.
// Unary maps live in ops/unary.hpp, reductions in ops/reduce.hpp.
#pragma once
#include "prism/core/tensor.hpp"

namespace prism::ops {

enum class BinaryOp { Add, Sub, Mul, Div };

namespace ref {
Tensor binary(const Tensor& a, const Tensor& b, BinaryOp op);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);
}  // namespace ref

// a (op) b with broadcasting; same floating dtype.
Tensor binary(const Tensor& a, const Tensor& b, BinaryOp op);
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
void add_(Tensor& a, const Tensor& b);  // a += b, b broadcasts to a

// x broadcast to `shape`, materialised as a fresh contiguous tensor.
Tensor expand_copy(const Tensor& x, const Shape& shape);

// cond: any dtype, nonzero = true; cond, a, b broadcast together.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
// x with value wherever mask (any dtype, broadcasts to x) is nonzero.
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);

// Sum g over the dims that broadcasting expanded, so the result has `shape` (ops/reduce.cpp).
Tensor sum_to(const Tensor& g, const Shape& shape);

namespace detail {
// Throws naming op, both shapes and dtypes unless a and b share one floating dtype.
void check_float_pair(const Tensor& a, const Tensor& b, const char* op);
void check_float(const Tensor& x, const char* op);
}  // namespace detail

}  // namespace prism::ops
