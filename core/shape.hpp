// Shape and strides: small vectors of int64 plus the helpers every layer needs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace prism {

using Shape = std::vector<std::int64_t>;    // sizes, outermost first: (B, T, C)
using Strides = std::vector<std::int64_t>;  // step in elements per index along each dim

// "(2, 3, 4)"; a 0-d tensor prints as "()".
std::string shape_str(const Shape& s);

std::int64_t numel(const Shape& s);

// Row-major ("C") strides: the last dim is contiguous.
Strides contiguous_strides(const Shape& s);

// Wraps a possibly negative dim into [0, ndim); throws prism::Error naming op otherwise.
std::int64_t wrap_dim(std::int64_t dim, std::int64_t ndim, const char* op);

// NumPy broadcasting of two shapes; throws naming op and both shapes when they do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace prism
