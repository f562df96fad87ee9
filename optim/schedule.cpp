#include "prism/optim/schedule.hpp"

#include <cmath>
#include <numbers>

#include "prism/core/error.hpp"

namespace prism::optim {

WarmupCosineLR::WarmupCosineLR(double max_lr, std::int64_t warmup_steps, std::int64_t decay_steps, double min_lr)
    : max_lr_(max_lr), min_lr_(min_lr), warmup_(warmup_steps), decay_(decay_steps) {
    PRISM_CHECK(warmup_steps >= 0 && decay_steps >= warmup_steps, "WarmupCosineLR", "need 0 <= warmup_steps (",
                warmup_steps, ") <= decay_steps (", decay_steps, ")");
}

double WarmupCosineLR::lr_at(std::int64_t it) const {
    if (it < warmup_) return max_lr_ * static_cast<double>(it + 1) / static_cast<double>(warmup_ + 1);
    if (it > decay_ || decay_ == warmup_) return min_lr_;  // nanoGPT would divide by zero when equal
    const double ratio = static_cast<double>(it - warmup_) / static_cast<double>(decay_ - warmup_);
    const double coeff = 0.5 * (1.0 + std::cos(std::numbers::pi * ratio));
    return min_lr_ + coeff * (max_lr_ - min_lr_);
}

StepLR::StepLR(double lr, std::int64_t step_size, double gamma) : lr_(lr), gamma_(gamma), step_size_(step_size) {
    PRISM_CHECK(step_size >= 1, "StepLR", "step_size must be >= 1, got ", step_size);
}

double StepLR::lr_at(std::int64_t step) const {
    if (step < 0) step = 0;
    return lr_ * std::pow(gamma_, static_cast<double>(step / step_size_));
}

}  // namespace prism::optim
