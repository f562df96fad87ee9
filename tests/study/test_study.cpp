// The study runner end to end on a tiny synthetic dataset (2 methods x 1 depth x 2 seeds, a
// 16-wide ViT, 1 epoch on 72 images of 8x8): the report's structure and numbers, resuming
// (finished runs skipped, a run without result.json re-run to the same numbers), and errors.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>

#include "../data/slurp.hpp"
#include "../data/tmpdir.hpp"
#include "../helpers.hpp"
#include "../train/synthetic_images.hpp"
#include "prism/study/study_report.hpp"

using namespace prism;
namespace fs = std::filesystem;

namespace {

study::StudyOptions tiny_options(const std::string& out) {
    study::StudyOptions o;
    o.attention = {"standard", "spectral-sharpen"};
    o.depths = {1};
    o.data_fractions = {1.0};
    o.seeds = 2;
    o.corruptions = study::parse_corruptions("gaussian_noise,contrast", {1, 3});
    o.diag_samples = 8;
    o.base.dim = 16; o.base.heads = 2; o.base.patch = 4; o.base.mlp_dim = 32;
    o.base.batch_size = 16;
    o.base.train.epochs = 3;
    o.base.train.lr = 5e-3;
    o.base.train.warmup_epochs = 0.2;
    o.out_dir = out;
    o.command_line = "test";
    return o;
}

// CSV rows as column-name -> value maps.
std::vector<std::map<std::string, std::string>> read_csv(const std::string& path) {
    std::istringstream in(test::slurp_required(path));
    auto split = [](const std::string& line) {
        std::vector<std::string> v;
        std::stringstream ss(line);
        for (std::string c; std::getline(ss, c, ',');) v.push_back(c);
        if (!line.empty() && line.back() == ',') v.push_back("");
        return v;
    };
    std::string line;
    std::getline(in, line);
    const auto header = split(line);
    std::vector<std::map<std::string, std::string>> rows;
    while (std::getline(in, line)) {
        const auto cells = split(line);
        BOOST_REQUIRE_EQUAL(cells.size(), header.size());
        std::map<std::string, std::string> row;
        for (std::size_t i = 0; i < cells.size(); ++i) row[header[i]] = cells[i];
        rows.push_back(row);
    }
    return rows;
}

// The lines of the markdown table that follows `heading` in `md`.
std::vector<std::string> table_after(const std::string& md, const std::string& heading) {
    const auto at = md.find(heading);
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, "no '" + heading + "' in report.md");
    std::istringstream in(md.substr(at));
    std::vector<std::string> lines;
    bool in_table = false;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("|", 0) == 0) {
            in_table = true;
            lines.push_back(line);
        } else if (in_table) {
            break;
        }
    }
    return lines;
}

// "| name | **78.10 ± 0.52** | ..." -> cell `col` (1-based after the name) as (mean, std).
std::pair<double, double> cell(const std::string& row, int col) {
    std::vector<std::string> cells;
    std::stringstream ss(row);
    for (std::string c; std::getline(ss, c, '|');) cells.push_back(c);
    BOOST_REQUIRE_GT(cells.size(), static_cast<std::size_t>(col + 1));
    std::string c = cells[col + 1];
    for (auto pos = c.find("**"); pos != std::string::npos; pos = c.find("**")) c.erase(pos, 2);
    const auto pm = c.find("±");
    BOOST_REQUIRE_MESSAGE(pm != std::string::npos, "no ± in '" + c + "'");
    return {std::stod(c.substr(0, pm)), std::stod(c.substr(pm + std::string("±").size()))};
}

std::map<std::string, fs::file_time_type> result_mtimes(const std::string& out) {
    std::map<std::string, fs::file_time_type> m;
    for (const auto& e : fs::directory_iterator(fs::path(out) / "runs"))
        m[e.path().filename().string()] = fs::last_write_time(e.path() / "result.json");
    return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(study_oversmoothing)

BOOST_AUTO_TEST_CASE(mean_std_is_sample_std) {
    const auto m = study::mean_std({1.0, 2.0, 3.0});
    BOOST_TEST(m.mean == 2.0);
    BOOST_TEST(m.std == 1.0);
    BOOST_TEST(study::mean_std({0.5}).std == 0.0);
    BOOST_TEST(study::format_mean_std(m, 100, 2) == "200.00 ± 100.00");
}

BOOST_AUTO_TEST_CASE(grid_and_option_errors) {
    auto o = tiny_options("unused");
    const auto grid = study::study_grid(o);
    BOOST_REQUIRE_EQUAL(grid.size(), 4u);
    BOOST_TEST(grid[0].id() == "standard-d1-f1-s0");
    BOOST_TEST(grid[3].id() == "spectral-sharpen-d1-f1-s1");
    BOOST_TEST((study::parse_depths("6, 12,24") == std::vector<std::int64_t>{6, 12, 24}));
    test::check_error([] { study::parse_depths("6,x"); }, {"--depths", "'x'"});
    test::check_error([] { study::parse_depths("0"); }, {"--depths", "'0'"});
    test::check_error([] { study::parse_depths("6,6"); }, {"--depths", "repeated"});
    test::check_error([] { study::parse_data_fractions("1.5"); }, {"--data-fractions", "'1.5'"});
    test::check_error([] { study::parse_attention_kinds("standard,bogus"); }, {"bogus"});
    test::check_error([] { study::parse_severities("1,7"); }, {"--severities", "'7'"});
    test::check_error([] { study::parse_corruptions("fog", {1}); }, {"fog"});
    BOOST_TEST(study::parse_corruptions("none", {1}).empty());
    BOOST_TEST(study::parse_corruptions("all", {1, 5}).size() == 2 * data::corruption_names().size());
    o.seeds = 0;
    test::check_error([&] { study::study_grid(o); }, {"--seeds", "0"});
}

BOOST_AUTO_TEST_CASE(tiny_study_end_to_end) {
    test::TmpDir tmp;
    const std::string out = tmp / "study";
    const auto data = test::synthetic_vision_data();
    const auto o = tiny_options(out);

    // ---- first invocation: every run trains ----
    const auto res = study::run_study(o, &data);
    BOOST_TEST(res.trained == 4);
    BOOST_TEST(res.skipped == 0);
    BOOST_REQUIRE_EQUAL(res.runs.size(), 4u);
    const auto files = study::write_study_report(o, res, out);

    // results.json: one entry per run, accuracies are fractions
    const auto j = nlohmann::json::parse(test::slurp_required(out + "/results.json"));
    BOOST_REQUIRE_EQUAL(j.at("runs").size(), 4u);
    std::set<std::string> ids;
    for (const auto& r : j.at("runs")) {
        ids.insert(r.at("id").get<std::string>());
        const double acc = r.at("clean_accuracy");
        BOOST_TEST((acc >= 0.0 && acc <= 1.0));
        BOOST_TEST(r.at("test_samples").get<int>() == 40);
        BOOST_REQUIRE_EQUAL(r.at("corrupted").size(), 4u);
        for (const auto& c : r.at("corrupted")) BOOST_TEST((c.at("accuracy") >= 0.0 && c.at("accuracy") <= 1.0));
        BOOST_REQUIRE_EQUAL(r.at("layers").size(), 2u);  // embedding + 1 block
        const double cs = r.at("layers").back().at("cos_sim");
        BOOST_TEST((cs >= -1.0 && cs <= 1.0));
    }
    BOOST_TEST(ids.size() == 4u);

    // CSVs: one row per run / per run and layer / per run and corrupted set
    const auto runs = read_csv(out + "/runs.csv");
    BOOST_REQUIRE_EQUAL(runs.size(), 4u);
    BOOST_TEST(read_csv(out + "/layers.csv").size() == 4u * 2);
    BOOST_TEST(read_csv(out + "/corruptions.csv").size() == 4u * 4);

    // report.md: headers, one row per method, the table's mean +- std recomputed from runs.csv
    const std::string md = test::slurp_required(out + "/report.md");
    for (const char* h : {"# Oversmoothing study", "## Clean test accuracy (%), method x depth",
                          "## Corrupted test accuracy (%), method x severity", "## Last-layer token cosine similarity",
                          "## Last-layer diagnostics at depth 1", "## Plots", "Command: `test`"})
        BOOST_TEST(md.find(h) != std::string::npos, "report.md lacks " << h);
    const auto clean = table_after(md, "## Clean test accuracy");
    BOOST_REQUIRE_EQUAL(clean.size(), 4u);  // header, rule, two methods
    BOOST_TEST(clean[0] == "| method | depth 1 |");
    const auto sev = table_after(md, "## Corrupted test accuracy");
    BOOST_REQUIRE_EQUAL(sev.size(), 4u);
    BOOST_TEST(sev[0] == "| method | clean | severity 1 | severity 3 | mean |");
    const auto cos = table_after(md, "## Last-layer token cosine similarity");
    BOOST_REQUIRE_EQUAL(cos.size(), 4u);
    int bold = 0;
    for (std::size_t m = 0; m < o.attention.size(); ++m) {
        const std::string& kind = o.attention[m];
        BOOST_TEST(clean[2 + m].rfind("| " + kind + " |", 0) == 0, clean[2 + m]);
        BOOST_TEST(sev[2 + m].rfind("| " + kind + " |", 0) == 0, sev[2 + m]);
        std::vector<double> acc, ccs, cmean;
        for (const auto& r : runs)
            if (r.at("attention") == kind) {
                acc.push_back(std::stod(r.at("clean_accuracy")));
                ccs.push_back(std::stod(r.at("last_cos_sim")));
                cmean.push_back(std::stod(r.at("corrupted_mean_accuracy")));
            }
        BOOST_REQUIRE_EQUAL(acc.size(), 2u);
        const auto want = study::mean_std(acc), want_cos = study::mean_std(ccs), want_c = study::mean_std(cmean);
        const auto [mean, sd] = cell(clean[2 + m], 1);
        BOOST_TEST(std::fabs(mean - 100 * want.mean) <= 0.0051, kind << ": table " << mean << " vs csv " << 100 * want.mean);
        BOOST_TEST(std::fabs(sd - 100 * want.std) <= 0.0051, kind << ": table std " << sd << " vs csv " << 100 * want.std);
        BOOST_TEST(std::fabs(cell(sev[2 + m], 1).first - 100 * want.mean) <= 0.0051);
        BOOST_TEST(std::fabs(cell(sev[2 + m], 4).first - 100 * want_c.mean) <= 0.0051);
        BOOST_TEST(std::fabs(cell(cos[2 + m], 1).first - want_cos.mean) <= 0.00051);
        bold += clean[2 + m].find("**") != std::string::npos;
    }
    BOOST_TEST(bold >= 1);  // the best method of the column is marked

    // plots: linked when made, otherwise the report says they were skipped
    if (files.plots) {
        for (const char* png : {"plots/accuracy_vs_depth_f1.png", "plots/cos_sim_vs_layer_f1.png",
                                "plots/accuracy_vs_severity_f1.png"}) {
            BOOST_TEST(fs::file_size(fs::path(out) / png) > 0u, png);
            BOOST_TEST(md.find(std::string("](") + png + ")") != std::string::npos, png);
        }
    } else {
        BOOST_TEST(md.find("Plots skipped") != std::string::npos);
    }
    const std::string no_plots = tmp / "no_plots";
    study::write_study_report(o, res, no_plots, false);
    BOOST_TEST(test::slurp_required(no_plots + "/report.md").find("Plots skipped") != std::string::npos);

    // ---- second invocation: everything is skipped, result files untouched ----
    const auto before = result_mtimes(out);
    BOOST_REQUIRE_EQUAL(before.size(), 4u);
    const auto res2 = study::run_study(o, &data);
    BOOST_TEST(res2.trained == 0);
    BOOST_TEST(res2.skipped == 4);
    BOOST_TEST((result_mtimes(out) == before));
    for (std::size_t i = 0; i < 4; ++i) BOOST_TEST(res2.runs[i].clean_accuracy == res.runs[i].clean_accuracy);

    // ---- a run whose result file is gone is re-run (from its finished checkpoint: same numbers) ----
    const std::string victim = res.runs[1].key.id();
    fs::remove(fs::path(out) / "runs" / victim / "result.json");
    const auto res3 = study::run_study(o, &data);
    BOOST_TEST(res3.trained == 1);
    BOOST_TEST(res3.skipped == 3);
    BOOST_TEST(fs::exists(fs::path(out) / "runs" / victim / "result.json"));
    BOOST_TEST(res3.runs[1].clean_accuracy == res.runs[1].clean_accuracy);
    BOOST_REQUIRE_EQUAL(res3.runs[1].corrupted.size(), res.runs[1].corrupted.size());
    for (std::size_t c = 0; c < res.runs[1].corrupted.size(); ++c)
        BOOST_TEST(res3.runs[1].corrupted[c].accuracy == res.runs[1].corrupted[c].accuracy);
    BOOST_TEST(res3.runs[1].layers.back().cos_sim == res.runs[1].layers.back().cos_sim);

    // ---- other settings in the same directory are refused ----
    auto other = o;
    other.base.train.epochs = 2;
    test::check_error([&] { study::run_study(other, &data); }, {"study", "other settings", victim.substr(0, 8)});
}

BOOST_AUTO_TEST_SUITE_END()
