// `prism train vit --log-smoothing N` (train::VitRunOptions::log_smoothing): every N steps a
// {"type": "probe", "smoothing": {...}} record of a fixed validation batch, one value per layer
// (embedding + each block), and measuring does not change the training itself.
#include <cmath>

#include "../data/tmpdir.hpp"
#include "../helpers.hpp"
#include "prism/io/checkpoint.hpp"
#include "jsonl_records.hpp"
#include "synthetic_images.hpp"
#include "prism/train/vit_run.hpp"

using namespace prism;

namespace {

train::VitRunOptions tiny_run(const std::string& dir, std::int64_t log_smoothing) {
    train::VitRunOptions o;
    o.dim = 16; o.depth = 3; o.heads = 2; o.patch = 4; o.mlp_dim = 32;
    o.batch_size = 16;
    o.seed = 3;
    o.log_smoothing = log_smoothing;
    o.train.epochs = 2;
    o.train.lr = 3e-3;
    o.train.out_dir = dir;
    o.train.verbose = false;
    return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(train_log_smoothing)

BOOST_AUTO_TEST_CASE(probe_records_every_n_steps_without_changing_training) {
    const train::VisionData data = test::synthetic_vision_data();
    test::TmpDir with, without;
    const auto r = train::run_vit(tiny_run(with.path.string(), 2), &data);
    train::run_vit(tiny_run(without.path.string(), 0), &data);

    const auto probes = test::jsonl_records(with.path.string() + "/metrics.jsonl", "probe");
    BOOST_REQUIRE_EQUAL(static_cast<std::int64_t>(probes.size()), r.fit.steps / 2);
    for (std::size_t i = 0; i < probes.size(); ++i) {
        BOOST_TEST(probes[i].at("step").get<std::int64_t>() == 2 * static_cast<std::int64_t>(i + 1));
        const auto& sm = probes[i].at("smoothing");
        for (const char* key : {"cos_sim", "hc_dc", "eff_rank", "sigma_ratio", "dirichlet"}) {
            BOOST_REQUIRE_MESSAGE(sm.contains(key), key);
            BOOST_TEST(sm.at(key).size() == 4u, key);  // embedding + 3 blocks
        }
        for (const auto& c : sm.at("cos_sim")) BOOST_TEST((std::isfinite(c.get<double>()) && std::fabs(c.get<double>()) <= 1.0));
    }
    // the embedding layer of the first and last probe differ: the model trained in between
    BOOST_TEST(probes.front().at("smoothing").at("cos_sim")[0] != probes.back().at("smoothing").at("cos_sim")[0]);
    BOOST_TEST(test::jsonl_records(without.path.string() + "/metrics.jsonl", "probe").empty());

    // probing runs in eval mode under no_grad and draws no random numbers: same final weights
    const auto a = io::load_checkpoint(with.path.string() + "/last.safetensors");
    const auto b = io::load_checkpoint(without.path.string() + "/last.safetensors");
    for (auto& [name, t] : a.model) BOOST_TEST(test::max_abs_diff(t, b.model.at(name)) == 0.0, name);
}

BOOST_AUTO_TEST_SUITE_END()
