#include "prism/study/study_plots.hpp"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>

#include "prism/diag/report.hpp"
#include "prism/study/study_files.hpp"
#include "prism/study/study_report.hpp"

namespace prism::study {

namespace fs = std::filesystem;

namespace {

using Value = std::function<double(const RunResult&)>;

template <class T> std::string tics(const std::vector<T>& xs) {
    std::string s;
    for (const auto& x : xs) s += (s.empty() ? "(" : ", ") + csv_num(static_cast<double>(x));
    return s + ")";
}

std::vector<int> with_clean(std::vector<int> severities) {
    severities.insert(severities.begin(), 0);
    return severities;
}

// One row "x mean std" of the runs of a cell; mean/std scaled.
void dat_row(std::ostringstream& s, double x, const std::vector<const RunResult*>& runs, const Value& v, double scale) {
    std::vector<double> xs;
    for (const RunResult* r : runs) xs.push_back(v(*r));
    const MeanStd m = mean_std(xs);
    s << csv_num(x) << ' ' << csv_num(m.mean * scale) << ' ' << csv_num(m.std * scale) << '\n';
}

struct Plotter {
    const StudyOptions& o;
    const StudyResult& res;
    fs::path dir;          // OUT/plots
    std::string script;    // gnuplot commands
    PlotFiles files;

    std::string names() const {
        std::string s;
        for (const auto& a : o.attention) s += (s.empty() ? "" : " ") + a;
        return "'" + s + "'";
    }
    std::string write_dat(const std::string& name, const std::string& text) {
        write_file_atomic((dir / name).string(), text);
        return diag::gnuplot_quote((dir / name).string());
    }
    // `panels` plots side by side, panel p drawing index blocks p*NM .. p*NM+NM-1, x jittered
    // per method by `jitter` so the error bars do not overlap.
    // xtics: a gnuplot tic list, e.g. "(2, 6)".
    void plot(const std::string& png, const std::string& title, const std::string& dat, const std::string& xlabel,
              const std::string& ylabel, const std::vector<std::string>& panel_titles, double jitter,
              const std::string& xtics) {
        const auto nm = o.attention.size(), np = panel_titles.size();
        script += "set terminal pngcairo size " + std::to_string(200 + 520 * np) + ",480 enhanced font 'sans,10'\n";
        script += "set xtics " + xtics + "\n";
        script += "set output " + diag::gnuplot_quote((dir / png).string()) + "\n";
        script += "set multiplot layout 1," + std::to_string(np) + " title '" + title + "' noenhanced\n";
        script += "set xlabel '" + xlabel + "'\nset ylabel '" + ylabel + "'\n";
        for (std::size_t p = 0; p < np; ++p) {
            script += "set title '" + panel_titles[p] + "' noenhanced\n";
            script += "plot for [i=0:" + std::to_string(nm - 1) + "] " + dat + " index (" + std::to_string(p * nm) +
                      "+i) using ($1+(i-" + csv_num((nm - 1) / 2.0) + ")*" + csv_num(jitter) +
                      "):2:3 with yerrorlines lw 2 pt 7 ps 0.8 title word(" + names() + ", i+1)\n";
        }
        script += "unset multiplot\n";
        files.pngs.push_back({"plots/" + png, title});
    }

    void fraction(double f) {
        const std::string tag = "f" + csv_num(f), frac = "data fraction " + csv_num(f);
        const auto [dmin, dmax] = std::minmax_element(o.depths.begin(), o.depths.end());
        std::ostringstream acc, cos, sev;
        for (const auto& a : o.attention) {
            acc << "# " << a << "\n";
            auto depths = o.depths;
            std::sort(depths.begin(), depths.end());
            for (auto d : depths) dat_row(acc, d, cell_runs(res.runs, a, d, f), [](auto& r) { return r.clean_accuracy; }, 100);
            acc << "\n\n";
        }
        plot("accuracy_vs_depth_" + tag + ".png", "clean test accuracy vs depth, " + frac + " (mean +- std over seeds)",
             write_dat("accuracy_vs_depth_" + tag + ".dat", acc.str()), "depth", "accuracy (%)", {""},
             std::max<double>(1, static_cast<double>(*dmax - *dmin)) * 0.01, tics(o.depths));
        std::vector<std::string> panels;
        for (auto d : o.depths) {
            panels.push_back("depth " + std::to_string(d));
            for (const auto& a : o.attention) {
                cos << "# " << a << " depth " << d << "\n";
                const auto runs = cell_runs(res.runs, a, d, f);
                for (std::int64_t l = 0; l <= d; ++l)
                    dat_row(cos, static_cast<double>(l), runs, [l](auto& r) { return r.layers.at(l).cos_sim; }, 1);
                cos << "\n\n";
                if (o.corruptions.empty()) continue;
                sev << "# " << a << " depth " << d << "\n";
                dat_row(sev, 0, runs, [](auto& r) { return r.clean_accuracy; }, 100);
                for (int v : o.severities()) dat_row(sev, v, runs, [v](auto& r) { return r.severity_mean(v); }, 100);
                sev << "\n\n";
            }
        }
        plot("cos_sim_vs_layer_" + tag + ".png", "token cosine similarity vs layer (0 = embedding), " + frac,
             write_dat("cos_sim_vs_layer_" + tag + ".dat", cos.str()), "layer", "mean pairwise cosine similarity",
             panels, 0.03, *dmax <= 12 ? "1" : "autofreq");
        if (o.base.log_smoothing > 0) {  // last-layer cos sim over training, mean +- std over seeds
            std::ostringstream curve;
            for (auto d : o.depths)
                for (const auto& a : o.attention) {
                    curve << "# " << a << " depth " << d << "\n";
                    std::map<std::int64_t, std::vector<double>> by_step;
                    for (const RunResult* r : cell_runs(res.runs, a, d, f))
                        for (const auto& [step, cs] : r->cos_curve) by_step[step].push_back(cs);
                    for (const auto& [step, v] : by_step) {
                        const MeanStd m = mean_std(v);
                        curve << step << ' ' << csv_num(m.mean) << ' ' << csv_num(m.std) << '\n';
                    }
                    curve << "\n\n";
                }
            plot("cos_sim_vs_step_" + tag + ".png",
                 "last-layer token cosine similarity during training (validation probe batch), " + frac,
                 write_dat("cos_sim_vs_step_" + tag + ".dat", curve.str()), "step", "mean pairwise cosine similarity",
                 panels, 0, "autofreq");
        }
        if (!o.corruptions.empty())
            plot("accuracy_vs_severity_" + tag + ".png",
                 "test accuracy vs corruption severity (0 = clean; mean over corruptions), " + frac,
                 write_dat("accuracy_vs_severity_" + tag + ".dat", sev.str()), "severity", "accuracy (%)", panels, 0.04,
                 tics(with_clean(o.severities())));
    }
};

}  // namespace

PlotFiles write_study_plots(const StudyOptions& o, const StudyResult& res, const std::string& out_dir) {
    Plotter p{o, res, fs::path(out_dir) / "plots", "", {}};
    if (!diag::gnuplot_available()) {
        p.files.why = "gnuplot with the pngcairo terminal was not found (apt-get install gnuplot-nox)";
        return p.files;
    }
    fs::create_directories(p.dir);
    p.script = "set grid\nset key outside right top noenhanced\nset bars small\nset offsets graph 0.05, graph 0.05, 0, 0\n";
    for (double f : o.data_fractions) p.fraction(f);
    p.script += "set output\n";
    const int rc = diag::run_gnuplot(p.script);
    for (const auto& [png, title] : p.files.pngs) {
        const fs::path path = fs::path(out_dir) / png;
        if (rc == 0 && (!fs::exists(path) || fs::file_size(path) == 0)) {
            p.files.why = "gnuplot did not write " + path.string();
            p.files.pngs.clear();
            return p.files;
        }
    }
    if (rc != 0) {
        p.files.why = "gnuplot failed (exit status " + std::to_string(rc) + ")";
        p.files.pngs.clear();
        return p.files;
    }
    p.files.made = true;
    return p.files;
}

}  // namespace prism::study
