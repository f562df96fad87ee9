// TrainState: what a checkpoint needs besides weights and optimizer moments to resume a run
// bit-exactly: the step (the schedule is a pure function of it), the data-loader position,
// the default generator's state (dropout), and the best validation metric so far.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "core/rng.hpp"
#include "data/loader.hpp"
#include "nn/module.hpp"
#include "optim/optimizer.hpp"

namespace prism::train {

struct TrainState {
    std::int64_t step = 0;
    double best_metric = -1;                    // best validation accuracy (or -loss), -1 = none
    data::DataLoader::State loader;             // the batch the loader returns next
    Generator::State rng = default_generator().state();

    nlohmann::json to_json() const;             // also captures default_generator() now
    static TrainState from_json(const nlohmann::json& j, const std::string& file);
};

// Loads `path` into model and optimizer, restores the default generator and (when given)
// the loader's position; returns the state. Errors name the file.
TrainState resume_from(const std::string& path, nn::Module& model, optim::Optimizer& opt, data::DataLoader* loader);

}  // namespace prism::train
