// Walking a strided tensor in row-major order.
//
// for_each_offset(shape, {&sa, &sb}, {oa, ob}, f) calls f(i, {ea, eb}) for every element i
// (row-major position), where ea/eb are the element offsets into each tensor's storage.
// This is the plain loop that reference kernels and copies use; fast kernels work on
// contiguous runs instead.
#pragma once
#include <array>
#include <cstdint>

#include "prism/core/shape.hpp"

namespace prism {

template <std::size_t N, class F>
void for_each_offset(const Shape& shape, const std::array<const Strides*, N>& strides,
                     std::array<std::int64_t, N> offs, F&& f) {
    const std::size_t nd = shape.size();
    const std::int64_t total = numel(shape);
    if (total == 0) return;
    std::vector<std::int64_t> idx(nd, 0);
    for (std::int64_t i = 0; i < total; ++i) {
        f(i, offs);
        // increment the multi-index, innermost dim first
        for (std::size_t d = nd; d-- > 0;) {
            ++idx[d];
            for (std::size_t k = 0; k < N; ++k) offs[k] += (*strides[k])[d];
            if (idx[d] < shape[d]) break;
            for (std::size_t k = 0; k < N; ++k) offs[k] -= (*strides[k])[d] * shape[d];
            idx[d] = 0;
        }
    }
}

}  // namespace prism
