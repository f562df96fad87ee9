// SGD, exactly torch.optim.SGD (1.13, maximize=False), with coupled weight decay:
//   d = g + wd p
//   momentum != 0:  buf = d on the first step, else momentum buf + (1 - dampening) d
//                   d = nesterov ? d + momentum buf : buf
//   p -= lr d
// One fused pass over each group's flat slab (see optim/optimizer.hpp for the memory model).
#pragma once
#include "prism/optim/optimizer.hpp"

namespace prism::optim {

struct SGDOptions {
    double lr = 1e-2;  // PyTorch makes lr a required argument; give it explicitly
    double momentum = 0;
    double dampening = 0;
    double weight_decay = 0;  // default for groups that do not set their own
    bool nesterov = false;
};

class SGD : public Optimizer {
   public:
    explicit SGD(std::vector<ParamGroup> groups, const SGDOptions& options = {});
    explicit SGD(const NamedParams& params, const SGDOptions& options = {});
    explicit SGD(const std::vector<Tensor>& params, const SGDOptions& options = {});

    void step() override;
    void step_reference();  // the same update through the plain scalar loop
    const SGDOptions& options() const { return options_; }

   private:
    void step_impl(bool reference);
    SGDOptions options_;
};

}  // namespace prism::optim
