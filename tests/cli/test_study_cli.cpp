// `prism study oversmoothing` presets, --dry-run and option checks, and `train gpt`'s attention
// options (issue 15), through the built program.
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>

#include "../data/tmpdir.hpp"
#include "cli_driver.hpp"
#include "prism/io/checkpoint.hpp"

using namespace prism::test;

BOOST_AUTO_TEST_SUITE(cli_study)

BOOST_AUTO_TEST_CASE(dry_run_prints_grid_and_estimate) {
    TmpDir tmp;
    const auto r = run_cli({"study", "oversmoothing", "--quick", "--dry-run", "--out", tmp / "s"}, {}, 240);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0 && !r.signaled, r.all());
    BOOST_TEST(r.out.find("20 runs = 5 methods x 2 depths x 1 data fractions x 2 seeds") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("estimated wall time:") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("depth 6:") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("qkv bias off; init matched") != std::string::npos, r.out);
    BOOST_TEST(!std::filesystem::exists(tmp / "s"), "a dry run trains nothing");
}

BOOST_AUTO_TEST_CASE(options_that_fit_no_kind_are_refused) {
    auto r = run_cli({"study", "oversmoothing", "--attention", "standard,spectral-smooth", "--alpha", "0.5", "--dry-run"});
    BOOST_TEST(r.exit_code == 2, r.all());  // a usage error
    BOOST_TEST(r.err.find("--alpha") != std::string::npos, r.all());
    r = run_cli({"study", "oversmoothing", "--hour", "--quick", "--dry-run"});
    BOOST_TEST(r.exit_code == 2, r.all());  // a usage error
    BOOST_TEST(r.err.find("--hour") != std::string::npos, r.all());
    r = run_cli({"study", "oversmoothing", "--init", "orthogonal", "--dry-run"});
    BOOST_TEST(r.exit_code == 2, r.all());  // a usage error
    BOOST_TEST(r.err.find("orthogonal") != std::string::npos, r.all());
    r = run_cli({"study", "oversmoothing", "--fraction-epochs", "0.1:x", "--dry-run"});
    BOOST_TEST(r.exit_code == 2, r.all());  // a usage error
    BOOST_TEST(r.err.find("--fraction-epochs") != std::string::npos, r.all());
    r = run_cli({"study", "oversmoothing", "--help"});
    BOOST_TEST(r.out.find("--dry-run") != std::string::npos);
    BOOST_TEST(r.out.find("ordinary") == std::string::npos);
}

// Option combinations the study cannot run are usage errors (exit 2, README "Guarantees"), and
// --dry-run never trains: with --init-only (which trains) it is refused before anything runs.
BOOST_AUTO_TEST_CASE(conflicting_study_options_are_usage_errors) {
    TmpDir tmp;
    const std::vector<std::vector<std::string>> bad = {
        {"--task", "lm", "--dry-run"},
        {"--task", "lm", "--epochs", "3"},
        {"--text", "kjv", "--dry-run"},
        {"--init-only", "--dry-run"},
    };
    for (const auto& extra : bad) {
        std::vector<std::string> argv = {"study", "oversmoothing", "--out", tmp / "s"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        const auto r = run_cli(argv);
        BOOST_TEST(r.exit_code == 2, r.all());
        BOOST_TEST(r.err.find(extra[0]) != std::string::npos, r.all());
    }
    BOOST_TEST(!std::filesystem::exists(tmp / "s"), "a refused command writes nothing");
}

BOOST_AUTO_TEST_CASE(train_gpt_takes_the_attention_options) {
    TmpDir tmp;
    const std::string text = tmp / "t.txt", out = tmp / "gpt";
    {
        std::ofstream f(text);
        for (int i = 0; i < 60; ++i) f << "in the beginning was the word, and the word was with god. ";
    }
    const std::vector<std::string> small{"--text", text, "--context", "16", "--dim", "16", "--depth", "2", "--heads", "2",
                                         "--mlp-dim", "32", "--steps", "2", "--batch-size", "2", "--eval-every", "0",
                                         "--threads", "1"};
    auto args = std::vector<std::string>{"train", "gpt", "--attention", "neutreno", "--no-qkv-bias", "--init", "matched",
                                         "--out", out};
    args.insert(args.end(), small.begin(), small.end());
    auto r = run_cli(args, {}, 120);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.all());
    const auto ck = prism::io::load_checkpoint(out + "/last.safetensors");
    BOOST_TEST(ck.config.at("attention").at("kind") == "neutreno");
    BOOST_TEST(ck.config.at("attention").at("alpha") == 0.4);  // the language default
    BOOST_TEST(ck.config.at("qkv_bias") == false);
    BOOST_TEST(ck.config.at("init") == "matched");
    BOOST_TEST(ck.model.count("transformer.h.0.attn.c_attn.bias") == 0u);

    args = {"train", "gpt", "--attention", "spectral-sharpen", "--spectral-clip=-1,0", "--attention-layers", "1,2",
            "--out", tmp / "gpt2"};
    args.insert(args.end(), small.begin(), small.end());
    r = run_cli(args, {}, 120);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.all());
    const auto ck2 = prism::io::load_checkpoint(tmp / "gpt2/last.safetensors");
    BOOST_TEST(ck2.config.at("attention").at("clip").at(0) == -1.0);
    BOOST_TEST(ck2.config.at("attention").at("layers").at(0) == 1);

    // options that do not apply to the kind are refused, naming the option
    r = run_cli({"train", "gpt", "--attention", "standard", "--alpha", "0.3", "--text", text});
    BOOST_TEST(r.exit_code != 0);
    BOOST_TEST(r.err.find("--alpha") != std::string::npos, r.all());
    r = run_cli({"train", "gpt", "--attention", "neutreno", "--spectral-clip=-1,0", "--text", text});
    BOOST_TEST(r.exit_code != 0);
    BOOST_TEST(r.err.find("--spectral-clip") != std::string::npos, r.all());
}

BOOST_AUTO_TEST_CASE(train_vit_takes_qkv_bias_and_init) {
    TmpDir tmp;
    const std::string out = tmp / "vit";
    const auto r = run_cli({"train", "vit", "--no-qkv-bias", "--init", "matched", "--init-norm", "0.2", "--depth", "1",
                            "--dim", "24", "--heads", "3", "--mlp-dim", "32", "--epochs", "1", "--max-steps", "1",
                            "--data-fraction", "0.01", "--val-fraction", "0.01", "--out", out},
                           {}, 240);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.all());
    const auto ck = prism::io::load_checkpoint(out + "/last.safetensors");
    BOOST_TEST(ck.config.at("qkv_bias") == false);
    BOOST_TEST(ck.config.at("init") == "matched");
    BOOST_TEST(ck.config.at("init_norm") == 0.2);
    BOOST_TEST(ck.model.count("blocks.0.attn.qkv.bias") == 0u);
    const auto bad = run_cli({"train", "vit", "--init", "orthogonal", "--max-steps", "1", "--out", tmp / "bad"});
    BOOST_TEST(bad.exit_code != 0);
    BOOST_TEST(bad.err.find("orthogonal") != std::string::npos, bad.all());
}

BOOST_AUTO_TEST_SUITE_END()
