#include "prism/study/init_check.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "prism/diag/report.hpp"
#include "prism/study/study_files.hpp"

namespace prism::study {

namespace fs = std::filesystem;

std::vector<InitCheckCurve> run_init_check(const InitCheckOptions& o, const train::VisionData* preloaded) {
    const StudyOptions& so = o.study;
    PRISM_CHECK(o.steps >= 0, "study --init-only", "--init-steps must be >= 0, got ", o.steps);
    PRISM_CHECK(o.batch_size >= 1, "study --init-only", "batch size must be >= 1, got ", o.batch_size);
    train::VisionData loaded;
    if (!preloaded) loaded = train::load_vision_data(so.base.dataset, 0);
    const train::VisionData& d = preloaded ? *preloaded : loaded;
    std::vector<InitCheckCurve> out;
    for (auto depth : so.depths)
        for (const auto& kind : so.attention) {
            const auto t0 = std::chrono::steady_clock::now();
            train::VitRunOptions v = so.base;
            v.depth = depth;
            v.attention = so.attention_spec(kind);
            v.qkv_bias = so.qkv_bias;
            v.init = so.init;
            v.init_norm = so.init_norm;
            const auto cfg = train::make_vit_config(v, d);
            manual_seed(0);  // the same init stream for every kind
            models::ViT model(cfg);
            data::LoaderOptions lo;
            lo.norm.mean.assign(cfg.input_mean.begin(), cfg.input_mean.end());
            lo.norm.std.assign(cfg.input_std.begin(), cfg.input_std.end());
            lo.shuffle = false;
            lo.prefetch = false;
            lo.batch_size = std::min<std::int64_t>(o.diag_samples, d.test->size());
            data::DataLoader first(d.test, {}, lo);
            const Tensor images = first.make_batch(0, 0).images;  // the first test images, fixed
            InitCheckCurve c;
            c.attention = kind;
            c.depth = depth;
            c.steps = o.steps;
            c.at_init = diag::smoothing_profile(model, images);
            if (o.steps > 0) {
                data::LoaderOptions tl = lo;
                tl.shuffle = true;
                tl.seed = 0;
                tl.batch_size = o.batch_size;
                tl.prefetch = true;
                data::DataLoader train(d.train, {}, tl);
                train::ClassifierOptions co = so.base.train;
                co.out_dir.clear();
                co.resume = false;
                co.verbose = false;
                co.warmup_epochs = 0;
                co.min_lr = co.lr;  // constant lr over the few steps
                co.epochs = (o.steps + train.batches_per_epoch() - 1) / train.batches_per_epoch();
                co.max_steps = o.steps;
                co.log_every = 0;
                train::fit_classifier(model, [&](const Tensor& x) { return model.forward(x); }, train, nullptr, co,
                                      cfg.to_json());
                c.after = diag::smoothing_profile(model, images);
            }
            c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::printf("init check %s depth %lld: last-layer cos sim %.3f at init%s (%.0f s)\n", kind.c_str(),
                        static_cast<long long>(depth), c.at_init.back().cos_sim,
                        c.after.empty() ? "" : Error::cat(", ", c.after.back().cos_sim, " after ", o.steps, " steps").c_str(),
                        c.seconds);
            std::fflush(stdout);
            out.push_back(std::move(c));
        }
    return out;
}

std::vector<std::string> write_init_check(const InitCheckOptions& o, const std::vector<InitCheckCurve>& curves,
                                          bool plots) {
    PRISM_CHECK(!curves.empty(), "study --init-only", "nothing measured");
    const StudyOptions& so = o.study;
    const fs::path dir = fs::path(so.out_dir) / "init";
    fs::create_directories(dir);
    std::vector<std::string> files;
    const bool has_after = o.steps > 0;
    // curves.csv
    std::ostringstream csv;
    csv << "attention,depth,phase,steps,layer,cos_sim,hc_dc,eff_rank,sigma_ratio,dirichlet\n";
    for (const auto& c : curves)
        for (int ph = 0; ph < (has_after ? 2 : 1); ++ph)
            for (const auto& l : ph == 0 ? c.at_init : c.after)
                csv << c.attention << ',' << c.depth << ',' << (ph == 0 ? "init" : "trained") << ','
                    << (ph == 0 ? 0 : c.steps) << ',' << l.layer << ',' << csv_num(l.cos_sim) << ','
                    << csv_num(l.hc_dc) << ',' << csv_num(l.eff_rank) << ',' << csv_num(l.sigma_ratio) << ','
                    << csv_num(l.dirichlet) << '\n';
    write_file_atomic((dir / "curves.csv").string(), csv.str());
    files.push_back((dir / "curves.csv").string());

    // plots: per quantity, panels (depth x phase), one line per kind
    std::vector<std::pair<std::string, std::string>> pngs;
    std::string why;
    if (!plots) why = "--no-plots was given";
    else if (!diag::gnuplot_available()) why = "gnuplot with the pngcairo terminal was not found";
    if (why.empty()) {
        std::string script = "set grid\nset key outside right top noenhanced\n";
        const std::size_t nph = has_after ? 2 : 1, nd = so.depths.size(), nk = so.attention.size();
        std::string names;
        for (const auto& a : so.attention) names += (names.empty() ? "" : " ") + a;
        for (const auto& [q, label] : {std::pair<std::string, std::string>{"cos_sim", "mean pairwise cosine similarity"},
                                       {"hc_dc", "|HC|_F / |DC|_F"}}) {
            std::ostringstream dat;
            for (auto depth : so.depths)
                for (std::size_t ph = 0; ph < nph; ++ph)
                    for (const auto& a : so.attention) {
                        dat << "# " << a << " depth " << depth << (ph ? " trained" : " init") << "\n";
                        for (const auto& c : curves)
                            if (c.attention == a && c.depth == depth)
                                for (const auto& l : ph == 0 ? c.at_init : c.after)
                                    dat << l.layer << ' ' << csv_num(q == "cos_sim" ? l.cos_sim : l.hc_dc) << '\n';
                        dat << "\n\n";
                    }
            const std::string datf = (dir / (q + "_vs_layer.dat")).string(), png = q + "_vs_layer.png";
            write_file_atomic(datf, dat.str());
            script += "set terminal pngcairo size " + std::to_string(200 + 520 * nph) + "," +
                      std::to_string(80 + 380 * nd) + " enhanced font 'sans,10'\n";
            script += "set output " + diag::gnuplot_quote((dir / png).string()) + "\n";
            script += "set multiplot layout " + std::to_string(nd) + "," + std::to_string(nph) + " title '" + label +
                      " vs layer (0 = embedding)' noenhanced\n";
            script += "set xlabel 'layer'\nset ylabel '" + label + "' noenhanced\n";
            if (q == "hc_dc") script += "set logscale y\n";
            for (std::size_t di = 0; di < nd; ++di)
                for (std::size_t ph = 0; ph < nph; ++ph) {
                    const std::size_t block = (di * nph + ph) * nk;
                    script += "set title 'depth " + std::to_string(so.depths[di]) +
                              (ph ? ", after " + std::to_string(o.steps) + " steps" : std::string(", at initialisation")) +
                              "' noenhanced\n";
                    script += "plot for [i=0:" + std::to_string(nk - 1) + "] " + diag::gnuplot_quote(datf) + " index (" +
                              std::to_string(block) + "+i) using 1:2 with linespoints lw 2 pt 7 ps 0.5 title word('" +
                              names + "', i+1)\n";
                }
            script += "unset multiplot\nunset logscale y\n";
            pngs.push_back({png, label});
        }
        script += "set output\n";
        const int rc = diag::run_gnuplot(script);
        if (rc != 0) why = "gnuplot failed (exit status " + std::to_string(rc) + ")";
    }
    // report.md
    std::ostringstream md;
    md << "# Theory check at initialisation\n\nCommand: `" << so.command_line << "`\n\n"
       << "ViT `" << so.base.preset << "` on `" << so.base.dataset << "`, init " << so.init
       << (so.init == "matched" ? " (every head's ||H_h||_2 = " + csv_num(so.init_norm) + ")" : "") << ", qkv bias "
       << (so.qkv_bias ? "on" : "off") << "; measured on the first " << o.diag_samples << " test images at initialisation" << (has_after ? " and after " + std::to_string(o.steps) +
                                                                " AdamW steps (batch " + std::to_string(o.batch_size) +
                                                                ", lr " + csv_num(so.base.train.lr) + ")"
                                                          : std::string())
       << ". The theory (paper-notes.md section 1): positive spectra of H smooth (cosine similarity rises "
          "towards 1, HC/DC falls with depth), negative spectra in [-1, 0) sharpen.\n\n"
       << "| method | depth | cos sim, last layer, init | HC/DC, last layer, init |"
       << (has_after ? " cos sim, last layer, trained | HC/DC, last layer, trained |" : "") << "\n|---|---:|---:|---:|"
       << (has_after ? "---:|---:|" : "") << "\n";
    auto f3 = [](double v) {
        char b[32];
        std::snprintf(b, sizeof b, "%.3f", v);
        return std::string(b);
    };
    for (const auto& c : curves) {
        md << "| " << c.attention << " | " << c.depth << " | " << f3(c.at_init.back().cos_sim) << " | "
           << f3(c.at_init.back().hc_dc) << " |";
        if (has_after) md << " " << f3(c.after.back().cos_sim) << " | " << f3(c.after.back().hc_dc) << " |";
        md << "\n";
    }
    md << "\n";
    if (why.empty()) {
        for (const auto& [png, title] : pngs) {
            md << "![" << title << " vs layer](" << png << ")\n\n";
            files.push_back((dir / png).string());
        }
    } else {
        md << "Plots skipped: " << why << ". Every number is in curves.csv.\n";
    }
    write_file_atomic((dir / "report.md").string(), md.str());
    files.push_back((dir / "report.md").string());
    return files;
}

}  // namespace prism::study
