#include "prism/train/train_state.hpp"

#include <cstdio>

#include "prism/core/json.hpp"
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
            {"log_bytes", log_bytes},
            {"run", run}};
}

TrainState TrainState::from_json(const nlohmann::json& j, const std::string& file) {
    TrainState s;
    const std::string where = "resume: " + file + ": train_state";
    const auto count = [&](const nlohmann::json& o, const char* key) {  // whole, non-negative
        const std::int64_t v = json_int_at(o, key, where);
        if (v < 0) throw Error(where.c_str(), "\"", key, "\" must not be negative, got ", v);
        return v;
    };
    // the generator's seed and offset are full uint64 values: only an unsigned integer is one
    const auto word = [&](const nlohmann::json& o, const char* key) {
        const auto& v = o.at(key);
        if (!v.is_number_unsigned()) throw Error(where.c_str(), "\"", key, "\" must be an unsigned integer, got ", dump_json(v));
        return v.get<std::uint64_t>();
    };
    try {
        s.step = count(j, "step");
        s.best_metric = j.value("best_metric", -1.0);
        s.loader.epoch = count(j.at("loader"), "epoch");
        s.loader.batch = count(j.at("loader"), "batch");
        s.rng.seed = word(j.at("rng"), "seed");
        s.rng.offset = word(j.at("rng"), "offset");
        if (j.contains("epoch_tally")) {
            const auto& t = j.at("epoch_tally");
            s.tally.loss_sum = t.at("loss_sum");
            s.tally.batches = count(t, "batches");
            s.tally.correct = count(t, "correct");
            s.tally.samples = count(t, "samples");
        }
        s.nonfinite_skipped = j.contains("nonfinite_skipped") ? count(j, "nonfinite_skipped") : 0;
        if (j.contains("log_bytes") && !(j["log_bytes"].is_number_integer() && j["log_bytes"].get<std::int64_t>() == -1))
            s.log_bytes = count(j, "log_bytes");
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
