#include "prism/study/oversmoothing.hpp"

#include "prism/study/cell_claim.hpp"
#include "prism/core/json.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "prism/core/error.hpp"
#include "prism/data/split.hpp"
#include "prism/diag/spectrum.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/models/attention_spec.hpp"
#include "prism/study/study_files.hpp"

namespace prism::study {

namespace fs = std::filesystem;

StudyOptions::StudyOptions() {
    base.preset = "vit-micro";
    base.augment = false;       // short schedules fit plain images faster (as `prism demo`)
    base.train.lr = 1.5e-3;
    base.train.warmup_epochs = 1.0;
    base.train.save_every = 100;  // an interrupt loses at most 100 steps
    corruptions = parse_corruptions("all", {1, 2, 3, 4, 5});
}

std::vector<int> StudyOptions::severities() const {
    std::set<int> s;
    for (const auto& c : corruptions) s.insert(c.severity);
    return {s.begin(), s.end()};
}

std::vector<std::string> StudyOptions::corruption_list() const {
    std::vector<std::string> s;
    for (const auto& c : corruptions)
        if (std::find(s.begin(), s.end(), c.name) == s.end()) s.push_back(c.name);
    return s;
}

std::int64_t StudyOptions::epochs_for(double data_fraction) const {
    const auto it = fraction_epochs.find(data_fraction);
    return it == fraction_epochs.end() ? base.train.epochs : it->second;
}

models::AttentionSpec StudyOptions::attention_spec(const std::string& kind) const {
    return models::parse_attention_options(kind, models::options_for(kind, attention_options), "", nn::Task::Vision);
}

namespace {
// The four methods of the paper's comparison, one corruption per ImageNet-C family (noise,
// blur, weather, digital).
void paper_methods(StudyOptions& o) {
    o.attention = {"standard", "spectral-smooth", "spectral-sharpen", "neutreno"};
    o.seeds = 3;
    o.test_samples = 2000;
    o.corruptions = parse_corruptions("gaussian_noise,gaussian_blur,brightness,contrast", {1, 3, 5});
    o.base.val_fraction = 0.05;
}
}  // namespace

StudyOptions hour_study_options() {
    StudyOptions o;
    o.preset_name = "hour";
    paper_methods(o);
    o.depths = {2, 8};
    o.data_fractions = {0.1};
    // 24 runs. Sized with --dry-run: on the shared machine (load ~13 on 2 cores) the probe put
    // --quick at 31 min and 12 epochs of --hour at 2 h 41 min; --quick really takes 8.5 min on a
    // quiet machine (docs/results.md), a factor 3.6, so 12 epochs ~ 45 min quiet and 15 epochs ~ 56 min.
    o.base.train.epochs = 15;
    o.base.train.warmup_epochs = 1;
    return o;
}

StudyOptions overnight_study_options() {
    StudyOptions o;
    o.preset_name = "overnight";
    paper_methods(o);
    o.depths = {4, 16};
    o.data_fractions = {1.0, 0.1};
    o.base.train.epochs = 40;
    o.fraction_epochs = {{1.0, 4}, {0.1, 40}};  // the same number of steps in both
    o.base.train.warmup_epochs = 2;
    return o;
}

StudyOptions preset_study_options(const std::string& name) {
    if (name == "quick") return quick_study_options();
    if (name == "hour") return hour_study_options();
    if (name == "overnight") return overnight_study_options();
    throw Error("study", "unknown grid preset '", name, "' (known: quick, hour, overnight)");
}

StudyOptions quick_study_options() {
    StudyOptions o;
    o.quick = true;
    o.preset_name = "quick";
    o.attention = {"standard", "spectral-smooth", "spectral-sharpen", "neutreno", "resformer"};
    o.depths = {2, 6};
    o.data_fractions = {0.1};
    o.seeds = 2;
    o.base.train.epochs = 3;
    o.base.train.warmup_epochs = 0.5;
    o.base.val_fraction = 0.05;  // 3000 validation images per epoch instead of 6000
    o.test_samples = 1000;
    o.corruptions = parse_corruptions("gaussian_noise,contrast", {1, 3, 5});
    return o;
}

// ---- command-line lists --------------------------------------------------------------------

namespace {

std::vector<std::string> split_list(const std::string& option, const std::string& text) {
    std::vector<std::string> items;
    std::stringstream ss(text);
    for (std::string item; std::getline(ss, item, ',');) {
        const auto a = item.find_first_not_of(' '), b = item.find_last_not_of(' ');
        item = a == std::string::npos ? "" : item.substr(a, b - a + 1);
        PRISM_CHECK(!item.empty(), "study", option, " '", text, "': empty item");
        items.push_back(item);
    }
    PRISM_CHECK(!items.empty(), "study", option, ": empty list");
    return items;
}

// Whole-string number parse; nullopt when `s` is not entirely a number.
template <class T> std::optional<T> to_number(const std::string& s) {
    std::istringstream is(s);
    T v{};
    if (!(is >> v) || !is.eof()) return std::nullopt;
    return v;
}

template <class T> void check_unique(const std::vector<T>& v, const std::string& option, const std::string& text) {
    PRISM_CHECK(std::set<T>(v.begin(), v.end()).size() == v.size(), "study", option, " '", text, "': repeated item");
}

}  // namespace

namespace {

// A list of numbers of type T, each satisfying `ok` (described by `what`), no repeats.
template <class T, class Ok>
std::vector<T> parse_numbers(const std::string& option, const std::string& text, Ok ok, const char* what) {
    std::vector<T> out;
    for (const auto& s : split_list(option, text)) {
        const auto v = to_number<T>(s);
        PRISM_CHECK(v && ok(*v), "study", option, " '", text, "': '", s, "' is not ", what);
        out.push_back(*v);
    }
    check_unique(out, option, text);
    return out;
}

}  // namespace

std::vector<std::int64_t> parse_depths(const std::string& text) {
    return parse_numbers<std::int64_t>("--depths", text, [](auto v) { return v >= 1; }, "a positive integer");
}

std::vector<double> parse_data_fractions(const std::string& text) {
    return parse_numbers<double>("--data-fractions", text, [](auto v) { return v > 0 && v <= 1; }, "in (0, 1]");
}

std::vector<int> parse_severities(const std::string& text) {
    return parse_numbers<int>("--severities", text, [](auto v) { return v >= 1 && v <= 5; }, "an integer 1..5");
}

std::vector<std::string> parse_attention_kinds(const std::string& text) {
    auto kinds = split_list("--attention", text);
    for (const auto& k : kinds) models::parse_attention_options(k);  // throws, listing the known kinds
    check_unique(kinds, "--attention", text);
    return kinds;
}

std::vector<data::Corruption> parse_corruptions(const std::string& names, const std::vector<int>& severities) {
    if (names == "none") return {};
    const auto list = names == "all" ? data::corruption_names() : split_list("--corruptions", names);
    check_unique(list, "--corruptions", names);
    std::vector<data::Corruption> out;
    for (const auto& n : list)
        for (int s : severities) out.push_back(data::parse_corruption(n + ":" + std::to_string(s)));  // checks n
    return out;
}

// ---- one run ---------------------------------------------------------------------------------

std::string RunKey::id() const {
    char frac[32];
    std::snprintf(frac, sizeof frac, "%g", data_fraction);
    return attention + "-d" + std::to_string(depth) + "-f" + frac + "-s" + std::to_string(seed);
}

std::vector<RunKey> study_grid(const StudyOptions& o) {
    PRISM_CHECK(o.seeds >= 1, "study", "--seeds must be >= 1, got ", o.seeds);
    PRISM_CHECK(!o.attention.empty() && !o.depths.empty() && !o.data_fractions.empty(), "study",
                "the grid is empty (attention kinds ", o.attention.size(), ", depths ", o.depths.size(),
                ", data fractions ", o.data_fractions.size(), ")");
    std::vector<RunKey> grid;
    for (double f : o.data_fractions)
        for (auto d : o.depths)
            for (const auto& a : o.attention)
                for (std::int64_t s = 0; s < o.seeds; ++s) grid.push_back({a, d, f, static_cast<std::uint64_t>(s)});
    return grid;
}

double RunResult::corrupted_mean() const {
    if (corrupted.empty()) return std::numeric_limits<double>::quiet_NaN();
    double s = 0;
    for (const auto& c : corrupted) s += c.accuracy;
    return s / static_cast<double>(corrupted.size());
}

double RunResult::severity_mean(int severity) const {
    double s = 0;
    int n = 0;
    for (const auto& c : corrupted)
        if (c.severity == severity) s += c.accuracy, ++n;
    return n ? s / n : std::numeric_limits<double>::quiet_NaN();
}

nlohmann::json RunResult::to_json() const {
    nlohmann::json layers_j = nlohmann::json::array(), corr_j = nlohmann::json::array();
    for (const auto& l : layers) layers_j.push_back(layer_to_json(l));
    for (const auto& c : corrupted)
        corr_j.push_back({{"corruption", c.name}, {"severity", c.severity}, {"accuracy", c.accuracy}, {"loss", c.loss}});
    nlohmann::json spectra_j = nlohmann::json::array(), curve_j = nlohmann::json::array();
    for (const auto& sp : spectra) spectra_j.push_back(sp.to_json());
    for (const auto& [step, cs] : cos_curve) curve_j.push_back({step, cs});
    return {{"id", key.id()},
            {"attention", key.attention},
            {"depth", key.depth},
            {"data_fraction", key.data_fraction},
            {"seed", key.seed},
            {"train_samples", train_samples},
            {"test_samples", test_samples},
            {"diag_samples", diag_samples},
            {"steps", steps},
            {"best_val_accuracy", best_val_accuracy},
            {"clean_accuracy", clean_accuracy},
            {"clean_loss", clean_loss},
            {"corrupted_mean_accuracy", corrupted_mean()},
            {"train_seconds", train_seconds},
            {"eval_seconds", eval_seconds},
            {"dominant_share_h", dominant_share_h},
            {"dominant_share_ln", dominant_share_ln},
            {"corrupted", corr_j},
            {"layers", layers_j},
            {"spectra", spectra_j},
            {"cos_curve", curve_j}};
}

RunResult RunResult::from_json(const nlohmann::json& j) {
    try {
        RunResult r;
        r.key = {j.at("attention").get<std::string>(), j.at("depth").get<std::int64_t>(),
                 j.at("data_fraction").get<double>(), j.at("seed").get<std::uint64_t>()};
        r.train_samples = j.at("train_samples");
        r.test_samples = j.at("test_samples");
        r.diag_samples = j.at("diag_samples");
        r.steps = j.at("steps");
        r.best_val_accuracy = json_num(j.at("best_val_accuracy"));
        r.clean_accuracy = json_num(j.at("clean_accuracy"));
        r.clean_loss = json_num(j.at("clean_loss"));
        r.train_seconds = json_num(j.at("train_seconds"));
        r.eval_seconds = json_num(j.at("eval_seconds"));
        r.dominant_share_h = json_num(j.at("dominant_share_h"));
        r.dominant_share_ln = json_num(j.at("dominant_share_ln"));
        for (const auto& c : j.at("corrupted"))
            r.corrupted.push_back(
                {c.at("corruption"), c.at("severity"), json_num(c.at("accuracy")), json_num(c.at("loss"))});
        for (const auto& l : j.at("layers")) r.layers.push_back(layer_from_json(l));
        if (j.contains("spectra"))  // absent in results of older versions
            for (const auto& sp : j.at("spectra")) r.spectra.push_back(LayerSpectrum::from_json(sp));
        if (j.contains("cos_curve"))
            for (const auto& p : j.at("cos_curve"))
                r.cos_curve.push_back({p.at(0).get<std::int64_t>(), json_num(p.at(1))});
        return r;
    } catch (const nlohmann::json::exception& e) {
        throw Error("study", "run result: ", e.what());
    }
}

nlohmann::json run_settings(const StudyOptions& o, const RunKey& k) {
    const auto& b = o.base;
    const auto& t = b.train;
    nlohmann::json corr = nlohmann::json::array();
    for (const auto& c : o.corruptions) corr.push_back(c.str());
    auto opt = [](const std::optional<std::int64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
    return {{"id", k.id()}, {"attention", o.attention_spec(k.attention).to_json()},
            {"qkv_bias", o.qkv_bias}, {"init", o.init}, {"init_norm", o.init_norm},
            {"log_smoothing", b.log_smoothing}, {"hflip", b.hflip ? nlohmann::json(*b.hflip) : nlohmann::json()},
            {"depth", k.depth}, {"data_fraction", k.data_fraction}, {"seed", k.seed},
            {"dataset", b.dataset}, {"preset", b.preset}, {"dim", opt(b.dim)}, {"heads", opt(b.heads)},
            {"patch", opt(b.patch)}, {"mlp_dim", opt(b.mlp_dim)}, {"batch_size", b.batch_size},
            {"val_fraction", b.val_fraction}, {"augment", b.augment}, {"epochs", o.epochs_for(k.data_fraction)}, {"lr", t.lr},
            {"min_lr", t.min_lr}, {"weight_decay", t.weight_decay}, {"warmup_epochs", t.warmup_epochs},
            {"label_smoothing", t.label_smoothing}, {"grad_clip", t.grad_clip},
            {"test_samples", o.test_samples}, {"diag_samples", o.diag_samples}, {"corruptions", corr}};
}

namespace {

// The test subset every run is evaluated on: class-stratified, fixed (seed 0) across runs.
train::VisionData study_data(const StudyOptions& o, const train::VisionData& full) {
    train::VisionData d = full;
    const auto n = full.test->size();
    if (o.test_samples > 0 && o.test_samples < n) {
        const auto keep = data::stratified_fraction(*full.test, data::all_indices(*full.test),
                                                    static_cast<double>(o.test_samples) / n, 0);
        d.test = std::make_shared<const data::ImageDataset>(full.test->subset(keep));
    }
    return d;
}

data::LoaderOptions eval_loader_options(const models::ViTConfig& c, std::uint64_t seed, std::int64_t batch) {
    data::LoaderOptions lo;  // as run_vit evaluates its test set
    lo.batch_size = batch;
    lo.shuffle = false;
    lo.seed = seed;  // the corruption noise: the same images for every method at one seed
    lo.norm.mean.assign(c.input_mean.begin(), c.input_mean.end());
    lo.norm.std.assign(c.input_std.begin(), c.input_std.end());
    return lo;
}

// Clean accuracy comes from run_vit; here: the corrupted test sets and the diagnostics of the
// same (best-by-validation) checkpoint.
void evaluate_run(const StudyOptions& o, const train::VisionData& d, const train::VitRunResult& vr,
                  const std::string& dir, RunResult& r) {
    models::ViT model(vr.config);
    const std::string best = dir + "/best.safetensors";
    model.load_state_dict(io::load_checkpoint(fs::exists(best) ? best : dir + "/last.safetensors").model);
    model.eval();
    auto forward = [&](const Tensor& x) { return model.forward(x); };
    for (const auto& c : o.corruptions) {
        auto lo = eval_loader_options(vr.config, r.key.seed, 500);
        lo.corruption = c;
        data::DataLoader test(d.test, {}, lo);
        const auto e = train::evaluate(model, forward, test);
        r.corrupted.push_back({c.name, c.severity, e.accuracy, e.loss});
    }
    // diagnostics: the first diag_samples clean test images (B, Cin, H, W), normalised
    const auto lo = eval_loader_options(vr.config, 0, std::min<std::int64_t>(o.diag_samples, d.test->size()));
    data::DataLoader first(d.test, {}, lo);
    const Tensor images = first.make_batch(0, 0).images;
    const diag::SpectrumReport rep = diag::analyse_vit(model, images);
    r.layers = rep.smoothing;
    r.spectra = layer_spectra(rep);
    r.diag_samples = images.size(0);
    if (rep.dominant_cases > 0) {
        r.dominant_share_h = static_cast<double>(rep.dominant_at_one_h) / rep.dominant_cases;
        r.dominant_share_ln = static_cast<double>(rep.dominant_at_one_ln) / rep.dominant_cases;
    }
}

// (step, last-layer cos sim) of the "probe" records; a step logged twice (a resumed run) keeps
// its last record.
std::vector<std::pair<std::int64_t, double>> read_cos_curve(const std::string& path) {
    std::map<std::int64_t, double> by_step;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        if (line.find("\"probe\"") == std::string::npos) continue;
        try {
            const auto j = nlohmann::json::parse(line);
            if (j.value("type", "") != "probe") continue;
            const auto& cs = j.at("smoothing").at("cos_sim");
            if (cs.empty()) continue;
            by_step[j.at("step").get<std::int64_t>()] = json_num(cs.back());
        } catch (const nlohmann::json::exception& e) {
            throw Error("study", path, ": probe record: ", e.what());
        }
    }
    return {by_step.begin(), by_step.end()};
}

RunResult train_and_evaluate(const StudyOptions& o, const train::VisionData& d, const RunKey& k, const std::string& dir) {
    using clock = std::chrono::steady_clock;
    train::VitRunOptions v = o.base;
    v.depth = k.depth;
    v.data_fraction = k.data_fraction;
    v.seed = k.seed;
    v.attention = o.attention_spec(k.attention);
    v.qkv_bias = o.qkv_bias;
    v.init = o.init;
    v.init_norm = o.init_norm;
    v.train.epochs = o.epochs_for(k.data_fraction);
    v.train.out_dir = dir;
    v.train.resume = true;  // continues from last.safetensors when an earlier invocation left one
    v.train.verbose = o.verbose;
    const auto t0 = clock::now();
    const train::VitRunResult vr = train::run_vit(v, &d);
    const auto t1 = clock::now();
    RunResult r;
    r.key = k;
    r.train_samples = vr.train_samples;
    r.test_samples = vr.test.samples;
    r.steps = vr.fit.steps;
    r.best_val_accuracy = vr.fit.best_val_accuracy;
    r.clean_accuracy = vr.test.accuracy;
    r.clean_loss = vr.test.loss;
    evaluate_run(o, d, vr, dir, r);
    if (o.base.log_smoothing > 0) r.cos_curve = read_cos_curve(dir + "/metrics.jsonl");
    r.train_seconds = std::chrono::duration<double>(t1 - t0).count();
    r.eval_seconds = std::chrono::duration<double>(clock::now() - t1).count();
    return r;
}


}  // namespace

StudyResult run_study(const StudyOptions& o, const train::VisionData* preloaded) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto grid = study_grid(o);
    PRISM_CHECK(o.diag_samples >= 1, "study", "diag_samples must be >= 1, got ", o.diag_samples);
    train::VisionData loaded;
    if (!preloaded) loaded = train::load_vision_data(o.base.dataset, 0);
    const train::VisionData d = study_data(o, preloaded ? *preloaded : loaded);

    StudyResult res;
    const auto n = grid.size();
    for (std::size_t i = 0; i < n; ++i) {
        const RunKey& k = grid[i];
        const std::string dir = (fs::path(o.out_dir) / "runs" / k.id()).string();
        const std::string settings_path = dir + "/settings.json", result_path = dir + "/result.json";
        const nlohmann::json settings = run_settings(o, k);
        fs::create_directories(dir);
        if (fs::exists(settings_path)) {
            const auto old = read_json(settings_path, "study");
            PRISM_CHECK(old == settings, "study", dir, " holds a run with other settings (", dump_json(old),
                        "; now ", dump_json(settings), "): use another --out or delete that directory");
        }
        const char* who = o.worker.c_str();
        if (fs::exists(result_path)) {
            res.runs.push_back(RunResult::from_json(read_json(result_path, "study")));
            ++res.skipped;
            std::printf("%s[%zu/%zu] skip %s: finished earlier (clean %.2f%%)\n", who, i + 1, n, k.id().c_str(),
                        res.runs.back().clean_accuracy * 100);
            std::fflush(stdout);
            continue;
        }
        std::unique_ptr<CellClaim> claim;
        if (o.claim_cells) {
            std::string holder;
            claim = CellClaim::try_claim(dir + "/claim.lock", o.stale_claim_seconds, &holder);
            if (!claim) {
                ++res.elsewhere;
                std::printf("%s[%zu/%zu] leave %s: claimed by %s\n", who, i + 1, n, k.id().c_str(), holder.c_str());
                std::fflush(stdout);
                continue;
            }
            if (fs::exists(result_path)) {  // finished by a process that released its claim just now
                res.runs.push_back(RunResult::from_json(read_json(result_path, "study")));
                ++res.skipped;
                continue;
            }
        }
        // (written by the process that runs the cell: with claim_cells, the one holding its claim)
        if (!fs::exists(settings_path)) write_file_atomic(settings_path, dump_json(settings, 1) + "\n");
        std::printf("%s[%zu/%zu] start %s%s\n", who, i + 1, n, k.id().c_str(),
                    fs::exists(dir + "/last.safetensors") ? " (resuming from last.safetensors)" : "");
        std::fflush(stdout);
        RunResult r = train_and_evaluate(o, d, k, dir);
        write_file_atomic(result_path, dump_json(r.to_json(), 1) + "\n");  // last: marks the run finished
        std::printf("%s[%zu/%zu] done  %s: clean %.2f%%, corrupted mean %.2f%%, last-layer cos sim %.3f "
                    "(train %.0f s, eval %.0f s)\n",
                    who, i + 1, n, k.id().c_str(), r.clean_accuracy * 100, r.corrupted_mean() * 100,
                    r.layers.empty() ? 0.0 : r.layers.back().cos_sim, r.train_seconds, r.eval_seconds);
        std::fflush(stdout);
        res.runs.push_back(std::move(r));
        ++res.trained;
    }
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

StudyResult collect_study(const StudyOptions& o) {
    StudyResult res;
    for (const RunKey& k : study_grid(o)) {
        const std::string path = (fs::path(o.out_dir) / "runs" / k.id() / "result.json").string();
        if (fs::exists(path)) res.runs.push_back(RunResult::from_json(read_json(path, "study")));
        else ++res.elsewhere;
    }
    return res;
}

}  // namespace prism::study
