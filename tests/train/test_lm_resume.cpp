// Language-model resume exactness (issue 5): fit_lm stopped by max_steps and resumed from its
// out dir with a fresh model ends bit-identical to an uninterrupted run (parameters, AdamW
// moments, step, best validation loss, RNG state). The stop falls between evaluations, so the
// resumed run must also reproduce the later evaluations and the best checkpoint.
#include <cmath>

#include "../data/tmpdir.hpp"
#include "checkpoints_identical.hpp"
#include "../helpers.hpp"
#include "prism/data/tokenizer.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/train/lm.hpp"

using namespace prism;

namespace {

// A small repetitive corpus: 30 symbols, enough tokens for several context windows.
std::string corpus() {
    std::string s;
    for (int i = 0; i < 60; ++i) s += "in the beginning was the word " + std::to_string(i % 7) + ".\n";
    return s;
}

train::LMFitResult run(const std::string& dir, std::int64_t max_steps, bool resume) {
    const std::string text = corpus();
    const data::Tokenizer tok = data::Tokenizer::make("char", text, "test corpus");
    const data::TextSplit split = data::split_tokens(tok.encode(text, "test corpus"), 0.2);
    models::GPTConfig cfg;
    cfg.vocab_size = tok.vocab_size();
    cfg.context_length = 16; cfg.dim = 16; cfg.depth = 2; cfg.heads = 2; cfg.mlp_dim = 32;
    cfg.tokenizer = tok.to_json();
    manual_seed(77);  // a resumed run gets its generator state back from the checkpoint
    models::GPT model(cfg);
    train::LMOptions o;
    o.steps = 12; o.batch_size = 4; o.lr = 3e-3; o.warmup_steps = 3;
    o.eval_every = 4; o.eval_batches = 2; o.log_every = 2; o.sample_tokens = 0;
    o.out_dir = dir; o.resume = resume; o.max_steps = max_steps; o.verbose = false;
    return train::fit_lm(model, split, tok, o);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(train_lm_resume)

BOOST_AUTO_TEST_CASE(stop_between_evaluations_and_resume_is_bit_identical) {
    test::TmpDir full_dir, part_dir;
    const auto full = run(full_dir.path.string(), -1, false);
    BOOST_TEST(full.finished);
    BOOST_TEST(full.steps == 12);

    const auto part = run(part_dir.path.string(), 6, false);  // stops between the evaluations at 4 and 8
    BOOST_TEST(!part.finished);
    BOOST_TEST(part.steps == 6);
    const auto mid = io::load_checkpoint(part_dir.path.string() + "/last.safetensors");
    BOOST_TEST(mid.train_state.at("step").get<std::int64_t>() == 6);

    const auto rest = run(part_dir.path.string(), -1, true);
    BOOST_TEST(rest.finished);
    BOOST_TEST(rest.steps == 12);
    BOOST_TEST(rest.best_val_loss == full.best_val_loss);
    BOOST_TEST(rest.last_val_loss == full.last_val_loss);
    for (const char* file : {"/last.safetensors", "/best.safetensors"})
        test::check_checkpoints_identical(full_dir.path.string() + file, part_dir.path.string() + file);
}

BOOST_AUTO_TEST_CASE(max_steps_beyond_steps_runs_to_the_end) {
    test::TmpDir dir;
    const auto r = run(dir.path.string(), 100, false);
    BOOST_TEST(r.finished);
    BOOST_TEST(r.steps == 12);
    BOOST_TEST(std::isfinite(r.last_val_loss));
}

BOOST_AUTO_TEST_SUITE_END()
