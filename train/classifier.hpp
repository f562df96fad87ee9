// Training and evaluation of an image classifier (the ViT, or any module mapping images
// (B, C, H, W) to logits (B, K)).
//
// One step, as data flows through the layers:
//   loader.next(batch)                      data/    images (B, C, H, W), labels (B)
//   logits = forward(images)                nn/      autograd records the tape
//   loss = cross_entropy(logits, labels)    autograd/ (fused log-softmax + NLL)
//   opt.zero_grad(); loss.backward()        autograd/ engine -> ops/ backward kernels
//   norm = clip_grad_norm_(params, clip)    optim/
//   opt.set_lr(schedule(step)); opt.step()  optim/   one fused AdamW pass over flat slabs
// The loop around it (out dir, resume, the step itself, checkpoints, --max-steps) is
// train/loop.hpp's TrainLoop; this file keeps cross-entropy, the accuracy tally and validation.
// At the end of each epoch: validation accuracy, last.safetensors, best.safetensors (io/).
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "prism/data/loader.hpp"
#include "prism/nn/module.hpp"
#include "prism/train/loop.hpp"

namespace prism::train {

// The loop's settings (out_dir, resume, overwrite, skip_nonfinite, grad_clip, max_steps,
// save_every, verbose, after_backward, comm, dist) are in LoopOptions (train/loop.hpp): there
// save_every 0 saves last.safetensors at epoch ends only, max_steps -1 runs all epochs. With
// several ranks, the train loader must build part rank() of size() of each batch
// (LoaderOptions::part).
struct ClassifierOptions : LoopOptions {
    std::int64_t epochs = 10;
    double lr = 1e-3, min_lr = 1e-5, weight_decay = 0.05;
    double warmup_epochs = 1.0;
    double label_smoothing = 0.0;
    // Settings a resume must match besides the model config and what fit_classifier stores
    // itself (loader, schedule, data hash): run_vit adds the dataset, seed and fractions.
    nlohmann::json run_config = nlohmann::json::object();
    std::int64_t log_every = 50;   // a JSONL record every N steps
    // Every probe_every steps (0: never) a record {"type": "probe", "step", "epoch", ...probe()} goes
    // to metrics.jsonl: measurements of the model during training, e.g. run_vit's log_smoothing.
    std::int64_t probe_every = 0;
    std::function<nlohmann::json()> probe;
};

struct EvalResult {
    double accuracy = 0, loss = 0;  // fraction correct; mean cross-entropy (no smoothing)
    std::int64_t samples = 0;
};

struct FitResult {
    double best_val_accuracy = -1;  // -1 when there is no validation set
    std::int64_t steps = 0, epochs_done = 0;
    std::int64_t nonfinite_skipped = 0;  // steps skipped for a non-finite loss/gradient (whole run)
    double seconds = 0;             // wall time of this call
    bool finished = false;          // all epochs ran (false when stopped by max_steps)
};

using ClassifierForward = std::function<Tensor(const Tensor& images)>;

// Accuracy and mean loss over every batch of `loader` (one pass, no grad, eval mode).
EvalResult evaluate(nn::Module& model, const ClassifierForward& forward, data::DataLoader& loader);

// `config` is stored as the checkpoints' "config" metadata. The settings a resume must match
// (resume_settings below) go to train_state "run".
FitResult fit_classifier(nn::Module& model, const ClassifierForward& forward, data::DataLoader& train,
                         data::DataLoader* val, const ClassifierOptions& opts, const nlohmann::json& config);

// What fit_classifier stores in train_state "run" and compares on resume: opts.run_config plus
// the loader's settings (batch size, seed, augmentation, sample count, a hash of the dataset)
// and the schedule (lr, min_lr, warm-up, weight decay, label smoothing, clip); not the epochs.
nlohmann::json resume_settings(const ClassifierOptions& opts, const data::DataLoader& train);

}  // namespace prism::train
