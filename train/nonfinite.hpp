// Non-finite losses and gradients in the training loops (train/classifier.cpp, train/lm.cpp).
//
// A step whose loss or gradient norm is NaN or infinite never updates the model. By default
// training stops with an Error naming the step and the first parameter (state_dict order,
// e.g. "blocks.3.attn.qkv.weight") whose gradient is not finite; nothing is saved from that
// state, so last.safetensors keeps the last good checkpoint. With skip_nonfinite = N, up to N
// such steps (over the whole run, also across --resume) are skipped instead: the batch is
// consumed, the optimizer does not step, metrics.jsonl gets a {"type": "nonfinite"} record.
// Past N the run stops as above. Checkpoints are never written from non-finite parameters.
#pragma once
#include <cstdint>
#include <string>

#include "prism/nn/module.hpp"
#include "prism/train/jsonl.hpp"

namespace prism::train {

// Name of the first parameter whose .grad (resp. value) holds a NaN or an infinity; "" if none.
std::string first_nonfinite_grad(const nn::Module& model);
std::string first_nonfinite_param(const nn::Module& model);

class NonFiniteGuard {
   public:
    // max_skips: steps that may be skipped in all; last_checkpoint: named in the stop message.
    NonFiniteGuard(std::int64_t max_skips, std::string last_checkpoint)
        : max_skips_(max_skips), last_(std::move(last_checkpoint)) {}

    // After backward and the gradient norm of step `step` (1-based, as in metrics.jsonl): true
    // when the step may update the model; false when it is skipped (++skipped, logged); throws
    // prism::Error (after logging) when training must stop.
    bool step_ok(std::int64_t step, double loss, double grad_norm, const nn::Module& model, std::int64_t& skipped,
                 JsonlLog& log) const;

   private:
    std::int64_t max_skips_;
    std::string last_;
};

// Throws prism::Error when a parameter is not finite, instead of saving it to `path`.
void check_finite_before_save(const nn::Module& model, std::int64_t step, const std::string& path);

}  // namespace prism::train
