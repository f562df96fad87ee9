// Reductions (no autograd): sum/mean/var over any dims, max/argmax along one dim, with
// keepdim, float32/float64. A contiguous input whose reduced dims form one block is seen
// as (K1, R, K2) and summed with xsimd (row sums when K2 == 1, column sums otherwise, e.g.
// bias gradients (N, C) -> (C)); anything else is first copied to (kept..., reduced...).
// Parallel chunks are fixed by size, partials combined in chunk order: deterministic.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "prism/core/tensor.hpp"

namespace prism::ops {

namespace ref {
Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
std::pair<Tensor, Tensor> max(const Tensor& x, std::int64_t dim, bool keepdim = false);
}  // namespace ref

// Empty dims = all dims. Negative dims count from the end.
Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims = {}, bool keepdim = false);
Tensor var(const Tensor& x, const std::vector<std::int64_t>& dims, bool unbiased = true, bool keepdim = false);

// Values and int64 indices (first occurrence; NaN counts as the largest) along dim.
std::pair<Tensor, Tensor> max(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim = false);
// Gradient of max: grad placed at the argmax positions of a zero tensor of `shape`.
Tensor max_backward(const Tensor& grad, const Tensor& indices, const Shape& shape, std::int64_t dim, bool keepdim);

// The shape x has after reducing dims (with or without keepdim); dims wrapped and sorted.
std::vector<std::int64_t> reduce_dims(const Shape& shape, const std::vector<std::int64_t>& dims, const char* op);
Shape reduced_shape(const Shape& shape, const std::vector<std::int64_t>& dims, bool keepdim);

}  // namespace prism::ops
