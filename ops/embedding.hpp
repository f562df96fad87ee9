// Embedding lookup: ids (any shape, int32/int64) index rows of weight (V, C).
#pragma once
#include "prism/core/tensor.hpp"

namespace prism::ops {

namespace ref {
Tensor embedding_backward(const Tensor& ids, const Tensor& g, std::int64_t V);
}  // namespace ref

// -> (*ids.shape, C). Throws naming the bad id, its position and V.
Tensor embedding(const Tensor& ids, const Tensor& weight);
// dweight (V, C): sum of the rows of g (*ids.shape, C) that each id selected. Deterministic:
// column blocks run in parallel, each adding the ids in order.
Tensor embedding_backward(const Tensor& ids, const Tensor& g, std::int64_t V);

}  // namespace prism::ops
