// The study's comparison knobs, presets, dry-run arithmetic, paired statistics in the report and
// the per-layer spectral record (issue 15), on the tiny synthetic dataset of test_study.cpp.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../data/slurp.hpp"
#include "../data/tmpdir.hpp"
#include "../helpers.hpp"
#include "../train/synthetic_images.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/study/estimate.hpp"
#include "prism/study/lm_study.hpp"
#include "prism/study/stats.hpp"
#include "prism/study/study_report.hpp"

using namespace prism;
namespace fs = std::filesystem;

namespace {

study::StudyOptions tiny(const std::string& out, std::int64_t seeds) {
    study::StudyOptions o;
    o.attention = {"standard", "spectral-sharpen"};
    o.depths = {2};
    o.data_fractions = {1.0};
    o.seeds = seeds;
    o.corruptions = study::parse_corruptions("contrast", {3});
    o.diag_samples = 8;
    o.base.dim = 16; o.base.heads = 2; o.base.patch = 4; o.base.mlp_dim = 32;
    o.base.batch_size = 16;
    o.base.train.epochs = 1;
    o.base.train.lr = 5e-3;
    o.base.train.warmup_epochs = 0.2;
    o.base.log_smoothing = 2;
    o.out_dir = out;
    o.command_line = "test";
    return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(study_knobs)

BOOST_AUTO_TEST_CASE(defaults_are_the_papers_and_options_apply_per_kind) {
    study::StudyOptions o;
    BOOST_TEST(!o.qkv_bias);
    BOOST_TEST(o.init == "matched");
    o.attention_options = {{"spectral-clip", "-1,0"}, {"alpha", "0.3"}, {"lambda1", "0.25"}};
    const auto sharpen = o.attention_spec("spectral-sharpen");
    BOOST_REQUIRE(sharpen.pair("clip").has_value());
    BOOST_TEST(sharpen.pair("clip")->first == -1.0);
    BOOST_TEST(sharpen.params.size() == 2u);  // clip_lo, clip_hi
    BOOST_TEST(o.attention_spec("neutreno").params.at("alpha") == 0.3);
    BOOST_TEST(!o.attention_spec("neutreno").pair("clip").has_value());
    BOOST_TEST(o.attention_spec("resformer").params.at("lambda1") == 0.25);
    BOOST_TEST(o.attention_spec("resformer").params.at("lambda2") == 0.5);
    BOOST_TEST(o.attention_spec("standard").params.empty());
    o.attention_options["spectral-clip"] = "0,-1";
    test::check_error([&] { o.attention_spec("spectral-smooth"); }, {"--spectral-clip", "0,-1"});
}

BOOST_AUTO_TEST_CASE(named_presets) {
    const auto h = study::hour_study_options();
    BOOST_TEST(study::study_grid(h).size() == 24u);  // 4 methods x 2 depths x 1 fraction x 3 seeds
    BOOST_TEST((h.depths == std::vector<std::int64_t>{2, 8}));
    BOOST_TEST((h.data_fractions == std::vector<double>{0.1}));
    BOOST_TEST((h.attention == std::vector<std::string>{"standard", "spectral-smooth", "spectral-sharpen", "neutreno"}));
    BOOST_TEST(h.test_samples == 2000);
    BOOST_TEST(h.corruption_list().size() == 4u);
    BOOST_TEST((h.severities() == std::vector<int>{1, 3, 5}));
    const auto n = study::overnight_study_options();
    BOOST_TEST(study::study_grid(n).size() == 48u);
    BOOST_TEST(n.epochs_for(0.1) == 40);
    BOOST_TEST(n.epochs_for(1.0) == 4);
    BOOST_TEST(study::preset_study_options("quick").quick);
    test::check_error([] { study::preset_study_options("week"); }, {"week", "hour", "overnight"});
}

// spectral-rotate: the sixth method of the default grid (not in the measured --quick, nor in the
// paper's four of --hour / --overnight); only --rotate-clip applies to it; a tiny run of it
// records complex head spectra (r e^{+-i phi}: nonzero imaginary parts) per block.
BOOST_AUTO_TEST_CASE(spectral_rotate_is_the_sixth_method) {
    study::StudyOptions o;
    BOOST_TEST((o.attention == std::vector<std::string>{"standard", "spectral-smooth", "spectral-sharpen", "neutreno",
                                                        "resformer", "spectral-rotate"}));
    BOOST_TEST(study::study_grid(o).size() == 108u);  // 6 methods x 3 depths x 2 fractions x 3 seeds
    const auto q = study::quick_study_options();
    BOOST_TEST((q.attention ==
                std::vector<std::string>{"standard", "spectral-smooth", "spectral-sharpen", "neutreno", "resformer"}));
    BOOST_TEST(study::study_grid(q).size() == 20u);
    BOOST_TEST((study::parse_attention_kinds("standard,spectral-rotate") ==
                std::vector<std::string>{"standard", "spectral-rotate"}));
    o.attention_options = {{"spectral-clip", "-1,0"}, {"rotate-clip", "0,1"}};
    const auto rot = o.attention_spec("spectral-rotate");
    BOOST_TEST((rot.pair("clip") == std::make_pair(0.0, 1.0)));
    BOOST_TEST(o.attention_spec("spectral-sharpen").pair("clip")->first == -1.0);
    BOOST_TEST(!o.attention_spec("neutreno").pair("clip").has_value());
    o.attention_options["rotate-clip"] = "-1,1";
    test::check_error([&] { o.attention_spec("spectral-rotate"); }, {"--rotate-clip", "-1,1"});
    study::LmStudyOptions lm;
    lm.attention_options = {{"spectral-clip", "-1,0"}, {"rotate-clip", "0.1,0.5"}};
    BOOST_TEST(lm.attention_spec("spectral-rotate").pair("clip")->second == 0.5);
    BOOST_TEST(lm.attention_spec("neutreno").params.at("alpha") == 0.4);  // the language default

    test::TmpDir tmp;
    const auto data = test::synthetic_vision_data();
    auto t = tiny(tmp / "rot", 1);
    t.attention = {"spectral-rotate"};
    t.attention_options = {{"rotate-clip", "0,2"}};
    const auto res = study::run_study(t, &data);
    BOOST_REQUIRE_EQUAL(res.runs.size(), 1u);
    BOOST_TEST(std::isfinite(res.runs[0].clean_accuracy));
    const auto ck = io::load_checkpoint(tmp / "rot/runs/spectral-rotate-d2-f1-s0/last.safetensors");
    BOOST_TEST(ck.config.at("attention").at("clip").at(1) == 2.0);
    BOOST_TEST(ck.model.count("blocks.1.attn.phi") == 1u);
    const auto& spectra = res.runs[0].spectra;
    BOOST_REQUIRE_EQUAL(spectra.size(), 2u);
    for (const auto& sp : spectra) BOOST_TEST(sp.eig_max_abs_imag > 1e-3);
}

BOOST_AUTO_TEST_CASE(dry_run_arithmetic) {
    // probes: depth 1 (0.5 s/step, 10 ms/image) and depth 3 (1.5 s, 30 ms): depth 2 -> 1.0 s, 20 ms
    const std::vector<study::ThroughputProbe> probes{{1, 0.5, 0.01}, {3, 1.5, 0.03}};
    const auto p2 = study::interpolate(probes, 2);
    BOOST_TEST(std::fabs(p2.train_step_seconds - 1.0) < 1e-12);
    BOOST_TEST(std::fabs(p2.forward_sample_seconds - 0.02) < 1e-12);
    const auto data = test::synthetic_vision_data();  // 80 training, 40 test images
    study::StudyOptions o = tiny("unused", 1);
    o.attention = {"standard"};
    o.base.train.epochs = 3;
    o.base.val_fraction = 0.1;
    o.corruptions = study::parse_corruptions("contrast,brightness", {1});
    const auto e = study::estimate_from_probes(o, data, probes);
    BOOST_REQUIRE_EQUAL(e.runs.size(), 1u);
    // 72 training images -> 5 batches of 16 per epoch -> 15 steps; forward: 3 epochs x 8
    // validation images + 40 test images x (clean + 2 corrupted) = 144; 15 x 1.0 + 144 x 0.02 = 17.88 s
    BOOST_TEST(e.runs[0].train_samples == 72);
    BOOST_TEST(e.runs[0].steps == 15);
    BOOST_TEST(e.runs[0].forward_samples == 144);
    BOOST_TEST(std::fabs(e.seconds - 17.88) < 1e-9);
    const std::string text = study::format_dry_run(o, e);
    BOOST_TEST(text.find("1 runs") != std::string::npos, text);
    BOOST_TEST(text.find("estimated wall time: 18 s") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(measured_probe_is_positive) {
    const auto data = test::synthetic_vision_data();
    auto o = tiny("unused", 1);
    o.depths = {1, 3};
    const auto e = study::estimate_study(o, data, 1);
    BOOST_REQUIRE_EQUAL(e.probes.size(), 2u);
    for (const auto& p : e.probes) {
        BOOST_TEST(p.train_step_seconds > 0);
        BOOST_TEST(p.forward_sample_seconds > 0);
    }
    BOOST_TEST(e.runs.size() == 2u * 2u);
    BOOST_TEST(e.seconds > 0);
}

BOOST_AUTO_TEST_CASE(tiny_study_records_knobs_spectra_curves_and_paired_stats) {
    test::TmpDir tmp;
    const std::string out = tmp / "study";
    const auto data = test::synthetic_vision_data();
    const auto o = tiny(out, 3);
    const auto res = study::run_study(o, &data);
    BOOST_REQUIRE_EQUAL(res.runs.size(), 6u);
    study::write_study_report(o, res, out, false);

    // settings.json records the knobs; the checkpoint has no qkv bias
    const auto settings = nlohmann::json::parse(test::slurp_required(out + "/runs/standard-d2-f1-s0/settings.json"));
    BOOST_TEST(settings.at("qkv_bias") == false);
    BOOST_TEST(settings.at("init") == "matched");
    BOOST_TEST(settings.at("log_smoothing") == 2);
    const auto ck = io::load_checkpoint(out + "/runs/standard-d2-f1-s0/last.safetensors");
    BOOST_TEST(ck.model.count("blocks.0.attn.qkv.weight") == 1u);
    BOOST_TEST(ck.model.count("blocks.0.attn.qkv.bias") == 0u);
    BOOST_TEST(ck.config.at("init") == "matched");

    // per block spectra and the smoothing curve in results.json
    const auto j = nlohmann::json::parse(test::slurp_required(out + "/results.json"));
    for (const auto& r : j.at("runs")) {
        BOOST_REQUIRE_EQUAL(r.at("spectra").size(), 2u);  // depth 2
        BOOST_TEST(r.at("cos_curve").size() >= 2u);      // 72 images / 16 = 5 steps, probe every 2
        for (const auto& sp : r.at("spectra")) {
            const double share = sp.at("neg_ln_share");
            BOOST_TEST((share >= 0.0 && share <= 1.0));
            const double dom = sp.at("dominant_share_h");
            BOOST_TEST((dom >= 0.0 && dom <= 1.0));
            if (r.at("attention") == "spectral-sharpen") {  // Lambda = -psi^2 <= 0
                BOOST_TEST(sp.at("eig_max").get<double>() <= 1e-6);
                BOOST_TEST(sp.at("eig_max_abs_imag").get<double>() <= 1e-6);
            }
        }
    }
    // layers.csv carries the spectral columns for every block (not for the last layer)
    const std::string layers = test::slurp_required(out + "/layers.csv");
    BOOST_TEST(layers.find("eig_h_min,eig_h_max,eig_h_max_abs_imag,neg_ln_gain_share,dc_dominant_h,dc_dominant_ln") !=
               std::string::npos);
    std::istringstream in(layers);
    std::string line;
    std::getline(in, line);
    int filled = 0, empty = 0;
    while (std::getline(in, line)) (line.substr(line.size() - 6) == ",,,,,," ? empty : filled)++;
    BOOST_TEST(filled == 6 * 2);
    BOOST_TEST(empty == 6);

    // report: paired differences with intervals, the init and qkv bias stated
    const std::string md = test::slurp_required(out + "/report.md");
    BOOST_TEST(md.find("## Paired differences against standard attention") != std::string::npos);
    BOOST_TEST(md.find("qkv bias off") != std::string::npos);
    BOOST_TEST(md.find("init matched") != std::string::npos);
    BOOST_TEST(md.find("too small") == std::string::npos);
    BOOST_TEST(md.find("Significant differences (95% CI excludes 0):") != std::string::npos);
    // the clean-accuracy difference of spectral-sharpen recomputed from the runs
    std::vector<double> base, sharp;
    for (const auto& r : res.runs) (r.key.attention == "standard" ? base : sharp).push_back(r.clean_accuracy);
    const auto pd = study::paired_difference(base, sharp);
    BOOST_TEST(md.find("| spectral-sharpen | " + study::format_paired(pd, 100, 2) + " |") != std::string::npos,
               study::format_paired(pd, 100, 2));

    // with 2 seeds the report says n is too small and gives no interval
    auto o2 = o;
    o2.seeds = 2;
    study::StudyResult two;
    for (const auto& r : res.runs)
        if (r.key.seed < 2) two.runs.push_back(r);
    const std::string out2 = tmp / "two";
    study::write_study_report(o2, two, out2, false);
    const std::string md2 = test::slurp_required(out2 + "/report.md");
    BOOST_TEST(md2.find("n = 2 seeds is too small") != std::string::npos);
    BOOST_TEST(md2.find("(n=2, no CI)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
