// TrainLoop (train/loop.hpp) on its own, with a toy task instead of a ViT or a GPT: a two-layer
// classifier with dropout on random points, each step's batch a pure function of the step (as
// the language model's windows are). The tests drive the loop as a trainer does and check what
// the skeleton promises: --max-steps, --save-every and --resume end bit-identical to an
// uninterrupted run (also after a crash between two saves), and --skip-nonfinite counts and stops.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>

#include "../data/tmpdir.hpp"
#include "../helpers.hpp"
#include "checkpoints_identical.hpp"
#include "jsonl_records.hpp"
#include "prism/autograd/functions.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/nn/containers.hpp"
#include "prism/nn/layers.hpp"
#include "prism/optim/adamw.hpp"
#include "prism/train/loop.hpp"

using namespace prism;

namespace {

constexpr std::int64_t kSteps = 10, kBatch = 6;

struct ToyRun {
    std::int64_t steps = 0, skipped = 0;
};

// Trains the toy model in `dir` for kSteps steps, or until o.max_steps; a fresh run seeds the
// default generator (initialisation, then dropout), a resumed one gets it back from the
// checkpoint. `nan_at`: steps (1-based) whose gradient gets a NaN; `crash_at`: a step whose
// backward throws, as if the process died there.
ToyRun run_toy(const std::string& dir, train::LoopOptions o, std::vector<std::int64_t> nan_at = {},
               std::int64_t crash_at = -1) {
    if (!o.resume) manual_seed(5);
    nn::Sequential model({std::make_shared<nn::Linear>(4, 8), std::make_shared<nn::Dropout>(0.2),
                          std::make_shared<nn::Linear>(8, 3)});
    optim::AdamWOptions ao;
    ao.lr = 1e-2;
    ao.weight_decay = 0.01;
    optim::AdamW opt(optim::default_param_groups(model.named_parameters(), ao.weight_decay), ao);
    o.out_dir = dir;
    o.verbose = false;
    o.after_backward = [&](std::int64_t step) {
        if (step == crash_at) throw std::runtime_error("crash");
        if (std::find(nan_at.begin(), nan_at.end(), step) == nan_at.end()) return;
        Tensor g = model.named_parameters().front().second.grad();
        g.data<float>()[1] = std::nanf("");
    };
    train::TrainLoop loop(model, opt, optim::as_schedule(optim::WarmupCosineLR(1e-2, 2, kSteps, 1e-3)), o,
                          {{"model", "toy"}}, {{"batch_size", kBatch}});
    while (loop.step() < kSteps && !loop.max_steps_reached()) {
        Generator g(100 + static_cast<std::uint64_t>(loop.step()));  // this step's batch
        const Tensor x = Tensor::randn({kBatch, 4}, g);              // (B, 4)
        std::vector<std::int64_t> labels;
        for (std::int64_t i = 0; i < kBatch; ++i) labels.push_back(g.randint(3));
        const Tensor y = Tensor::from_vector(labels, {kBatch});  // (B)
        const train::StepResult s = loop.train_step(kBatch, 1, [&](std::int64_t lo, std::int64_t hi, double*) {
            return cross_entropy(model.forward(x.narrow(0, lo, hi - lo)), y.narrow(0, lo, hi - lo));
        });
        if (s.updated) loop.log_step(s);
        if (loop.every(o.save_every)) loop.save_last();
    }
    loop.save_last();
    return {loop.step(), loop.state().nonfinite_skipped};
}

std::vector<std::int64_t> logged_steps(const test::TmpDir& dir) {
    std::vector<std::int64_t> out;
    for (const auto& r : test::jsonl_records(dir / "metrics.jsonl", "step")) out.push_back(r.at("step"));
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(train_loop)

BOOST_AUTO_TEST_CASE(max_steps_save_every_and_resume_match_an_uninterrupted_run) {
    test::TmpDir full_dir;
    BOOST_TEST(run_toy(full_dir.path.string(), {}).steps == kSteps);
    const auto full_log = test::jsonl_records(full_dir / "metrics.jsonl", "step");
    BOOST_REQUIRE_EQUAL(full_log.size(), static_cast<std::size_t>(kSteps));

    test::TmpDir dir;
    train::LoopOptions o;
    o.max_steps = 4;
    BOOST_TEST(run_toy(dir.path.string(), o).steps == 4);
    BOOST_TEST(io::load_checkpoint(dir / "last.safetensors").train_state.at("step") == 4);
    manual_seed(999);  // clobber the default generator: the resume must restore it (dropout)
    o.resume = true;
    o.max_steps = 7;
    BOOST_TEST(run_toy(dir.path.string(), o).steps == 7);
    o.max_steps = -1;
    BOOST_TEST(run_toy(dir.path.string(), o).steps == kSteps);
    test::check_checkpoints_identical(full_dir / "last.safetensors", dir / "last.safetensors");

    const auto log = test::jsonl_records(dir / "metrics.jsonl", "step");
    BOOST_REQUIRE_EQUAL(log.size(), full_log.size());
    for (std::size_t i = 0; i < log.size(); ++i) BOOST_TEST(log[i].dump() == full_log[i].dump());
}

// A run that dies between two saves has logged steps its last checkpoint does not hold; the
// resumed run cuts metrics.jsonl back to the checkpoint and logs them again, once.
BOOST_AUTO_TEST_CASE(a_crash_after_save_every_resumes_from_the_last_save) {
    test::TmpDir full_dir, dir;
    run_toy(full_dir.path.string(), {});
    train::LoopOptions o;
    o.save_every = 3;
    BOOST_CHECK_THROW(run_toy(dir.path.string(), o, {}, 8), std::runtime_error);
    BOOST_TEST(io::load_checkpoint(dir / "last.safetensors").train_state.at("step") == 6);
    BOOST_TEST((logged_steps(dir) == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7}));
    o.resume = true;
    BOOST_TEST(run_toy(dir.path.string(), o).steps == kSteps);
    test::check_checkpoints_identical(full_dir / "last.safetensors", dir / "last.safetensors");
    BOOST_TEST((logged_steps(dir) == logged_steps(full_dir)));
}

BOOST_AUTO_TEST_CASE(skip_nonfinite_skips_counts_and_then_stops) {
    test::TmpDir dir;
    train::LoopOptions o;
    o.skip_nonfinite = 2;
    const ToyRun r = run_toy(dir.path.string(), o, {3, 5});
    BOOST_TEST(r.steps == kSteps);  // a skipped step consumes its batch and counts
    BOOST_TEST(r.skipped == 2);
    BOOST_TEST((logged_steps(dir) == std::vector<std::int64_t>{1, 2, 4, 6, 7, 8, 9, 10}));
    const auto skips = test::jsonl_records(dir / "metrics.jsonl", "nonfinite");
    BOOST_REQUIRE_EQUAL(skips.size(), 2u);
    BOOST_TEST(skips[0].at("step") == 3);
    BOOST_TEST(skips[1].at("skipped") == 2);
    BOOST_TEST(skips[1].at("action") == "skip");
    BOOST_TEST(skips[0].at("param") == "0.weight");
    BOOST_TEST(io::load_checkpoint(dir / "last.safetensors").train_state.at("nonfinite_skipped") == 2);

    // One skip allowed, a second non-finite step after a resume: the count travels in the
    // checkpoint, so the run stops there and last.safetensors keeps step 4.
    test::TmpDir dir2;
    o.skip_nonfinite = 1;
    o.max_steps = 4;
    BOOST_TEST(run_toy(dir2.path.string(), o, {3}).skipped == 1);
    o.resume = true;
    o.max_steps = -1;
    test::check_error([&] { run_toy(dir2.path.string(), o, {6}); },
                      {"step 6", "non-finite gradient", "0.weight", "--skip-nonfinite 1", "last.safetensors"});
    BOOST_TEST(io::load_checkpoint(dir2 / "last.safetensors").train_state.at("step") == 4);
    const auto stops = test::jsonl_records(dir2 / "metrics.jsonl", "nonfinite");
    BOOST_REQUIRE_EQUAL(stops.size(), 2u);
    BOOST_TEST(stops[1].at("action") == "stop");
}

// Without an out dir the loop trains and writes nothing; --resume then has nothing to read.
BOOST_AUTO_TEST_CASE(no_out_dir_keeps_nothing_on_disk) {
    train::LoopOptions o;
    o.resume = true;
    const ToyRun r = run_toy("", o);
    BOOST_TEST(r.steps == kSteps);
}

BOOST_AUTO_TEST_SUITE_END()
