// Plain views: the layout arithmetic behind every view, with no autograd.
//
// A view is a new (shape, strides, offset) over the same storage (core/tensor.hpp). The
// functions here compute that layout and return a tensor with no history, whatever the input
// requires: kernels in ops/ use them to reshape and permute their operands without recording
// anything. The Tensor member functions of the same names (tensor.view(...), t.permute(...))
// are the differentiable versions: autograd/views.cpp builds each on the function here and
// records a node for backward.
//
//     Tensor x = ...;                                    // (B, T, C), maybe requires grad
//     Tensor y = layout::transpose(x, 1, 2);             // (B, C, T), same storage, no node
//     Tensor z = layout::contiguous(y);                  // a row-major copy (y is not row-major)
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "prism/core/tensor.hpp"

namespace prism::layout {

// The same data and layout, without history (what Tensor::detach returns).
Tensor alias(const Tensor& x);

Tensor view(const Tensor& x, const Shape& shape);     // throws when the strides do not allow it
Tensor reshape(const Tensor& x, const Shape& shape);  // a view when possible, else a row-major copy
Tensor flatten(const Tensor& x, std::int64_t start_dim = 0, std::int64_t end_dim = -1);
Tensor permute(const Tensor& x, const std::vector<std::int64_t>& dims);
Tensor transpose(const Tensor& x, std::int64_t d0, std::int64_t d1);
Tensor narrow(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length);
Tensor select(const Tensor& x, std::int64_t dim, std::int64_t index);  // removes dim
Tensor expand(const Tensor& x, const Shape& shape);                     // -1 keeps a size
Tensor squeeze(const Tensor& x, std::int64_t dim);                       // no-op unless size 1
Tensor unsqueeze(const Tensor& x, std::int64_t dim);
Tensor contiguous(const Tensor& x);         // x itself (aliased) when row-major, else a copy
Tensor to(const Tensor& x, DType dtype);    // x aliased when dtype matches, else a converted copy

// Strides that let `shape` view memory laid out as (old_shape, old_strides), or nullopt when
// no such strides exist (reshape must then copy).
std::optional<Strides> view_strides(const Shape& old_shape, const Strides& old_strides, const Shape& shape);
// `shape` with its one -1 replaced by what n elements imply; throws naming op and `from`.
Shape infer_shape(const Shape& shape, std::int64_t n, const char* op, const Shape& from);

}  // namespace prism::layout
