// Parameter initialisers (torch.nn.init.* and timm's trunc_normal_), in place, not recorded by
// autograd. Each draws from `gen`, or from prism::default_generator() when gen is null, so
// prism::manual_seed(s) makes model construction reproducible.
#pragma once
#include <optional>
#include <utility>

#include "prism/core/rng.hpp"
#include "prism/core/tensor.hpp"

namespace prism::nn::init {

Tensor& zeros_(Tensor& t);
Tensor& ones_(Tensor& t);
Tensor& constant_(Tensor& t, double value);
Tensor& normal_(Tensor& t, double mean = 0.0, double std = 1.0, Generator* gen = nullptr);
Tensor& uniform_(Tensor& t, double a = 0.0, double b = 1.0, Generator* gen = nullptr);

// N(mean, std^2) truncated to [a, b] (absolute bounds), by inverting the normal CDF so each
// element costs one uniform draw. Defaults a = mean - 2 std, b = mean + 2 std.
Tensor& trunc_normal_(Tensor& t, double std = 0.02, double mean = 0.0, std::optional<double> a = std::nullopt,
                      std::optional<double> b = std::nullopt, Generator* gen = nullptr);

// (fan_in, fan_out) of a weight (out, in, *receptive): fan_in = in * receptive.
std::pair<std::int64_t, std::int64_t> fan_in_and_out(const Tensor& t);

// U(-bound, bound), bound = gain * sqrt(3 / fan_in), gain = sqrt(2 / (1 + a^2)) (leaky_relu).
// a = sqrt(5) is what torch.nn.Linear uses: bound = 1 / sqrt(fan_in).
Tensor& kaiming_uniform_(Tensor& t, double a = 0.0, Generator* gen = nullptr);
// U(-bound, bound), bound = gain * sqrt(6 / (fan_in + fan_out)).
Tensor& xavier_uniform_(Tensor& t, double gain = 1.0, Generator* gen = nullptr);

}  // namespace prism::nn::init
