// TrainState: what a checkpoint needs besides weights and optimizer moments to resume a run
// bit-exactly: the step (the schedule is a pure function of it), the data-loader position,
// the default generator's state (dropout), the best validation metric so far, and the running
// sums of the epoch in progress (so the epoch record after a mid-epoch resume covers the whole
// epoch, as in an uninterrupted run), and how much of metrics.jsonl existed at the save.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "prism/core/rng.hpp"
#include "prism/data/loader.hpp"
#include "prism/nn/module.hpp"
#include "prism/optim/optimizer.hpp"

namespace prism::train {

struct TrainState {
    // Sums over the batches of the current epoch so far; zero at every epoch boundary.
    struct EpochTally {
        double loss_sum = 0;        // sum of per-batch mean losses
        std::int64_t batches = 0;
        std::int64_t correct = 0;   // correctly classified training samples
        std::int64_t samples = 0;
    };

    std::int64_t step = 0;
    double best_metric = -1;                    // best validation accuracy (or -loss), -1 = none
    data::DataLoader::State loader;             // the batch the loader returns next
    Generator::State rng = default_generator().state();
    EpochTally tally;                           // checkpoints before 2026-12 lack it: zeros
    std::int64_t nonfinite_skipped = 0;         // steps skipped for a non-finite loss/gradient
    // Length of metrics.jsonl when this state was saved; -1 = not stored (older files, no log).
    // A resume cuts the log back to it, so records written after the checkpoint by the
    // interrupted run are not followed by the resumed run's records for the same steps.
    std::int64_t log_bytes = -1;
    // The training settings a resume must match (train/resume_check.hpp); null in older files.
    nlohmann::json run;

    nlohmann::json to_json() const;             // also captures default_generator() now
    static TrainState from_json(const nlohmann::json& j, const std::string& file);
};

// Loads `path` into model and optimizer, restores the default generator and (when given)
// the loader's position; returns the state. Errors name the file. When `config` / `run` are
// given, first compares them with the stored ones (check_resume_settings: RunConflict on a
// difference) and prints what an older checkpoint did not let it check to stderr.
TrainState resume_from(const std::string& path, nn::Module& model, optim::Optimizer& opt, data::DataLoader* loader,
                       const nlohmann::json& config = nullptr, const nlohmann::json& run = nullptr);

}  // namespace prism::train
