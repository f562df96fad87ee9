// Gradient clipping by global L2 norm, torch.nn.utils.clip_grad_norm_ (norm_type 2).
#pragma once
#include <vector>

#include "prism/core/tensor.hpp"
#include "prism/optim/param_groups.hpp"

namespace prism::optim {

// Returns the total L2 norm of all defined .grad's (before clipping). When
// clip_coef = max_norm / (total_norm + 1e-6) is < 1, every grad is scaled by it in place.
// Parameters without a grad are ignored. Deterministic: squares are summed in double, in
// fixed chunks combined in order (parameter by parameter), whatever the thread count.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm);
double clip_grad_norm_(const NamedParams& params, double max_norm);

// The total L2 norm alone (no scaling), same summation.
double grad_norm(const std::vector<Tensor>& params);

}  // namespace prism::optim
