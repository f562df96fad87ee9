// Grad mode: whether differentiable functions record nodes. On by default, per thread.
//
//     { prism::NoGradGuard guard; auto y = model(x); }   // evaluation, no tape, less memory
#pragma once

namespace prism {

bool grad_enabled();
void set_grad_enabled(bool on);

class NoGradGuard {
   public:
    NoGradGuard();
    ~NoGradGuard();
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

   private:
    bool prev_;
};

}  // namespace prism
