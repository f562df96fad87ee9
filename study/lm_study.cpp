#include "prism/study/lm_study.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "prism/data/text.hpp"
#include "prism/diag/spectrum.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/study/stats.hpp"
#include "prism/study/study_files.hpp"
#include "prism/study/study_report.hpp"

namespace prism::study {

namespace fs = std::filesystem;

LmStudyOptions::LmStudyOptions() {
    base.train.steps = 600;
    base.train.eval_every = 200;
    base.train.sample_tokens = 0;
    base.train.verbose = false;
    base.train.save_every = 100;
}

models::AttentionSpec LmStudyOptions::attention_spec(const std::string& kind) const {
    return models::parse_attention_options(kind, models::options_for(kind, attention_options), "", nn::Task::Language);
}

std::string LmRunResult::id() const {
    return attention + "-d" + std::to_string(depth) + "-s" + std::to_string(seed);
}

nlohmann::json LmRunResult::to_json() const {
    nlohmann::json layers_j = nlohmann::json::array(), spectra_j = nlohmann::json::array();
    for (const auto& l : layers) layers_j.push_back(layer_to_json(l));
    for (const auto& s : spectra) spectra_j.push_back(s.to_json());
    return {{"id", id()},          {"attention", attention}, {"depth", depth},     {"seed", seed},
            {"steps", steps},      {"val_loss", val_loss},   {"bits_per_char", bits_per_char},
            {"val_tokens", val_tokens}, {"train_seconds", train_seconds}, {"layers", layers_j},
            {"spectra", spectra_j}};
}

LmRunResult LmRunResult::from_json(const nlohmann::json& j) {
    try {
        LmRunResult r;
        r.attention = j.at("attention");
        r.depth = j.at("depth");
        r.seed = j.at("seed");
        r.steps = j.at("steps");
        r.val_loss = json_num(j.at("val_loss"));
        r.bits_per_char = json_num(j.at("bits_per_char"));
        r.val_tokens = j.at("val_tokens");
        r.train_seconds = json_num(j.at("train_seconds"));
        for (const auto& l : j.at("layers")) r.layers.push_back(layer_from_json(l));
        for (const auto& s : j.at("spectra")) r.spectra.push_back(LayerSpectrum::from_json(s));
        return r;
    } catch (const nlohmann::json::exception& e) {
        throw Error("lm study", "run result: ", e.what());
    }
}

namespace {


nlohmann::json settings_of(const LmStudyOptions& o, const std::string& kind, std::int64_t depth, std::int64_t seed) {
    const auto& b = o.base;
    const auto& t = b.train;
    auto opt = [](const std::optional<std::int64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
    return {{"attention", o.attention_spec(kind).to_json()}, {"depth", depth}, {"seed", seed},
            {"text", b.text}, {"tokenizer", b.tokenizer}, {"preset", b.preset}, {"dim", opt(b.dim)},
            {"heads", opt(b.heads)}, {"mlp_dim", opt(b.mlp_dim)}, {"context", opt(b.context)},
            {"qkv_bias", o.qkv_bias}, {"init", o.init}, {"init_norm", o.init_norm}, {"steps", t.steps},
            {"batch_size", t.batch_size}, {"lr", t.lr}, {"min_lr", t.min_lr}, {"weight_decay", t.weight_decay},
            {"warmup_steps", t.warmup_steps}, {"grad_clip", t.grad_clip}, {"val_fraction", b.val_fraction},
            {"val_tokens", o.val_tokens}, {"diag_windows", o.diag_windows}};
}

void evaluate(const LmStudyOptions& o, const std::string& dir, LmRunResult& r) {
    const std::string best = dir + "/best.safetensors";
    const auto ck = io::load_checkpoint(fs::exists(best) ? best : dir + "/last.safetensors");
    const auto cfg = models::GPTConfig::from_json(ck.config);
    models::GPT model(cfg);
    model.load_state_dict(ck.model);
    model.eval();
    const auto tok = data::Tokenizer::from_json(cfg.tokenizer);
    const auto corpus = data::load_corpus(o.base.text);
    const auto split = data::split_tokens(tok.encode(corpus.text, corpus.name), o.base.val_fraction);
    std::vector<std::int32_t> val = split.val;
    if (o.val_tokens > 0 && static_cast<std::int64_t>(val.size()) > o.val_tokens + 1) val.resize(o.val_tokens + 1);
    const auto e = train::evaluate_lm(model, val, tok);
    r.val_loss = e.loss;
    r.bits_per_char = e.bits_per_char;
    r.val_tokens = e.tokens;
    // diagnostics: diag_windows windows of the context length spread over the validation split
    const std::int64_t T = cfg.context_length, n = static_cast<std::int64_t>(split.val.size());
    PRISM_CHECK(n > T, "lm study", corpus.name, ": the validation split has ", n, " tokens, fewer than one window of ",
                T + 1);
    const std::int64_t W = o.diag_windows;
    Tensor x = Tensor::empty({W, T}, kInt64);
    auto* p = x.data<std::int64_t>();
    for (std::int64_t b = 0; b < W; ++b) {
        const std::int64_t start = W > 1 ? b * (n - T - 1) / (W - 1) : 0;
        for (std::int64_t t = 0; t < T; ++t) p[b * T + t] = split.val[start + t];
    }
    const auto rep = diag::analyse_model(
        model, *model.h, "transformer.h", [&] { model.forward(x); },
        [&] { return model.wte->forward(x) + model.wpe->forward(Tensor::arange(T, kInt64)); });
    r.layers = rep.smoothing;
    r.spectra = layer_spectra(rep);
}

}  // namespace

std::vector<LmRunResult> run_lm_study(const LmStudyOptions& o) {
    PRISM_CHECK(o.seeds >= 1, "lm study", "--seeds must be >= 1, got ", o.seeds);
    PRISM_CHECK(o.diag_windows >= 1, "lm study", "diag_windows must be >= 1, got ", o.diag_windows);
    std::vector<LmRunResult> out;
    const std::size_t n = o.attention.size() * o.depths.size() * static_cast<std::size_t>(o.seeds);
    std::size_t i = 0;
    for (auto depth : o.depths)
        for (const auto& kind : o.attention)
            for (std::int64_t s = 0; s < o.seeds; ++s) {
                ++i;
                LmRunResult r;
                r.attention = kind;
                r.depth = depth;
                r.seed = s;
                const std::string dir = (fs::path(o.out_dir) / "runs" / r.id()).string();
                fs::create_directories(dir);
                const auto settings = settings_of(o, kind, depth, s);
                const std::string sp = dir + "/settings.json", rp = dir + "/result.json";
                if (fs::exists(sp)) {
                    const auto old = read_json(sp, "lm study");
                    PRISM_CHECK(old == settings, "lm study", dir, " holds a run with other settings (", old.dump(),
                                "; now ", settings.dump(), "): use another --out or delete that directory");
                } else {
                    write_file_atomic(sp, settings.dump(1) + "\n");
                }
                if (fs::exists(rp)) {
                    out.push_back(LmRunResult::from_json(read_json(rp, "lm study")));
                    std::printf("[%zu/%zu] skip %s: finished earlier (val loss %.4f)\n", i, n, r.id().c_str(),
                                out.back().val_loss);
                    continue;
                }
                std::printf("[%zu/%zu] start %s\n", i, n, r.id().c_str());
                std::fflush(stdout);
                train::GptRunOptions g = o.base;
                g.depth = depth;
                g.attention = o.attention_spec(kind);
                g.qkv_bias = o.qkv_bias;
                g.init = o.init;
                g.init_norm = o.init_norm;
                g.train.seed = o.base.train.seed + static_cast<std::uint64_t>(s);
                g.train.out_dir = dir;
                g.train.resume = true;
                const auto t0 = std::chrono::steady_clock::now();
                const auto gr = train::run_gpt(g);
                r.train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                r.steps = gr.fit.steps;
                evaluate(o, dir, r);
                write_file_atomic(rp, r.to_json().dump(1) + "\n");
                std::printf("[%zu/%zu] done  %s: val loss %.4f nats/token, last-layer cos sim %.3f (%.0f s)\n", i, n,
                            r.id().c_str(), r.val_loss, r.layers.empty() ? 0.0 : r.layers.back().cos_sim,
                            r.train_seconds);
                std::fflush(stdout);
                out.push_back(std::move(r));
            }
    return out;
}

std::vector<std::string> write_lm_report(const LmStudyOptions& o, const std::vector<LmRunResult>& runs,
                                         double seconds) {
    PRISM_CHECK(!runs.empty(), "lm study report", "no runs to report");
    const fs::path d(o.out_dir);
    fs::create_directories(d);
    auto values = [&](const std::string& a, std::int64_t depth, auto f) {
        std::vector<double> v(static_cast<std::size_t>(o.seeds), std::numeric_limits<double>::quiet_NaN());
        for (const auto& r : runs)
            if (r.attention == a && r.depth == depth && r.seed < o.seeds) v[static_cast<std::size_t>(r.seed)] = f(r);
        return v;
    };
    auto finite = [](std::vector<double> v) {
        std::erase_if(v, [](double x) { return !std::isfinite(x); });
        return v;
    };
    std::ostringstream s;
    const auto& b = o.base;
    s << "# Oversmoothing study, language model\n\nCommand: `" << o.command_line << "`\n\n"
      << "- Text `" << b.text << "` (" << b.tokenizer << " tokenizer), last " << csv_num(b.val_fraction)
      << " held out; GPT preset `" << b.preset << "` at depths";
    for (auto dd : o.depths) s << " " << dd;
    s << "; " << b.train.steps << " steps of " << b.train.batch_size << " windows, AdamW lr " << csv_num(b.train.lr)
      << ".\n- Methods:";
    for (const auto& a : o.attention) s << " " << a;
    std::vector<models::AttentionSpec> specs;
    for (const auto& a : o.attention) specs.push_back(o.attention_spec(a));
    const std::string params = models::describe_params(specs);
    s << "; seeds " << o.seeds << (params.empty() ? "" : "; " + params) << "; qkv bias "
      << (o.qkv_bias ? "on" : "off") << "; init " << o.init
      << (o.init == "matched" ? " (every head's ||H_h||_2 = " + csv_num(o.init_norm) + " at step 0)" : "") << ".\n"
      << "- Validation loss: nats/token over the first " << (runs.front().val_tokens) << " tokens of the validation "
      << "split, best checkpoint by the training loop's validation estimate. Diagnostics on " << o.diag_windows
      << " validation windows. Wall time of this invocation " << static_cast<long long>(seconds) << " s.\n\n";
    std::vector<std::string> cols{"method"};
    for (auto dd : o.depths) cols.push_back("depth " + std::to_string(dd));
    auto header = [&] {
        s << "|";
        for (const auto& c : cols) s << " " << c << " |";
        s << "\n|---|";
        for (std::size_t i = 1; i < cols.size(); ++i) s << "---:|";
        s << "\n";
    };
    const std::vector<std::pair<std::string, std::function<double(const LmRunResult&)>>> metrics{
        {"Validation loss (nats/token; lower is better)", [](const LmRunResult& r) { return r.val_loss; }},
        {"Last-layer token cosine similarity", [](const LmRunResult& r) { return r.layers.back().cos_sim; }}};
    for (const auto& [title, f] : metrics) {
        s << "## " << title << ", mean ± std over seeds\n\n";
        header();
        for (const auto& a : o.attention) {
            s << "| " << a << " |";
            for (auto dd : o.depths) s << " " << format_mean_std(mean_std(finite(values(a, dd, f))), 1, 4) << " |";
            s << "\n";
        }
        s << "\n";
    }
    s << "## Paired differences against standard attention (method - standard, per seed)\n\n"
      << "95% Student t interval over seeds, n - 1 degrees of freedom; `*` = the interval excludes 0.";
    if (o.seeds < 3) s << " **n = " << o.seeds << " seeds is too small for an interval (n < 3): no CI is given.**";
    s << "\n\n";
    if (std::find(o.attention.begin(), o.attention.end(), "standard") == o.attention.end()) {
        s << "No `standard` runs: no paired differences.\n\n";
    } else {
        for (const auto& [title, f] : metrics) {
            s << "### " << title << "\n\n";
            header();
            for (const auto& a : o.attention) {
                if (a == "standard") continue;
                s << "| " << a << " |";
                for (auto dd : o.depths)
                    s << " " << format_paired(paired_difference(values("standard", dd, f), values(a, dd, f)), 1, 4)
                      << " |";
                s << "\n";
            }
            s << "\n";
        }
    }
    s << "## Files\n\n`results.json` (every run, per-layer smoothing and spectra), `layers.csv`, `runs/<id>/`.\n";
    std::vector<std::string> files;
    write_file_atomic((d / "report.md").string(), s.str());
    files.push_back((d / "report.md").string());
    nlohmann::json j = {{"command", o.command_line}, {"task", "lm"}, {"seconds", seconds}};
    j["settings"] = settings_of(o, o.attention.front(), o.depths.front(), 0);
    j["settings"].erase("attention");
    j["settings"].erase("depth");
    j["settings"].erase("seed");
    j["attention"] = o.attention;
    j["depths"] = o.depths;
    j["seeds"] = o.seeds;
    j["runs"] = nlohmann::json::array();
    for (const auto& r : runs) j["runs"].push_back(r.to_json());
    write_file_atomic((d / "results.json").string(), j.dump(1) + "\n");
    files.push_back((d / "results.json").string());
    std::ostringstream csv;
    csv << "id,attention,depth,seed,layer,name,cos_sim,hc_dc,eff_rank,sigma_ratio,dirichlet,eig_h_min,eig_h_max,"
           "eig_h_max_abs_imag,neg_ln_gain_share,dc_dominant_h,dc_dominant_ln\n";
    for (const auto& r : runs)
        for (const auto& l : r.layers) {
            csv << r.id() << ',' << r.attention << ',' << r.depth << ',' << r.seed << ',' << l.layer << ',' << l.name
                << ',' << csv_num(l.cos_sim) << ',' << csv_num(l.hc_dc) << ',' << csv_num(l.eff_rank) << ','
                << csv_num(l.sigma_ratio) << ',' << csv_num(l.dirichlet);
            const LayerSpectrum* sp = nullptr;
            for (const auto& x : r.spectra)
                if (x.layer == l.layer) sp = &x;
            if (sp)
                csv << ',' << csv_num(sp->eig_min) << ',' << csv_num(sp->eig_max) << ',' << csv_num(sp->eig_max_abs_imag)
                    << ',' << csv_num(sp->neg_ln_share) << ',' << csv_num(sp->dominant_share_h) << ','
                    << csv_num(sp->dominant_share_ln);
            else
                csv << ",,,,,,";
            csv << '\n';
        }
    write_file_atomic((d / "layers.csv").string(), csv.str());
    files.push_back((d / "layers.csv").string());
    return files;
}

}  // namespace prism::study
