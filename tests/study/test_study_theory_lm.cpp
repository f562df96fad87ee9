// `--init-only` (the theory check at initialisation) and `--task lm` (the language side) of the
// oversmoothing study through the C++ API, on tiny synthetic data (issue 15, points 6 and 7).
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../data/slurp.hpp"
#include "../data/tmpdir.hpp"
#include "../helpers.hpp"
#include "../train/synthetic_images.hpp"
#include "prism/study/init_check.hpp"
#include "prism/study/lm_study.hpp"

using namespace prism;
namespace fs = std::filesystem;

namespace {
std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }
}  // namespace

BOOST_AUTO_TEST_SUITE(study_theory_lm)

BOOST_AUTO_TEST_CASE(init_check_measures_every_kind_before_and_after_steps) {
    test::TmpDir tmp;
    const auto data = test::synthetic_vision_data();
    study::InitCheckOptions o;
    o.study.attention = {"spectral-smooth", "spectral-sharpen"};
    o.study.depths = {8};
    o.study.base.dim = 16; o.study.base.heads = 2; o.study.base.patch = 4; o.study.base.mlp_dim = 32;
    o.study.init = "default";  // spectral eigenvalues up to ~1: the effect of the sign is strong
    o.study.out_dir = tmp / "s";
    o.study.command_line = "test";
    o.steps = 3;
    o.batch_size = 8;
    o.diag_samples = 8;
    const auto curves = study::run_init_check(o, &data);
    BOOST_REQUIRE_EQUAL(curves.size(), 2u);
    for (const auto& c : curves) {
        BOOST_TEST(c.at_init.size() == 9u);  // embedding + 8 blocks
        BOOST_TEST(c.after.size() == 9u);
    }
    // the theory at initialisation: a positive spectrum smooths (tokens align), a negative one does not
    const double smooth = curves[0].at_init.back().cos_sim, sharpen = curves[1].at_init.back().cos_sim;
    BOOST_TEST(smooth > sharpen + 0.1, "smooth " << smooth << ", sharpen " << sharpen);
    BOOST_TEST(curves[0].at_init.back().hc_dc < curves[1].at_init.back().hc_dc);
    const auto files = study::write_init_check(o, curves, false);
    const std::string csv = test::slurp_required(o.study.out_dir + "/init/curves.csv");
    BOOST_TEST(lines(csv) == 1u + 2 * 2 * 9);  // header + kinds x phases x layers
    const std::string md = test::slurp_required(o.study.out_dir + "/init/report.md");
    BOOST_TEST(md.find("| spectral-sharpen | 8 |") != std::string::npos, md);
    BOOST_TEST(md.find("Plots skipped") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(lm_study_reports_val_loss_and_diagnostics) {
    test::TmpDir tmp;
    const std::string text = tmp / "t.txt";
    {
        std::ofstream f(text);
        for (int i = 0; i < 80; ++i) f << "and the evening and the morning were the first day. ";
    }
    study::LmStudyOptions o;
    o.attention = {"standard", "neutreno"};
    o.depths = {2};
    o.seeds = 1;
    o.base.text = text;
    o.base.context = 16; o.base.dim = 16; o.base.heads = 2; o.base.mlp_dim = 32;
    o.base.train.steps = 3;
    o.base.train.batch_size = 4;
    o.base.train.eval_every = 0;
    o.base.train.eval_batches = 2;
    o.val_tokens = 256;
    o.diag_windows = 4;
    o.out_dir = tmp / "lm";
    o.command_line = "test";
    const auto runs = study::run_lm_study(o);
    BOOST_REQUIRE_EQUAL(runs.size(), 2u);
    for (const auto& r : runs) {
        BOOST_TEST(r.val_loss > 0);
        BOOST_TEST(r.val_tokens == 256);
        BOOST_TEST(r.steps == 3);
        BOOST_TEST(r.layers.size() == 3u);
        BOOST_TEST(r.spectra.size() == 2u);
    }
    const auto settings = nlohmann::json::parse(test::slurp_required(o.out_dir + "/runs/neutreno-d2-s0/settings.json"));
    BOOST_TEST(settings.at("attention").at("alpha") == 0.4);  // the language default
    BOOST_TEST(settings.at("qkv_bias") == false);
    study::write_lm_report(o, runs, 1.0);
    const std::string md = test::slurp_required(o.out_dir + "/report.md");
    BOOST_TEST(md.find("## Validation loss (nats/token; lower is better)") != std::string::npos);
    BOOST_TEST(md.find("n = 1 seeds is too small") != std::string::npos);
    BOOST_TEST(md.find("(n=1, no CI)") != std::string::npos);
    BOOST_TEST(lines(test::slurp_required(o.out_dir + "/layers.csv")) == 1u + 2 * 3);
    // a restart skips both runs with the same numbers
    const auto again = study::run_lm_study(o);
    BOOST_TEST(again[1].val_loss == runs[1].val_loss);
}

BOOST_AUTO_TEST_SUITE_END()
