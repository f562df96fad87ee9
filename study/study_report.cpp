#include "prism/study/study_report.hpp"
#include "prism/core/json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <sstream>

#include "prism/core/error.hpp"
#include "prism/models/vit.hpp"
#include "prism/study/study_files.hpp"
#include "prism/study/study_plots.hpp"
#include "prism/study/stats.hpp"

namespace prism::study {

namespace fs = std::filesystem;

MeanStd mean_std(const std::vector<double>& v) {
    MeanStd m;
    m.n = static_cast<std::int64_t>(v.size());
    if (v.empty()) return m;
    for (double x : v) m.mean += x;
    m.mean /= static_cast<double>(v.size());
    if (v.size() > 1) {
        double ss = 0;
        for (double x : v) ss += (x - m.mean) * (x - m.mean);
        m.std = std::sqrt(ss / static_cast<double>(v.size() - 1));
    }
    return m;
}

std::string format_mean_std(const MeanStd& m, double scale, int digits) {
    if (m.n == 0) return "-";
    char b[96];
    std::snprintf(b, sizeof b, "%.*f ± %.*f", digits, m.mean * scale, digits, m.std * scale);
    return b;
}

std::vector<const RunResult*> cell_runs(const std::vector<RunResult>& runs, const std::string& attention,
                                        std::int64_t depth, double data_fraction) {
    std::vector<const RunResult*> out;
    for (const auto& r : runs)
        if (r.key.attention == attention && r.key.depth == depth && r.key.data_fraction == data_fraction)
            out.push_back(&r);
    return out;
}

namespace {

MeanStd over_seeds(const std::vector<RunResult>& runs, const std::string& a, std::int64_t d, double f,
                   const std::function<double(const RunResult&)>& value) {
    std::vector<double> v;
    for (const RunResult* r : cell_runs(runs, a, d, f)) v.push_back(value(*r));
    return mean_std(v);
}

// A markdown table: one row per method, cells mean +- std; in each column the best mean (max
// or min, ties included) is bold; mark = 0 marks nothing.
std::string md_table(const std::vector<std::string>& header, const std::vector<std::string>& rows,
                     const std::vector<std::vector<MeanStd>>& cells, double scale, int digits, int mark) {
    std::ostringstream s;
    s << "|";
    for (const auto& h : header) s << " " << h << " |";
    s << "\n|";
    for (std::size_t c = 0; c < header.size(); ++c) s << (c == 0 ? "---|" : "---:|");
    s << "\n";
    const std::size_t ncol = header.size() - 1;
    std::vector<double> best(ncol, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t c = 0; c < ncol; ++c)
        for (const auto& row : cells) {
            const double m = row[c].mean;
            if (row[c].n == 0 || !std::isfinite(m)) continue;
            if (std::isnan(best[c]) || m * mark > best[c] * mark) best[c] = m;
        }
    for (std::size_t r = 0; r < rows.size(); ++r) {
        s << "| " << rows[r] << " |";
        for (std::size_t c = 0; c < ncol; ++c) {
            const std::string v = format_mean_std(cells[r][c], scale, digits);
            const bool bold = mark != 0 && cells[r][c].n > 0 && cells[r][c].mean == best[c];
            s << " " << (bold ? "**" + v + "**" : v) << " |";
        }
        s << "\n";
    }
    return s.str();
}

std::string join(const std::vector<std::string>& v, const std::string& sep = ", ") {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

template <class T> std::string join_nums(const std::vector<T>& v) {
    std::vector<std::string> s;
    for (const auto& x : v) s.push_back(csv_num(static_cast<double>(x)));
    return join(s);
}

std::string fraction_label(double f, const std::vector<RunResult>& runs) {
    std::int64_t n = 0;
    for (const auto& r : runs)
        if (r.key.data_fraction == f) n = r.train_samples;
    return "data fraction " + csv_num(f) + " (" + std::to_string(n) + " training images)";
}

std::string epochs_text(const StudyOptions& o) {
    if (o.fraction_epochs.empty()) return std::to_string(o.base.train.epochs) + " epochs";
    std::string s;
    for (double f : o.data_fractions)
        s += (s.empty() ? "" : ", ") + std::to_string(o.epochs_for(f)) + " epochs at data fraction " + csv_num(f);
    return s;
}

std::string scale_text(const StudyOptions& o, const StudyResult& res) {
    const auto& b = o.base;
    models::ViTConfig c = models::ViTConfig::preset(b.preset);
    double train_s = 0, eval_s = 0;
    std::int64_t test_n = 0, diag_n = 0;
    for (const auto& r : res.runs) train_s += r.train_seconds, eval_s += r.eval_seconds, test_n = r.test_samples,
                                   diag_n = r.diag_samples;
    char t[512];
    std::snprintf(t, sizeof t,
                  "- Runs: %zu (%lld trained by this invocation, %lld finished earlier and skipped); wall time of "
                  "this invocation %.0f s; summed over runs %.0f s of training and %.0f s of evaluation.\n",
                  res.runs.size(), static_cast<long long>(res.trained), static_cast<long long>(res.skipped),
                  res.seconds, train_s, eval_s);
    std::vector<models::AttentionSpec> specs;
    for (const auto& a : o.attention) specs.push_back(o.attention_spec(a));
    const std::string params = models::describe_params(specs);  // "neutreno alpha 0.6; ..."
    std::ostringstream s;
    s << "- Dataset `" << b.dataset << "`; model `" << b.preset << "` (dim " << b.dim.value_or(c.dim) << ", heads "
      << b.heads.value_or(c.heads) << ", patch " << b.patch.value_or(c.patch_size) << ", MLP "
      << b.mlp_dim.value_or(c.mlp_dim) << ") at depths " << join_nums(o.depths) << ".\n"
      << "- Methods: " << join(o.attention) << "; seeds 0.." << o.seeds - 1 << "; data fractions "
      << join_nums(o.data_fractions) << ".\n"
      << "- Training: " << epochs_text(o) << ", batch " << b.batch_size << ", AdamW lr " << csv_num(b.train.lr)
      << " (cosine to " << csv_num(b.train.min_lr) << ", " << csv_num(b.train.warmup_epochs)
      << " warm-up epochs), weight decay " << csv_num(b.train.weight_decay) << ", validation fraction "
      << csv_num(b.val_fraction) << (b.augment ? ", augmentation on" : ", no augmentation")
      << ", label smoothing " << csv_num(b.train.label_smoothing)
      << "; the test numbers are of the best checkpoint by validation accuracy.\n"
      << "- Attention: qkv bias " << (o.qkv_bias ? "on" : "off (the paper's models have none)") << "; init "
      << (o.init == "matched" ? "matched: every head's H_h = W_V^h W_O^h (spectral kinds: V_h Lambda_h V_h^T, rotate: V_h B_h V_h^T) scaled to "
                                "spectral norm " + csv_num(o.init_norm) + " at step 0, whatever the kind"
                              : std::string("default: timm's init for standard attention (||H_h||_2 near 0.1), psi ~ U(0, 1) "
                                            "for the spectral kinds (eigenvalues up to ~1)"))
      << (params.empty() ? "" : "; " + params)
      << (b.log_smoothing > 0 ? "; smoothing logged every " + std::to_string(b.log_smoothing) + " steps" : std::string())
      << ".\n"
      << "- Evaluation: " << test_n << " test images (class-stratified, the same for every run); corruptions "
      << (o.corruptions.empty() ? std::string("none") : join(o.corruption_list()) + " at severities " +
                                                            join_nums(o.severities()))
      << " (noise seeded by the run's seed); diagnostics on the first " << diag_n << " of those test images.\n"
      << t;
    return s.str();
}

// Per seed: value of (a, d, f, seed) or NaN when that run is missing.
std::vector<double> by_seed(const std::vector<RunResult>& runs, const StudyOptions& o, const std::string& a,
                            std::int64_t d, double f, const std::function<double(const RunResult&)>& v) {
    std::vector<double> out(static_cast<std::size_t>(o.seeds), std::numeric_limits<double>::quiet_NaN());
    for (const RunResult* r : cell_runs(runs, a, d, f))
        if (r->key.seed < out.size()) out[r->key.seed] = v(*r);
    return out;
}

std::string paired_section(const StudyOptions& o, const std::vector<RunResult>& runs) {
    const std::string base = "standard";
    std::ostringstream s;
    s << "## Paired differences against standard attention\n\n";
    if (std::find(o.attention.begin(), o.attention.end(), base) == o.attention.end()) {
        s << "No `standard` runs in this grid, so no paired differences.\n\n";
        return s.str();
    }
    s << "Per seed, method minus standard (same seed: same data split, order and corruption noise); mean "
         "difference and its 95% confidence interval, Student t with n - 1 degrees of freedom over the n seeds. "
         "`*` = significant (the interval excludes 0).";
    if (o.seeds < 3) s << " **n = " << o.seeds << " seeds is too small for an interval (n < 3): no CI is given.**";
    s << "\n\n";
    struct Metric {
        const char* title;
        std::function<double(const RunResult&)> v;
        double scale;
        int digits;
        bool skip_without_corruptions;
    };
    const std::vector<Metric> metrics{
        {"clean test accuracy (points)", [](auto& r) { return r.clean_accuracy; }, 100, 2, false},
        {"corrupted test accuracy, mean over corruptions and severities (points)",
         [](auto& r) { return r.corrupted_mean(); }, 100, 2, true},
        {"last-layer token cosine similarity", [](auto& r) { return r.layers.back().cos_sim; }, 1, 3, false}};
    std::vector<std::string> header{"method"};
    for (auto d : o.depths) header.push_back("depth " + std::to_string(d));
    std::vector<std::string> significant;
    for (const auto& m : metrics) {
        if (m.skip_without_corruptions && o.corruptions.empty()) continue;
        for (double f : o.data_fractions) {
            s << "### " << m.title << ", " << fraction_label(f, runs) << "\n\n|";
            for (const auto& h : header) s << " " << h << " |";
            s << "\n|---|";
            for (std::size_t i = 1; i < header.size(); ++i) s << "---:|";
            s << "\n";
            for (const auto& a : o.attention) {
                if (a == base) continue;
                s << "| " << a << " |";
                for (auto d : o.depths) {
                    const auto pd = paired_difference(by_seed(runs, o, base, d, f, m.v), by_seed(runs, o, a, d, f, m.v));
                    s << " " << format_paired(pd, m.scale, m.digits) << " |";
                    if (pd.significant())
                        significant.push_back(a + " vs standard, " + m.title + ", depth " + std::to_string(d) +
                                              ", fraction " + csv_num(f) + ": " + format_paired(pd, m.scale, m.digits));
                }
                s << "\n";
            }
            s << "\n";
        }
    }
    if (o.seeds >= 3) {
        s << "Significant differences (95% CI excludes 0): ";
        if (significant.empty()) s << "none.\n\n";
        else {
            s << significant.size() << "\n\n";
            for (const auto& x : significant) s << "- " << x << "\n";
            s << "\n";
        }
    }
    return s.str();
}

void write_md(const StudyOptions& o, const StudyResult& res, const std::string& path, const PlotFiles& plots) {
    const auto& runs = res.runs;
    std::vector<std::string> depth_cols{"method"};
    for (auto d : o.depths) depth_cols.push_back("depth " + std::to_string(d));
    std::ostringstream s;
    s << "# Oversmoothing study\n\n"
      << "Command: `" << (o.command_line.empty() ? "prism study oversmoothing" : o.command_line) << "`"
      << (o.preset_name.empty() ? std::string() : " (the `--" + o.preset_name + "` preset)") << "\n\n"
      << scale_text(o, res) << "\n"
      << "Cells are mean ± std over seeds (sample std; 0 for a single seed). Accuracies in %; "
         "**bold** = best in its column.\n\n";

    s << "## Clean test accuracy (%), method x depth\n\n";
    for (double f : o.data_fractions) {
        std::vector<std::vector<MeanStd>> cells;
        for (const auto& a : o.attention) {
            cells.emplace_back();
            for (auto d : o.depths) cells.back().push_back(over_seeds(runs, a, d, f, [](auto& r) { return r.clean_accuracy; }));
        }
        s << "### " << fraction_label(f, runs) << "\n\n" << md_table(depth_cols, o.attention, cells, 100, 2, +1) << "\n";
    }

    if (!o.corruptions.empty()) {
        s << "## Corrupted test accuracy (%), method x severity\n\nMean over the corruptions ("
          << join(o.corruption_list()) << ") at each severity; `clean` repeats the clean accuracy, `mean` is "
          << "the mean over every corruption and severity. Per corruption: corruptions.csv.\n\n";
        const auto sev = o.severities();
        std::vector<std::string> cols{"method", "clean"};
        for (int v : sev) cols.push_back("severity " + std::to_string(v));
        cols.push_back("mean");
        for (double f : o.data_fractions)
            for (auto d : o.depths) {
                std::vector<std::vector<MeanStd>> cells;
                for (const auto& a : o.attention) {
                    cells.push_back({over_seeds(runs, a, d, f, [](auto& r) { return r.clean_accuracy; })});
                    for (int v : sev)
                        cells.back().push_back(over_seeds(runs, a, d, f, [v](auto& r) { return r.severity_mean(v); }));
                    cells.back().push_back(over_seeds(runs, a, d, f, [](auto& r) { return r.corrupted_mean(); }));
                }
                s << "### depth " << d << ", " << fraction_label(f, runs) << "\n\n"
                  << md_table(cols, o.attention, cells, 100, 2, +1) << "\n";
            }
    }

    s << paired_section(o, runs);

    s << "## Last-layer token cosine similarity, method x depth\n\nMean pairwise cosine similarity of the "
         "last block's output tokens on the diagnostics batch (1 = all tokens parallel); **bold** = lowest "
         "(least smoothing).\n\n";
    for (double f : o.data_fractions) {
        std::vector<std::vector<MeanStd>> cells;
        for (const auto& a : o.attention) {
            cells.emplace_back();
            for (auto d : o.depths)
                cells.back().push_back(over_seeds(runs, a, d, f, [](auto& r) { return r.layers.back().cos_sim; }));
        }
        s << "### " << fraction_label(f, runs) << "\n\n" << md_table(depth_cols, o.attention, cells, 1, 3, -1) << "\n";
    }

    const auto deepest = *std::max_element(o.depths.begin(), o.depths.end());
    s << "## Last-layer diagnostics at depth " << deepest << "\n\nHC/DC = |HC|_F / |DC|_F; effective rank and "
         "sigma2/sigma1 of the token matrix; Dirichlet energy (1/T) sum_ij A_ij |x_i - x_j|^2 on the last block's "
         "attention graph (0 = equal tokens); DC-dominant = share of (layer, head, image) where the DC mode "
         "(lambda_A = 1) alone has the largest growth factor of the kind's own layer map (docs/oversmoothing.md; "
         "ties and not-applicable layers are not counted as DC). Not ranked.\n\n";
    const std::vector<std::string> diag_cols{"method", "cos sim", "HC/DC", "eff. rank", "sigma2/sigma1", "Dirichlet",
                                             "DC-dominant (H)", "DC-dominant (P diag(gamma) H)"};
    const std::vector<std::function<double(const RunResult&)>> diag_values{
        [](auto& r) { return r.layers.back().cos_sim; },     [](auto& r) { return r.layers.back().hc_dc; },
        [](auto& r) { return r.layers.back().eff_rank; },    [](auto& r) { return r.layers.back().sigma_ratio; },
        [](auto& r) { return r.layers.back().dirichlet; },   [](auto& r) { return r.dominant_share_h; },
        [](auto& r) { return r.dominant_share_ln; }};
    for (double f : o.data_fractions) {
        std::vector<std::vector<MeanStd>> cells;
        for (const auto& a : o.attention) {
            cells.emplace_back();
            for (const auto& v : diag_values) cells.back().push_back(over_seeds(runs, a, deepest, f, v));
        }
        s << "### " << fraction_label(f, runs) << "\n\n" << md_table(diag_cols, o.attention, cells, 1, 3, 0) << "\n";
    }

    s << "## Plots\n\n";
    if (!plots.made) {
        s << "Plots skipped: " << plots.why << ". Every number above is in the CSV files.\n\n";
    } else {
        for (const auto& [file, title] : plots.pngs) s << "![" << title << "](" << file << ")\n\n";
    }
    s << "## Files\n\n`runs.csv` (one row per run), `layers.csv` (per run and layer), `corruptions.csv` (per run, "
         "corruption and severity), `results.json` (everything), `runs/<id>/` (checkpoints, metrics.jsonl, "
         "settings.json, result.json of each run).\n";
    write_file_atomic(path, s.str());
}

std::string key_cols(const RunResult& r) {
    return r.key.id() + "," + r.key.attention + "," + std::to_string(r.key.depth) + "," + csv_num(r.key.data_fraction) +
           "," + std::to_string(r.key.seed);
}

// The block-`layer` spectral columns of layers.csv (empty for the last layer, which no block reads).
std::string spectrum_cols(const RunResult& r, std::int64_t layer) {
    for (const auto& sp : r.spectra)
        if (sp.layer == layer)
            return "," + csv_num(sp.eig_min) + "," + csv_num(sp.eig_max) + "," + csv_num(sp.eig_max_abs_imag) + "," +
                   csv_num(sp.neg_ln_share) + "," + csv_num(sp.dominant_share_h) + "," + csv_num(sp.dominant_share_ln);
    return ",,,,,,";
}

void write_csvs(const StudyResult& res, const fs::path& d, diag::ReportFiles& files) {
    std::ostringstream runs, layers, corr;
    runs << "id,attention,depth,data_fraction,seed,train_samples,test_samples,steps,best_val_accuracy,clean_accuracy,"
            "clean_loss,corrupted_mean_accuracy,last_cos_sim,last_hc_dc,last_eff_rank,last_sigma_ratio,last_dirichlet,"
            "dominant_share_h,dominant_share_ln,train_seconds,eval_seconds\n";
    layers << "id,attention,depth,data_fraction,seed,layer,name,cos_sim,hc_dc,eff_rank,sigma_ratio,dirichlet,"
              "eig_h_min,eig_h_max,eig_h_max_abs_imag,neg_ln_gain_share,dc_dominant_h,dc_dominant_ln\n";
    corr << "id,attention,depth,data_fraction,seed,corruption,severity,accuracy,loss\n";
    for (const auto& r : res.runs) {
        const auto& l = r.layers.back();
        runs << key_cols(r) << ',' << r.train_samples << ',' << r.test_samples << ',' << r.steps << ','
             << csv_num(r.best_val_accuracy) << ',' << csv_num(r.clean_accuracy) << ',' << csv_num(r.clean_loss) << ','
             << csv_num(r.corrupted_mean()) << ',' << csv_num(l.cos_sim) << ',' << csv_num(l.hc_dc) << ','
             << csv_num(l.eff_rank) << ',' << csv_num(l.sigma_ratio) << ',' << csv_num(l.dirichlet) << ','
             << csv_num(r.dominant_share_h) << ',' << csv_num(r.dominant_share_ln) << ',' << csv_num(r.train_seconds)
             << ',' << csv_num(r.eval_seconds) << '\n';
        for (const auto& x : r.layers)
            layers << key_cols(r) << ',' << x.layer << ',' << x.name << ',' << csv_num(x.cos_sim) << ','
                   << csv_num(x.hc_dc) << ',' << csv_num(x.eff_rank) << ',' << csv_num(x.sigma_ratio) << ','
                   << csv_num(x.dirichlet) << spectrum_cols(r, x.layer) << '\n';
        for (const auto& c : r.corrupted)
            corr << key_cols(r) << ',' << c.name << ',' << c.severity << ',' << csv_num(c.accuracy) << ','
                 << csv_num(c.loss) << '\n';
    }
    for (auto [name, text] : {std::pair{"runs.csv", runs.str()}, std::pair{"layers.csv", layers.str()},
                              std::pair{"corruptions.csv", corr.str()}}) {
        write_file_atomic((d / name).string(), text);
        files.written.push_back((d / name).string());
    }
}

void write_results_json(const StudyOptions& o, const StudyResult& res, const fs::path& d, diag::ReportFiles& files) {
    nlohmann::json settings = run_settings(o, study_grid(o).front());
    for (const char* k : {"id", "attention", "depth", "data_fraction", "seed"}) settings.erase(k);
    settings["attention"] = o.attention;
    settings["depths"] = o.depths;
    settings["data_fractions"] = o.data_fractions;
    settings["seeds"] = o.seeds;
    nlohmann::json runs = nlohmann::json::array();
    for (const auto& r : res.runs) runs.push_back(r.to_json());
    settings["fraction_epochs"] = nlohmann::json::object();
    for (const auto& [f, e] : o.fraction_epochs) settings["fraction_epochs"][csv_num(f)] = e;
    const nlohmann::json j = {{"command", o.command_line}, {"quick", o.quick}, {"preset", o.preset_name},
                              {"settings", settings},
                              {"invocation", {{"trained", res.trained}, {"skipped", res.skipped}, {"seconds", res.seconds}}},
                              {"runs", runs}};
    write_file_atomic((d / "results.json").string(), dump_json(j, 1) + "\n");
    files.written.push_back((d / "results.json").string());
}

}  // namespace

diag::ReportFiles write_study_report(const StudyOptions& o, const StudyResult& res, const std::string& out_dir,
                                     bool plots) {
    PRISM_CHECK(!res.runs.empty(), "study report", "no runs to report");
    for (const auto& r : res.runs)
        PRISM_CHECK(!r.layers.empty(), "study report", r.key.id(), " has no diagnostics");
    const fs::path d(out_dir);
    fs::create_directories(d);
    diag::ReportFiles files;
    write_csvs(res, d, files);
    write_results_json(o, res, d, files);
    PlotFiles p;
    if (plots) {
        p = write_study_plots(o, res, out_dir);
    } else {
        p.why = "--no-plots was given";
    }
    for (const auto& [file, title] : p.pngs) files.written.push_back((d / file).string());
    files.plots = p.made;
    write_md(o, res, (d / "report.md").string(), p);
    files.written.push_back((d / "report.md").string());
    return files;
}

}  // namespace prism::study
