// Learning-rate schedules: each is a pure function of the step, so resuming a run needs only
// the step count (no scheduler state in checkpoints).
//
// Steps count from 0: lr_at(0) is the lr of the first optimizer step, lr_at(s) the lr of the
// (s+1)-th. WarmupCosineLR follows nanoGPT's train.py get_lr(it) exactly:
//   it <  warmup:        max_lr * (it + 1) / (warmup + 1)
//   it >  decay_steps:   min_lr
//   otherwise:           min_lr + 0.5 (1 + cos(pi (it - warmup) / (decay_steps - warmup))) (max_lr - min_lr)
// decay_steps is absolute (it includes the warm-up): the step at which min_lr is reached.
//
//     optim::WarmupCosineLR sched(3e-4, 100, 5000, 3e-5);
//     opt.set_lr(sched.lr_at(step));   // before each opt.step()
#pragma once
#include <cstdint>
#include <functional>

namespace prism::optim {

// Any schedule, type-erased: step -> lr.
using LRSchedule = std::function<double(std::int64_t)>;

struct ConstantLR {
    double lr;
    double lr_at(std::int64_t) const { return lr; }
};

class WarmupCosineLR {
   public:
    WarmupCosineLR(double max_lr, std::int64_t warmup_steps, std::int64_t decay_steps, double min_lr = 0.0);
    double lr_at(std::int64_t step) const;

   private:
    double max_lr_, min_lr_;
    std::int64_t warmup_, decay_;
};

// torch.optim.lr_scheduler.StepLR: lr * gamma^(step / step_size) (integer division).
class StepLR {
   public:
    StepLR(double lr, std::int64_t step_size, double gamma = 0.1);
    double lr_at(std::int64_t step) const;

   private:
    double lr_, gamma_;
    std::int64_t step_size_;
};

template <class S> LRSchedule as_schedule(S s) {
    return [s](std::int64_t step) { return s.lr_at(step); };
}

}  // namespace prism::optim
