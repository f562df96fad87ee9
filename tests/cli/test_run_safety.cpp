// Run safety (issue #14) as a user meets it: `prism train gpt|vit` in an --out dir that holds a
// previous run (exit 2 naming --resume and --overwrite, files untouched), --overwrite,
// --resume with other settings (exit 2 naming each field), stale save temporaries, and a
// NaN-producing learning rate (exit 1 naming the step; --skip-nonfinite).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../data/slurp.hpp"
#include "../data/tmpdir.hpp"
#include "../helpers.hpp"
#include "cli_driver.hpp"

using prism::test::run_cli;
namespace fs = std::filesystem;

namespace {

using prism::test::slurp;

std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}

// A small text and a tiny GPT: each run takes well under a second.
struct Gpt {
    prism::test::TmpDir tmp;
    std::string text = tmp / "text.txt", out = tmp / "run";
    Gpt() {
        std::ofstream f(text);
        for (int i = 0; i < 80; ++i) f << "in the beginning was the word " << i % 7 << ".\n";
    }
    // The base options plus `extra`; --steps and --batch-size default to 4 unless `extra` sets them.
    std::vector<std::string> args(std::vector<std::string> extra) const {
        std::vector<std::string> a = {"train", "gpt", "--text", text, "--context", "16", "--dim", "16", "--depth", "1",
                                      "--heads", "2", "--mlp-dim", "32", "--eval-every", "2", "--threads", "1",
                                      "--out", out};
        for (const char* opt : {"--steps", "--batch-size"})
            if (std::find(extra.begin(), extra.end(), opt) == extra.end()) a.insert(a.end(), {opt, "4"});
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_run_safety)

BOOST_AUTO_TEST_CASE(gpt_previous_run_is_refused_then_overwritten) {
    Gpt g;
    const auto first = run_cli(g.args({}));
    BOOST_TEST_REQUIRE(first.exit_code == 0, first.all());
    const std::string last = slurp(g.out + "/last.safetensors"), metrics = slurp(g.out + "/metrics.jsonl");
    BOOST_TEST_REQUIRE(!last.empty());

    const auto again = run_cli(g.args({}));
    BOOST_TEST(again.exit_code == 2, again.all());
    BOOST_TEST(again.err.find("--resume") != std::string::npos, again.err);
    BOOST_TEST(again.err.find("--overwrite") != std::string::npos, again.err);
    BOOST_TEST(count(again.err, "\n") == 1u, again.err);  // one line
    BOOST_TEST((slurp(g.out + "/last.safetensors") == last), "a refused run changed last.safetensors");
    BOOST_TEST((slurp(g.out + "/metrics.jsonl") == metrics), "a refused run changed metrics.jsonl");

    const auto fresh = run_cli(g.args({"--overwrite"}));
    BOOST_TEST_REQUIRE(fresh.exit_code == 0, fresh.all());
    // one run's records only: the evaluation at step 2 appears once
    BOOST_TEST(count(slurp(g.out + "/metrics.jsonl"), "\"type\":\"eval\"") == 2u);
}

BOOST_AUTO_TEST_CASE(gpt_resume_with_other_settings_is_refused_naming_fields) {
    Gpt g;
    const auto first = run_cli(g.args({"--max-steps", "2"}));
    BOOST_TEST_REQUIRE(first.exit_code == 0, first.all());
    const std::string last = slurp(g.out + "/last.safetensors");

    const auto other = run_cli(g.args({"--resume", "--lr", "0.001", "--batch-size", "8"}));
    BOOST_TEST(other.exit_code == 2, other.all());
    BOOST_TEST(other.err.find("lr: 0.003 in the checkpoint, 0.001 now") != std::string::npos, other.err);
    BOOST_TEST(other.err.find("batch_size: 4 in the checkpoint, 8 now") != std::string::npos, other.err);
    BOOST_TEST((slurp(g.out + "/last.safetensors") == last));

    const auto longer = run_cli(g.args({"--resume", "--steps", "6"}));  // --steps may change
    BOOST_TEST(longer.exit_code == 0, longer.all());
    BOOST_TEST(longer.out.find("6 steps") != std::string::npos, longer.out);
}

BOOST_AUTO_TEST_CASE(gpt_stale_save_temporaries_are_removed) {
    Gpt g;
    fs::create_directories(g.out);
    std::ofstream(g.out + "/last.safetensors.tmp-Ab3dE9") << "half a checkpoint";
    std::ofstream(g.out + "/notes.tmp-Ab3dE9") << "the user's";
    const auto r = run_cli(g.args({}));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.all());
    BOOST_TEST(!fs::exists(g.out + "/last.safetensors.tmp-Ab3dE9"));
    BOOST_TEST(fs::exists(g.out + "/notes.tmp-Ab3dE9"));
    BOOST_TEST(r.out.find("last.safetensors.tmp-Ab3dE9") != std::string::npos, r.out);
}

// lr 1e30 makes the loss NaN within a few steps. The old loop trained on and exited 0.
BOOST_AUTO_TEST_CASE(gpt_nonfinite_stops_or_is_skipped) {
    Gpt g;
    const auto r = run_cli(g.args({"--lr", "1e30", "--steps", "8"}));
    BOOST_TEST(r.exit_code == 1, r.all());
    BOOST_TEST(r.err.find("non-finite") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("step ") != std::string::npos, r.err);

    Gpt h;
    const auto s = run_cli(h.args({"--lr", "1e30", "--steps", "8", "--skip-nonfinite", "100"}));
    BOOST_TEST(s.exit_code == 0, s.all());
    BOOST_TEST(count(slurp(h.out + "/metrics.jsonl"), "\"type\":\"nonfinite\"") >= 1u);
}

// The ViT refuses a previous run before loading any data, and stops on NaN naming the step.
BOOST_AUTO_TEST_CASE(vit_previous_run_refused_and_nonfinite_stops) {
    prism::test::TmpDir tmp;
    const std::string out = tmp / "run";
    const std::vector<std::string> base = {"train", "vit", "--data-fraction", "0.01", "--dim", "16", "--depth", "1",
                                           "--heads", "2", "--mlp-dim", "32", "--batch-size", "16", "--max-steps", "3",
                                           "--save-every", "1", "--out", out};
    auto with = [&](std::vector<std::string> extra) {
        auto a = base;
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    const auto first = run_cli(with({}), {}, 300);
    BOOST_TEST_REQUIRE(first.exit_code == 0, first.all());
    const std::string last = slurp(out + "/last.safetensors");
    const auto again = run_cli(with({}));
    BOOST_TEST(again.exit_code == 2, again.all());
    BOOST_TEST(again.err.find("--overwrite") != std::string::npos, again.err);
    BOOST_TEST((slurp(out + "/last.safetensors") == last));

    const auto nan = run_cli(with({"--overwrite", "--lr", "1e30"}), {}, 300);
    BOOST_TEST(nan.exit_code == 1, nan.all());
    BOOST_TEST(nan.err.find("non-finite") != std::string::npos, nan.err);
    BOOST_TEST(!fs::exists(out + "/best.safetensors"));
}

BOOST_AUTO_TEST_SUITE_END()
