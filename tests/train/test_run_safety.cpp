// Run safety (issue #14) through the C++ API: non-finite steps stop (or are skipped) without
// touching the last good checkpoint and never make a NaN "best"; a previous run in the out
// dir is refused without resume/overwrite; --resume refuses other settings; stale save
// temporaries are cleaned.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../data/slurp.hpp"
#include "../data/tmpdir.hpp"
#include "../helpers.hpp"
#include "jsonl_records.hpp"
#include "synthetic_images.hpp"
#include "prism/data/tokenizer.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/models/vit.hpp"
#include "prism/train/classifier.hpp"
#include "prism/train/lm.hpp"
#include "prism/train/out_dir.hpp"

using namespace prism;
namespace fs = std::filesystem;

namespace {

using test::slurp;

bool all_finite(const io::Checkpoint& c) {
    for (const auto& [name, t] : c.model)
        for (double v : t.to_vector<double>())
            if (!std::isfinite(v)) return false;
    return true;
}

models::ViTConfig tiny_vit(std::int64_t depth = 2) {
    models::ViTConfig c;
    c.image_size = 8; c.patch_size = 4; c.in_channels = 1; c.num_classes = 4;
    c.dim = 16; c.depth = depth; c.heads = 2; c.mlp_dim = 32;
    return c;
}

struct VitRun {
    train::ClassifierOptions o;
    std::int64_t depth = 2;
    train::FitResult go(const std::string& dir) {
        const auto cfg = tiny_vit(depth);
        if (!o.resume) manual_seed(1234);
        models::ViT model(cfg);
        const auto ds = test::synthetic_images(64);
        data::LoaderOptions lo;
        lo.batch_size = 16;  // 4 steps per epoch
        lo.seed = 9;
        lo.norm = data::compute_mean_std(*ds);
        data::DataLoader train_loader(ds, {}, lo);
        data::LoaderOptions vo = lo;
        vo.shuffle = false;
        data::DataLoader val_loader(ds, {}, vo);
        o.out_dir = dir;
        o.verbose = false;
        return train::fit_classifier(model, [&](const Tensor& x) { return model.forward(x); }, train_loader,
                                     &val_loader, o, cfg.to_json());
    }
    VitRun() {
        o.epochs = 2;
        o.lr = 3e-3;
        o.warmup_epochs = 0.5;
        o.log_every = 1;
    }
};

// Fills parameter `name`'s gradient with NaN at the given steps.
std::function<void(std::int64_t)> poison(nn::Module* model, const std::string& name, std::vector<std::int64_t> steps) {
    return [=](std::int64_t step) {
        if (std::find(steps.begin(), steps.end(), step) == steps.end()) return;
        for (auto& [n, p] : model->named_parameters())
            if (n == name) {
                Tensor g = p.grad();
                float* x = g.data<float>();
                x[g.numel() / 2] = std::nanf("");
            }
    };
}

std::string corpus(int variant = 0) {
    std::string s;
    for (int i = 0; i < 60; ++i) s += "in the beginning was the word " + std::to_string((i + variant) % 7) + ".\n";
    return s;
}

train::LMFitResult run_lm(const std::string& dir, train::LMOptions o, int variant = 0) {
    const std::string text = corpus(variant);
    const data::Tokenizer tok = data::Tokenizer::make("char", text, "test corpus");
    const data::TextSplit split = data::split_tokens(tok.encode(text, "test corpus"), 0.2);
    models::GPTConfig cfg;
    cfg.vocab_size = tok.vocab_size();
    cfg.context_length = 16; cfg.dim = 16; cfg.depth = 2; cfg.heads = 2; cfg.mlp_dim = 32;
    cfg.tokenizer = tok.to_json();
    manual_seed(77);
    models::GPT model(cfg);
    o.batch_size = 4; o.warmup_steps = 1; o.eval_batches = 2; o.log_every = 1; o.sample_tokens = 0;
    o.out_dir = dir; o.verbose = false;
    return train::fit_lm(model, split, tok, o);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(train_run_safety)

// A huge learning rate blows the GPT up within a few steps. The old loop trained on through
// NaN, saved it as last.safetensors and, at the first evaluation, as best.safetensors.
BOOST_AUTO_TEST_CASE(lm_nonfinite_stops_and_never_saves_a_nan_model) {
    test::TmpDir dir;
    train::LMOptions o;
    o.steps = 12; o.lr = 1e30; o.eval_every = 1;
    bool threw = false;
    try {
        run_lm(dir.path.string(), o);
    } catch (const Error& e) {
        threw = true;
        const std::string m = e.what();
        BOOST_TEST(m.find("non-finite") != std::string::npos, m);
        BOOST_TEST(m.find("step ") != std::string::npos, m);
        BOOST_TEST(m.find("--skip-nonfinite") != std::string::npos, m);
    }
    BOOST_TEST(threw);
    for (const char* f : {"last.safetensors", "best.safetensors"})
        if (fs::exists(dir / f)) BOOST_TEST(all_finite(io::load_checkpoint(dir / f)), f);
    if (fs::exists(dir / "best.safetensors")) {  // a NaN validation loss is never the best
        const double best = io::load_checkpoint(dir / "best.safetensors").train_state.at("best_metric");
        BOOST_TEST(std::isfinite(best));
    }
    const auto recs = test::jsonl_records(dir / "metrics.jsonl", "nonfinite");
    BOOST_TEST_REQUIRE(recs.size() == 1u);
    BOOST_TEST(recs[0].at("action") == "stop");
}

// The message names the step and the first parameter (state_dict order) whose gradient is not
// finite; last.safetensors stays the file of the step before, byte for byte; no best is saved.
BOOST_AUTO_TEST_CASE(vit_nonfinite_gradient_names_step_and_parameter) {
    test::TmpDir dir;
    const auto cfg = tiny_vit();
    manual_seed(1234);
    models::ViT m(cfg);
    const auto ds = test::synthetic_images(64);
    data::LoaderOptions lo;
    lo.batch_size = 16;
    lo.seed = 9;
    lo.norm = data::compute_mean_std(*ds);
    data::DataLoader train_loader(ds, {}, lo);
    data::LoaderOptions vo = lo;
    vo.shuffle = false;
    data::DataLoader val_loader(ds, {}, vo);
    train::ClassifierOptions o;
    o.epochs = 2; o.lr = 3e-3; o.log_every = 1; o.save_every = 1; o.verbose = false;
    o.out_dir = dir.path.string();
    std::string before;  // last.safetensors as step 2 left it
    const auto nan_hook = poison(&m, "blocks.1.attn.qkv.weight", {3});
    o.after_backward = [&](std::int64_t step) {
        if (step == 3) before = slurp(dir / "last.safetensors");
        nan_hook(step);
    };
    bool threw = false;
    try {
        train::fit_classifier(m, [&](const Tensor& x) { return m.forward(x); }, train_loader, &val_loader, o,
                              cfg.to_json());
    } catch (const Error& e) {
        threw = true;
        const std::string msg = e.what();
        BOOST_TEST(msg.find("step 3") != std::string::npos, msg);
        BOOST_TEST(msg.find("blocks.1.attn.qkv.weight") != std::string::npos, msg);
    }
    BOOST_TEST(threw);
    BOOST_TEST(!before.empty());
    BOOST_TEST((slurp(dir / "last.safetensors") == before), "last.safetensors changed after the NaN step");
    BOOST_TEST(io::load_checkpoint(dir / "last.safetensors").train_state.at("step").get<std::int64_t>() == 2);
    BOOST_TEST(!fs::exists(dir / "best.safetensors"));
}

// --skip-nonfinite N: a poisoned step makes no update (the model equals the one that stopped
// just before it), is counted in metrics.jsonl, and N + 1 poisoned steps stop the run.
BOOST_AUTO_TEST_CASE(skip_nonfinite_skips_without_update_then_stops_past_n) {
    const auto cfg = tiny_vit();
    const auto ds = test::synthetic_images(64);
    auto run = [&](const std::string& dir, std::int64_t max_steps, std::int64_t skip, std::vector<std::int64_t> bad) {
        manual_seed(1234);
        models::ViT m(cfg);
        data::LoaderOptions lo;
        lo.batch_size = 16;
        lo.seed = 9;
        lo.norm = data::compute_mean_std(*ds);
        data::DataLoader train_loader(ds, {}, lo);
        train::ClassifierOptions o;
        o.epochs = 2; o.lr = 3e-3; o.log_every = 1; o.verbose = false;
        o.out_dir = dir; o.max_steps = max_steps; o.skip_nonfinite = skip;
        o.after_backward = poison(&m, "head.weight", bad);
        return train::fit_classifier(m, [&](const Tensor& x) { return m.forward(x); }, train_loader, nullptr, o,
                                     cfg.to_json());
    };
    test::TmpDir ref_dir, skip_dir, stop_dir;
    run(ref_dir.path.string(), 3, 0, {});
    const auto res = run(skip_dir.path.string(), 4, 1, {4});  // step 4 is skipped: no update
    BOOST_TEST(res.nonfinite_skipped == 1);
    const auto a = io::load_checkpoint(ref_dir / "last.safetensors"), b = io::load_checkpoint(skip_dir / "last.safetensors");
    for (const auto& [name, t] : a.model) BOOST_TEST(test::max_abs_diff(t, b.model.at(name)) == 0.0, name);
    for (std::size_t i = 0; i < a.optim.size(); ++i)
        BOOST_TEST(test::max_abs_diff(a.optim[i].second, b.optim[i].second) == 0.0, a.optim[i].first);
    const auto recs = test::jsonl_records(skip_dir / "metrics.jsonl", "nonfinite");
    BOOST_TEST_REQUIRE(recs.size() == 1u);
    BOOST_TEST(recs[0].at("step") == 4);
    BOOST_TEST(recs[0].at("action") == "skip");
    BOOST_TEST(recs[0].at("param") == "head.weight");
    BOOST_TEST(b.train_state.at("nonfinite_skipped") == 1);

    BOOST_CHECK_EXCEPTION(run(stop_dir.path.string(), -1, 1, {2, 5}), Error, [](const Error& e) {
        const std::string m = e.what();
        return m.find("step 5") != std::string::npos && m.find("head.weight") != std::string::npos &&
               m.find("--skip-nonfinite 1") != std::string::npos;
    });
}

// A second run in the same out dir is refused unless resume or overwrite; the refused run
// leaves every file as it was; overwrite starts metrics.jsonl afresh.
BOOST_AUTO_TEST_CASE(previous_run_refused_without_resume_or_overwrite) {
    test::TmpDir dir;
    VitRun first;
    first.o.max_steps = 2;
    first.go(dir.path.string());
    const std::string last = slurp(dir / "last.safetensors"), metrics = slurp(dir / "metrics.jsonl");
    BOOST_TEST_REQUIRE(!last.empty());
    VitRun again;
    BOOST_CHECK_EXCEPTION(again.go(dir.path.string()), train::RunConflict, [](const Error& e) {
        const std::string m = e.what();
        return m.find("--resume") != std::string::npos && m.find("--overwrite") != std::string::npos;
    });
    BOOST_TEST((slurp(dir / "last.safetensors") == last));
    BOOST_TEST((slurp(dir / "metrics.jsonl") == metrics));
    VitRun both;
    both.o.resume = both.o.overwrite = true;
    BOOST_CHECK_THROW(both.go(dir.path.string()), train::RunConflict);

    VitRun fresh;
    fresh.o.overwrite = true;
    fresh.o.max_steps = 3;
    fresh.go(dir.path.string());
    const auto steps = test::jsonl_records(dir / "metrics.jsonl", "step");
    BOOST_TEST_REQUIRE(steps.size() == 3u);  // only the new run's records
    for (std::size_t i = 0; i < steps.size(); ++i) BOOST_TEST(steps[i].at("step") == static_cast<int>(i + 1));
}

// --resume with other settings is refused naming each field with both values; extending the
// epochs is allowed.
BOOST_AUTO_TEST_CASE(resume_refuses_other_settings_names_fields) {
    test::TmpDir dir;
    VitRun first;
    first.o.max_steps = 2;
    first.go(dir.path.string());
    const std::string last = slurp(dir / "last.safetensors");
    VitRun other;
    other.o.resume = true;
    other.o.lr = 1e-3;
    other.depth = 3;
    BOOST_CHECK_EXCEPTION(other.go(dir.path.string()), train::RunConflict, [](const Error& e) {
        const std::string m = e.what();
        BOOST_TEST_MESSAGE(m);
        return m.find("lr: 0.003 in the checkpoint, 0.001 now") != std::string::npos &&
               m.find("depth: 2 in the checkpoint, 3 now") != std::string::npos;
    });
    BOOST_TEST((slurp(dir / "last.safetensors") == last));
    VitRun longer;
    longer.o.resume = true;
    longer.o.epochs = 3;  // may change: extends the run
    const auto res = longer.go(dir.path.string());
    BOOST_TEST(res.steps == 12);
}

// A checkpoint from before the run settings were stored: the model config is still compared;
// the rest cannot be and the resume goes ahead.
BOOST_AUTO_TEST_CASE(resume_of_an_older_checkpoint_checks_what_is_there) {
    test::TmpDir dir;
    VitRun first;
    first.o.max_steps = 2;
    first.go(dir.path.string());
    {  // strip train_state "run", as an older prism wrote it
        io::Checkpoint c = io::load_checkpoint(dir / "last.safetensors");
        c.train_state.erase("run");
        const auto cfg = tiny_vit();
        models::ViT m(cfg);
        m.load_state_dict(c.model);
        io::save_checkpoint(dir / "last.safetensors", m, c.config, c.optim, c.train_state);
    }
    VitRun deeper;
    deeper.o.resume = true;
    deeper.depth = 3;
    BOOST_CHECK_THROW(deeper.go(dir.path.string()), train::RunConflict);
    VitRun other_lr;  // not stored in the old file: cannot be checked
    other_lr.o.resume = true;
    other_lr.o.lr = 1e-3;
    BOOST_TEST(other_lr.go(dir.path.string()).steps == 8);
}

// The GPT stores a hash of its tokens: resuming on another text is refused.
BOOST_AUTO_TEST_CASE(lm_resume_refuses_another_text) {
    test::TmpDir dir;
    train::LMOptions o;
    o.steps = 6; o.max_steps = 2; o.eval_every = 0;
    run_lm(dir.path.string(), o);
    train::LMOptions r = o;
    r.resume = true;
    r.max_steps = -1;
    BOOST_CHECK_EXCEPTION(run_lm(dir.path.string(), r, 3), train::RunConflict, [](const Error& e) {
        return std::string(e.what()).find("data.hash") != std::string::npos;
    });
    r.steps = 8;  // same text, more steps: allowed
    BOOST_TEST(run_lm(dir.path.string(), r).steps == 8);
}

// Only the temporaries io::save_safetensors writes for this run's checkpoints are removed.
BOOST_AUTO_TEST_CASE(stale_save_temporaries_are_cleaned_and_nothing_else) {
    test::TmpDir dir;
    const std::vector<std::string> stale = {"last.safetensors.tmp-a1B2c3", "best.safetensors.tmp-XYZ789"};
    const std::vector<std::string> keep = {"last.safetensors.tmp-abc", "last.safetensors.tmp-abcdefg",
                                           "other.safetensors.tmp-abc123", "notes.txt", "last.safetensors.tmp-ab.de1"};
    for (const auto& f : stale) std::ofstream(dir / f) << "partial";
    for (const auto& f : keep) std::ofstream(dir / f) << "mine";
    auto removed = train::prepare_out_dir(dir.path.string(), false, false);
    std::sort(removed.begin(), removed.end());
    auto expected = stale;
    std::sort(expected.begin(), expected.end());
    BOOST_TEST(removed == expected);
    for (const auto& f : stale) BOOST_TEST(!fs::exists(dir / f), f);
    for (const auto& f : keep) BOOST_TEST(fs::exists(dir / f), f);
}

BOOST_AUTO_TEST_SUITE_END()
