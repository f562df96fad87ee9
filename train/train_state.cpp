#include "prism/train/train_state.hpp"

#include <cstdio>

#include "prism/io/checkpoint.hpp"
#include "prism/train/resume_check.hpp"

namespace prism::train {

nlohmann::json TrainState::to_json() const {
    const Generator::State g = default_generator().state();
    return {{"step", step},
            {"best_metric", best_metric},
            {"loader", {{"epoch", loader.epoch}, {"batch", loader.batch}}},
            {"rng", {{"seed", g.seed}, {"offset", g.offset}}},
            {"epoch_tally",
             {{"loss_sum", tally.loss_sum}, {"batches", tally.batches}, {"correct", tally.correct},
              {"samples", tally.samples}}},
            {"nonfinite_skipped", nonfinite_skipped},
            {"run", run}};
}

TrainState TrainState::from_json(const nlohmann::json& j, const std::string& file) {
    TrainState s;
    try {
        s.step = j.at("step");
        s.best_metric = j.value("best_metric", -1.0);
        s.loader.epoch = j.at("loader").at("epoch");
        s.loader.batch = j.at("loader").at("batch");
        s.rng.seed = j.at("rng").at("seed");
        s.rng.offset = j.at("rng").at("offset");
        if (j.contains("epoch_tally")) {
            const auto& t = j.at("epoch_tally");
            s.tally.loss_sum = t.at("loss_sum");
            s.tally.batches = t.at("batches");
            s.tally.correct = t.at("correct");
            s.tally.samples = t.at("samples");
        }
        s.nonfinite_skipped = j.value("nonfinite_skipped", std::int64_t(0));
        if (j.contains("run")) s.run = j.at("run");
    } catch (const nlohmann::json::exception& e) {
        throw Error("resume", file, ": train_state is incomplete: ", e.what());
    }
    return s;
}

TrainState resume_from(const std::string& path, nn::Module& model, optim::Optimizer& opt, data::DataLoader* loader,
                       const nlohmann::json& config, const nlohmann::json& run) {
    io::Checkpoint c = io::load_checkpoint(path);
    if (c.train_state.is_null()) throw Error("resume", path, " has no train_state (was it saved by a training run?)");
    TrainState s = TrainState::from_json(c.train_state, path);
    const auto notes = check_resume_settings(path, c.config, s.run, config, run);
    for (const auto& n : notes)
        std::fprintf(stderr, "prism: warning: --resume: %s does not store %s; not checked\n", path.c_str(), n.c_str());
    model.load_state_dict(c.model, /*strict=*/true);
    opt.load_state_tensors(c.optim);
    default_generator().set_state(s.rng);
    if (loader) loader->set_state(s.loader);
    return s;
}

}  // namespace prism::train
