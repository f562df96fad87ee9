// Determinism (issue #14): the same seed gives bitwise identical training (every logged step
// loss and every final parameter) across two runs and across thread counts 1 and 2, for the
// ViT and the GPT with every attention kind. The models are tiny but their weight-gradient
// GEMMs (B*T = 1088 or 1024 rows) are big enough to take the split-K path of
// ops::gemm_parallel, whose partial sums once depended on the thread count.
#include <cstring>
#include <string>
#include <vector>

#include "../data/tmpdir.hpp"
#include "../helpers.hpp"
#include "jsonl_records.hpp"
#include "synthetic_images.hpp"
#include "prism/core/runtime.hpp"
#include "prism/data/tokenizer.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/models/vit.hpp"
#include "prism/train/classifier.hpp"
#include "prism/train/lm.hpp"

using namespace prism;

namespace {

const std::vector<std::string> kKinds = {"standard",  "spectral-smooth", "spectral-sharpen", "spectral-free",
                                         "neutreno",  "resformer",       "svformer",         "spectral-rotate"};

// Restores the thread count a test changed.
struct ThreadsGuard {
    int saved = runtime::num_threads();
    ~ThreadsGuard() { runtime::set_num_threads(saved); }
};

// What a run leaves: the loss of every step and every final parameter as raw bytes.
struct Trace {
    std::vector<std::string> losses;  // JSON text of each step record's loss (round-trip exact)
    nn::StateDict params;
};

Trace read_trace(const test::TmpDir& dir) {
    Trace t;
    for (const auto& rec : test::jsonl_records(dir / "metrics.jsonl", "step")) t.losses.push_back(rec.at("loss").dump());
    t.params = io::load_checkpoint(dir / "last.safetensors").model;
    return t;
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
    if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
    const Tensor x = a.contiguous(), y = b.contiguous();
    return std::memcmp(x.raw_data(), y.raw_data(), static_cast<std::size_t>(x.numel()) * x.itemsize()) == 0;
}

void check_same(const Trace& a, const Trace& b, const std::string& what) {
    BOOST_TEST_REQUIRE(!a.losses.empty(), what);
    BOOST_TEST(a.losses == b.losses, what << ": step losses differ");
    BOOST_TEST_REQUIRE(a.params.size() == b.params.size(), what);
    for (const auto& [name, t] : a.params) {
        BOOST_TEST_REQUIRE(b.params.count(name), what << ": " << name);
        BOOST_TEST(bitwise_equal(t, b.params.at(name)), what << ": parameter " << name << " differs");
    }
}

Trace run_vit(const std::string& kind, int threads) {
    runtime::set_num_threads(threads);
    test::TmpDir dir;
    models::ViTConfig c;
    c.image_size = 8; c.patch_size = 2; c.in_channels = 1; c.num_classes = 4;  // 16 patches + cls = 17 tokens
    c.dim = 32; c.depth = 2; c.heads = 2; c.mlp_dim = 64;
    c.drop = 0.1;
    c.attention = models::parse_attention_options(kind);
    c.validate();
    manual_seed(3);
    models::ViT model(c);
    const auto ds = test::synthetic_images(128, 5);
    data::LoaderOptions lo;
    lo.batch_size = 64;  // 64 x 17 = 1088 rows per weight gradient
    lo.seed = 11;
    lo.augment = {1, true};
    lo.norm = data::compute_mean_std(*ds);
    data::DataLoader train_loader(ds, {}, lo);
    train::ClassifierOptions o;
    o.epochs = 2;  // 2 batches per epoch: 4 steps
    o.lr = 3e-3;
    o.warmup_epochs = 0.5;
    o.out_dir = dir.path.string();
    o.log_every = 1;
    o.verbose = false;
    train::fit_classifier(model, [&](const Tensor& x) { return model.forward(x); }, train_loader, nullptr, o,
                          c.to_json());
    return read_trace(dir);
}

Trace run_gpt(const std::string& kind, int threads) {
    runtime::set_num_threads(threads);
    test::TmpDir dir;
    std::string text;
    for (int i = 0; i < 80; ++i) text += "the quick brown fox " + std::to_string(i % 9) + " jumps over the lazy dog.\n";
    const data::Tokenizer tok = data::Tokenizer::make("char", text, "test corpus");
    const data::TextSplit split = data::split_tokens(tok.encode(text, "test corpus"), 0.1);
    models::GPTConfig cfg;
    cfg.vocab_size = tok.vocab_size();
    cfg.context_length = 16; cfg.dim = 32; cfg.depth = 2; cfg.heads = 2; cfg.mlp_dim = 128;
    cfg.attention = models::parse_attention_options(kind);
    cfg.tokenizer = tok.to_json();
    manual_seed(5);
    models::GPT model(cfg);
    train::LMOptions o;
    o.steps = 4; o.batch_size = 64;  // 64 x 16 = 1024 rows per weight gradient
    o.lr = 3e-3; o.warmup_steps = 1;
    o.eval_every = 0; o.eval_batches = 1; o.log_every = 1; o.sample_tokens = 0;
    o.out_dir = dir.path.string();
    o.verbose = false;
    train::fit_lm(model, split, tok, o);
    return read_trace(dir);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(train_determinism)

BOOST_AUTO_TEST_CASE(vit_same_seed_same_bits_across_runs_and_thread_counts) {
    ThreadsGuard guard;
    for (const auto& kind : kKinds) {
        const Trace two_a = run_vit(kind, 2), two_b = run_vit(kind, 2), one = run_vit(kind, 1);
        check_same(two_a, two_b, "vit " + kind + ", two runs on 2 threads");
        check_same(two_a, one, "vit " + kind + ", 2 threads vs 1 thread");
    }
}

BOOST_AUTO_TEST_CASE(gpt_same_seed_same_bits_across_runs_and_thread_counts) {
    ThreadsGuard guard;
    for (const auto& kind : kKinds) {
        const Trace two_a = run_gpt(kind, 2), two_b = run_gpt(kind, 2), one = run_gpt(kind, 1);
        check_same(two_a, two_b, "gpt " + kind + ", two runs on 2 threads");
        check_same(two_a, one, "gpt " + kind + ", 2 threads vs 1 thread");
    }
}

BOOST_AUTO_TEST_SUITE_END()
