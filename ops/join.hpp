// Joining tensors: cat along an existing dim (stack = cat of unsqueezed inputs; split is
// a list of narrow() views and needs no kernel).
#pragma once
#include <vector>

#include "prism/core/tensor.hpp"

namespace prism::ops {

// All xs share dtype and every size except dim; throws naming all shapes otherwise.
Tensor cat(const std::vector<Tensor>& xs, std::int64_t dim);

}  // namespace prism::ops
