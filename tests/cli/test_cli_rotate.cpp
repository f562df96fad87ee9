// `--attention spectral-rotate` on the command line: --rotate-clip is checked against its range
// (a usage error, exit 2, naming option and value), refused for other kinds and by the study
// when no spectral-rotate is in its grid, --spectral-clip is refused for spectral-rotate; a tiny
// GPT trains with it, its checkpoint records the clip, and `prism spectrum` reports its complex
// head spectra with the rotate operator.
#include <boost/test/unit_test.hpp>
#include <fstream>

#include "../data/tmpdir.hpp"
#include "cli_driver.hpp"
#include "prism/io/checkpoint.hpp"

using namespace prism::test;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_rotate)

BOOST_AUTO_TEST_CASE(rotate_clip_is_validated) {
    for (const std::string bad : {"-1,0", "1,0", "0,nan", "0", "0,x"}) {
        const auto r = run_cli({"train", "vit", "--attention", "spectral-rotate", "--rotate-clip", bad});
        BOOST_TEST_CONTEXT(bad << "\n" << r.all()) {
            BOOST_TEST(r.exit_code == 2);
            BOOST_TEST(r.err.rfind("prism: error: ", 0) == 0u);
            BOOST_TEST(has(r.err, "--rotate-clip"));
            BOOST_TEST(has(r.err, "'" + bad + "'"));
            BOOST_TEST(has(r.err, "LO,HI with LO <= HI, each a finite number >= 0"));
        }
    }
    auto r = run_cli({"train", "vit", "--attention", "spectral-rotate", "--spectral-clip=-1,0"});
    BOOST_TEST(r.exit_code == 2, r.all());
    BOOST_TEST((has(r.err, "--spectral-clip") && has(r.err, "--rotate-clip")), r.all());
    r = run_cli({"train", "gpt", "--attention", "spectral-sharpen", "--rotate-clip", "0,1"});
    BOOST_TEST(r.exit_code == 2, r.all());
    BOOST_TEST((has(r.err, "--rotate-clip") && has(r.err, "spectral-sharpen")), r.all());
    r = run_cli({"study", "oversmoothing", "--attention", "standard,spectral-sharpen", "--rotate-clip", "0,1", "--dry-run"});
    BOOST_TEST(r.exit_code != 0, r.all());
    BOOST_TEST((has(r.err, "--rotate-clip") && has(r.err, "spectral-rotate")), r.all());
    r = run_cli({"train", "vit", "--help"});
    BOOST_TEST(has(r.out, "spectral-rotate"), r.out);
    BOOST_TEST(has(r.out, "--rotate-clip"), r.out);
}

BOOST_AUTO_TEST_CASE(train_gpt_then_spectrum) {
    TmpDir tmp;
    const std::string text = tmp / "t.txt", out = tmp / "gpt";
    {
        std::ofstream f(text);
        for (int i = 0; i < 60; ++i) f << "in the beginning was the word, and the word was with god. ";
    }
    auto r = run_cli({"train", "gpt", "--attention", "spectral-rotate", "--rotate-clip", "0.05,0.9", "--init", "matched",
                      "--text", text, "--context", "16", "--dim", "16", "--depth", "2", "--heads", "2", "--mlp-dim",
                      "32", "--steps", "2", "--batch-size", "2", "--eval-every", "0", "--threads", "1", "--out", out},
                     {}, 120);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.all());
    const auto ck = prism::io::load_checkpoint(out + "/last.safetensors");
    BOOST_TEST(ck.config.at("attention").at("kind") == "spectral-rotate");
    BOOST_TEST(ck.config.at("attention").at("clip").at(0) == 0.05);
    BOOST_TEST(ck.config.at("attention").at("clip").at(1) == 0.9);
    for (const char* n : {"transformer.h.1.attn.theta", "transformer.h.1.attn.psi", "transformer.h.1.attn.phi",
                          "transformer.h.1.attn.qk.weight"})
        BOOST_TEST(ck.model.count(n) == 1u, n);

    r = run_cli({"spectrum", "--checkpoint", out + "/last.safetensors", "--text", text, "--batch", "2", "--no-plots",
                 "--out", tmp / "spec"},
                {}, 120);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.all());
    BOOST_TEST(has(r.out, "spectral-rotate"), r.out);
    BOOST_TEST(has(r.out, "1 + lambda_A lambda_H; B_h (H_h = V_h B_h V_h^T, eigenvalues r e^{+-i phi})"), r.out);
}

BOOST_AUTO_TEST_SUITE_END()
