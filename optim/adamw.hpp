// AdamW, exactly torch.optim.AdamW (1.13, amsgrad=False, maximize=False):
//   p -= lr * wd * p                       (decoupled decay, first)
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)     t = this param's step, from 1
// One fused pass over each group's flat slab (see optim/optimizer.hpp for the memory model).
//
//     optim::AdamW opt(optim::default_param_groups(model.named_parameters(), 0.1), {.lr = 3e-4});
//     for (step...) { opt.zero_grad(); loss.backward(); opt.set_lr(sched.lr_at(step)); opt.step(); }
#pragma once
#include "prism/optim/optimizer.hpp"

namespace prism::optim {

struct AdamWOptions {
    double lr = 1e-3;
    double beta1 = 0.9, beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 1e-2;  // default for groups that do not set their own
};

class AdamW : public Optimizer {
   public:
    explicit AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options = {});
    explicit AdamW(const NamedParams& params, const AdamWOptions& options = {});        // one group
    explicit AdamW(const std::vector<Tensor>& params, const AdamWOptions& options = {});  // one group, names "0", "1", ...

    void step() override;
    void step_reference();  // the same update through the plain scalar loop (tests, debugging)
    const AdamWOptions& options() const { return options_; }

   private:
    void step_impl(bool reference);
    AdamWOptions options_;
};

}  // namespace prism::optim
