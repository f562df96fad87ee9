// TrainLoop: the part of a training loop that every trainer shares, so that each trainer
// (train/classifier.cpp, train/lm.cpp) keeps only its task: what a batch is, what the loss is,
// what it tallies and when it evaluates. The shared part:
//   - the out dir: refuse to clobber a previous run, --overwrite, stale temporaries (out_dir.hpp);
//   - --resume: weights, AdamW moments, step, RNG, loader position and metrics.jsonl's length
//     come back from last.safetensors, after checking the settings match (train_state.hpp);
//   - one optimizer step: lr from the schedule, forward/backward (alone, or in micro-batches
//     over ranks with dist::DataParallel), grad clip, the non-finite guard (nonfinite.hpp);
//   - metrics.jsonl, last/best.safetensors (written by rank 0 alone), --max-steps, --save-every.
//
// A trainer then reads like a PyTorch loop:
//
//     optim::AdamW opt(param_groups, {...});
//     TrainLoop loop(model, opt, schedule, opts, config, run);   // prepares --out, resumes
//     while (loop.step() < steps && !loop.max_steps_reached()) {
//         auto [x, y] = next_batch();
//         // forward on rows [lo, hi) of the batch; the loop scales, backwards, clips and steps
//         const StepResult s = loop.train_step(B, 1, [&](std::int64_t lo, std::int64_t hi, double*) {
//             return model.loss(x.narrow(0, lo, hi - lo), y.narrow(0, lo, hi - lo));
//         });
//         if (s.updated && loop.every(opts.log_every)) loop.log_step(s, {{"tokens_per_s", rate}});
//         if (loop.every(opts.save_every)) loop.save_last();
//     }
//     loop.save_last();
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "prism/data/loader.hpp"
#include "prism/dist/communicator.hpp"
#include "prism/dist/data_parallel.hpp"
#include "prism/nn/module.hpp"
#include "prism/optim/optimizer.hpp"
#include "prism/optim/schedule.hpp"
#include "prism/train/jsonl.hpp"
#include "prism/train/nonfinite.hpp"
#include "prism/train/train_state.hpp"

namespace prism::train {

// The settings every trainer has; ClassifierOptions and LMOptions extend them.
struct LoopOptions {
    std::string out_dir;           // last/best.safetensors + metrics.jsonl; empty: nothing on disk
    bool resume = false;           // continue from out_dir/last.safetensors when it exists
    // A previous run in out_dir (last/best.safetensors, metrics.jsonl) is refused unless resume
    // or overwrite (start afresh: both checkpoints removed, metrics.jsonl emptied); train/out_dir.hpp.
    bool overwrite = false;
    std::int64_t skip_nonfinite = 0;  // steps with a non-finite loss/gradient to skip before stopping (train/nonfinite.hpp)
    double grad_clip = 1.0;        // <= 0: no clipping (the norm is still logged)
    std::int64_t max_steps = -1;   // stop (and save last) after this many steps in all; -1: run to the end
    std::int64_t save_every = 0;   // also save last.safetensors every N steps (0: only where the trainer saves)
    bool verbose = true;           // progress bar / lines on stdout (rank 0)
    std::function<void(std::int64_t step)> after_backward;  // test hook: after backward, before any check
    // Data-parallel training (dist/data_parallel.hpp): null = this process alone. Rank 0 alone
    // writes metrics, progress and checkpoints.
    dist::Communicator* comm = nullptr;
    dist::DataParallelOptions dist;
};

// What one train_step did.
struct StepResult {
    double loss = 0;           // mean loss over the global batch
    double lr = 0;             // the learning rate of this step
    double grad_norm = 0;      // global L2 norm of the gradient before clipping
    bool updated = false;      // false: a non-finite step, skipped (batch consumed, model unchanged)
    std::vector<double> stats; // [0]: the loss; [1..]: the task's sums over the global batch
};

// Forward of rows [lo, hi) of the global batch: returns their mean loss and adds the task's
// numbers to stats[1 ..] (stats[0], the loss, is the loop's). Alone: one call, lo = 0 and
// hi = the batch's rows; data-parallel: one call per micro-batch of this rank.
using MicroStep = std::function<Tensor(std::int64_t lo, std::int64_t hi, double* stats)>;

class TrainLoop {
   public:
    // Prepares opts.out_dir (rank 0; then a barrier) and, with opts.resume and a last.safetensors
    // there, restores model, optimizer, RNG and (when given) the loader's position from it.
    // `config` (the model's) goes into every checkpoint's metadata, `run` (the settings a
    // resume must match) into its train_state; a resume compares both with the stored ones.
    // With several ranks, `loader` (when given) must build part rank() of size() of each batch.
    TrainLoop(nn::Module& model, optim::Optimizer& opt, optim::LRSchedule schedule, const LoopOptions& opts,
              nlohmann::json config, const nlohmann::json& run, data::DataLoader* loader = nullptr);

    // One optimizer step on a global batch of `rows` rows, `nstats` numbers per step:
    //   lr = schedule(step); zero_grad; loss = micro(...); loss.backward()   (or dist::DataParallel)
    //   grad_norm = clip_grad_norm_(params, grad_clip); opt.step(); ++step
    // A non-finite loss or gradient skips opt.step() (or throws; NonFiniteGuard).
    StepResult train_step(std::int64_t rows, std::size_t nstats, const MicroStep& micro);

    std::int64_t step() const { return st_.step; }  // optimizer steps taken (skipped ones count)
    bool every(std::int64_t n) const { return n > 0 && st_.step % n == 0; }  // step is a multiple of n > 0
    bool max_steps_reached() const { return opts_.max_steps >= 0 && st_.step >= opts_.max_steps; }
    bool verbose() const { return verbose_; }     // opts.verbose on rank 0
    TrainState& state() { return st_; }           // best_metric, tally, nonfinite_skipped

    // metrics.jsonl (rank 0; nothing without an out dir). log_step writes {"type": "step",
    // "step", "loss", "lr", "grad_norm"} plus `extra`.
    void log(const nlohmann::json& record) { log_.write(record); }
    void log_step(const StepResult& s, const nlohmann::json& extra = nlohmann::json::object());

    // last.safetensors / best.safetensors (rank 0; nothing without an out dir). Throws instead
    // of saving non-finite parameters.
    void save_last() { save(last_); }
    void save_best() { save(best_); }

   private:
    void resume(data::DataLoader* loader, const nlohmann::json& run);
    void save(const std::string& path);

    nn::Module& model_;
    optim::Optimizer& opt_;
    optim::LRSchedule schedule_;
    const LoopOptions& opts_;
    nlohmann::json config_;
    data::DataLoader* loader_;
    dist::SerialCommunicator alone_;
    dist::Communicator& comm_;
    dist::DataParallel dp_;
    bool verbose_;
    std::string last_, best_;
    TrainState st_;
    JsonlLog log_;
    NonFiniteGuard guard_;
};

// Seconds of wall time since t0.
inline double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace prism::train
