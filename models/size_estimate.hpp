// Parameter and activation counts of one pre-LN transformer block, shared by ViTConfig and
// GPTConfig's memory checks (core/memory.hpp). Saturating: huge sizes never wrap around.
#pragma once
#include <cstdint>

#include "prism/core/memory.hpp"

namespace prism::models {

// ln_1, ln_2 (2C each), qkv (3C*C + 3C), proj (C*C + C), fc1 (C*M + M), fc2 (M*C + C).
inline std::uint64_t block_parameter_count(std::int64_t C, std::int64_t M) {
    return add_sat({mul_sat({4, C, C}), mul_sat({2, C, M}), mul_sat({11, C}), mul_sat({1, M})});
}

// Floats one block keeps for backward per sample of T tokens: about ten (T, C) tensors (norms,
// q, k, v, attention output, projections, residuals), two (T, M) (fc1, GELU) and two
// (NH, T, T) (scores, probabilities).
inline std::uint64_t block_activation_floats(std::int64_t T, std::int64_t C, std::int64_t M, std::int64_t NH) {
    return add_sat({mul_sat({10, T, C}), mul_sat({2, T, M}), mul_sat({2, NH, T, T})});
}

}  // namespace prism::models
