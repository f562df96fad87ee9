// Optimizer: the base of AdamW and SGD. It owns the parameters' memory as flat slabs.
//
// Memory model. At construction each group's parameters are packed into one contiguous
// float32 slab (each parameter starting on a 64-byte line): the parameter tensors keep their
// identity (same TensorImpl, so modules see the change) but their storage is re-pointed into
// the slab, values preserved. Gradients get a matching slab and each param's .grad becomes a
// view into it; the backward engine accumulates in place into such a grad (it is the only
// holder), so after the first step backward writes straight into the slab. A grad that lives
// elsewhere (first backward, set_grad) is copied into the slab at step time and re-pointed.
// Moments (exp_avg, exp_avg_sq, momentum_buffer) are slabs of the same layout. The update is
// then one fused vectorised pass over each slab (optim/kernels.hpp).
// Caveat: views taken of a parameter *before* the optimizer was built still see the old
// storage; build the optimizer first, or take views afterwards.
//
// PyTorch semantics kept: a parameter whose .grad is undefined is skipped (no decay, no state
// change, its own step count does not advance); zero_grad() zeroes grads (1.13's default,
// set_to_none=false) and zero_grad(true) drops them; per-parameter step counts.
//
// Checkpoints: state_tensors() names state like PyTorch's state_dict, keyed by parameter
// name: "optim.exp_avg.<name>", "optim.exp_avg_sq.<name>", "optim.momentum_buffer.<name>",
// "optim.step.<name>" (int64, 0-d) for parameters that have state, and "optim.step" (int64,
// number of step() calls). load_state_tensors() restores them so the next steps are
// bit-identical to an uninterrupted run. Learning rates are not state: a schedule sets them.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "prism/core/storage.hpp"
#include "prism/core/tensor.hpp"
#include "prism/optim/param_groups.hpp"

namespace prism::optim {

class Optimizer {
   public:
    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    virtual void step() = 0;
    void zero_grad(bool set_to_none = false);

    std::size_t num_groups() const { return groups_.size(); }
    const ParamGroup& group(std::size_t i) const;  // lr and weight_decay always set
    void set_lr(double lr);                        // every group
    void set_lr(std::size_t group, double lr);
    double lr(std::size_t group = 0) const;
    std::int64_t step_count() const { return step_count_; }

    std::vector<Tensor> params() const;  // every parameter, group by group
    NamedParams named_params() const;    // with the names used for state

    // The flat slabs, for code that handles every gradient at once (dist::DataParallel reduces
    // them across processes). Group gi's parameters live in param_slab(gi)[0 .. slab_size(gi)),
    // their grads at the same offsets of grad_slab(gi); padding between parameters stays zero.
    float* param_slab(std::size_t gi) const { return floats(flat_.at(gi).param); }
    float* grad_slab(std::size_t gi) const { return floats(flat_.at(gi).grad); }
    std::int64_t slab_size(std::size_t gi) const { return flat_.at(gi).size; }
    struct SlotInfo {
        std::string name;
        std::size_t group = 0;
        std::int64_t offset = 0, numel = 0;  // in floats, within the group's slabs
    };
    std::vector<SlotInfo> slots() const;  // every parameter, group by group
    // Copies every grad that lives elsewhere into the grad slab and re-points it there; with
    // define_all, a parameter without a grad gets its (zeroed) slab view too, so every
    // parameter takes part in the next step (what DataParallel needs: all ranks update the
    // same parameters whatever their own micro-batches touched).
    void grads_to_slab(bool define_all);

    NamedParams state_tensors() const;  // copies, safe to keep
    void load_state_tensors(const NamedParams& state);  // ignores names not starting with "optim."

   protected:
    Optimizer(const char* name, std::vector<ParamGroup> groups, double lr, double weight_decay,
              std::vector<std::string> state_kinds);

    struct Slot {
        std::string name;
        std::int64_t offset = 0, numel = 0, padded = 0;  // in floats, within the group's slabs
        std::int64_t step = 0;                           // steps this parameter has taken
    };
    struct Flat {
        std::vector<Slot> slots;
        std::int64_t size = 0;
        std::shared_ptr<Storage> param, grad;
        std::vector<std::shared_ptr<Storage>> state;  // one per state kind, zero-initialised
    };

    // Moves grads into the slab, advances the step of every parameter that has a grad, then
    // calls f(begin, end, step) over maximal runs of such parameters sharing the same step
    // (normally one run covering the whole group).
    void for_each_run(std::size_t gi, const std::function<void(std::int64_t, std::int64_t, std::int64_t)>& f);

    static float* floats(const std::shared_ptr<Storage>& s) { return static_cast<float*>(s->data()); }

    const char* name_;
    std::vector<ParamGroup> groups_;
    std::vector<Flat> flat_;
    std::vector<std::string> state_kinds_;
    std::int64_t step_count_ = 0;

   private:
    Tensor slab_view(const std::shared_ptr<Storage>& s, const Slot& slot, const Tensor& like) const;
    bool grad_in_slab(std::size_t gi, std::size_t j) const;
};

}  // namespace prism::optim
