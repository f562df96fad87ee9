// `prism spectrum`: the oversmoothing diagnostics of one checkpoint on one batch
// (diag/spectrum.hpp, diag/smoothing.hpp; what each one measures: docs/oversmoothing.md),
// written as JSON, CSV and PNG (diag/report.hpp).
//
//   prism spectrum --checkpoint runs/vit/best.safetensors --dataset fashion-mnist --batch 32 --out spectrum/
//   prism spectrum --checkpoint runs/gpt/best.safetensors --text kjv --out spectrum/
//
// ViT: the first N test images (--dataset random: N(0, 1) inputs, no data needed).
// GPT: N windows of context_length tokens spread evenly over the text.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "prism/autograd/functions.hpp"
#include "commands.hpp"
#include "prism/core/error.hpp"
#include "prism/core/rng.hpp"
#include "prism/data/loader.hpp"
#include "prism/diag/report.hpp"
#include "prism/diag/spectrum.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/models/vit.hpp"
#include "prism/train/vision_data.hpp"
#include "prism/data/text.hpp"
#include "prism/data/tokenizer.hpp"
#include "prism/models/gpt.hpp"

namespace prism::cli {

namespace {

struct SpectrumArgs {
    std::string checkpoint, dataset, text, out = "spectrum";
    std::int64_t batch = 32;
    std::uint64_t seed = 0;
    bool no_plots = false;
};

Tensor vit_batch(const models::ViTConfig& cfg, const std::string& spec, std::int64_t n, std::uint64_t seed) {
    if (spec == "random") {
        Generator g(seed);
        return Tensor::randn({n, cfg.in_channels, cfg.image_size, cfg.image_size}, g);
    }
    const auto data = train::load_vision_data(spec, seed);
    PRISM_CHECK(data.test->channels == cfg.in_channels && data.test->height == cfg.image_size, "spectrum",
                "the checkpoint expects (", cfg.in_channels, ", ", cfg.image_size, ", ", cfg.image_size, ") images, ",
                spec, " has (", data.test->channels, ", ", data.test->height, ", ", data.test->width, ")");
    data::LoaderOptions lo;
    lo.batch_size = n;
    lo.shuffle = false;
    lo.prefetch = false;
    lo.norm.mean.assign(cfg.input_mean.begin(), cfg.input_mean.end());
    lo.norm.std.assign(cfg.input_std.begin(), cfg.input_std.end());
    data::DataLoader loader(data.test, {}, lo);
    data::Batch b;
    PRISM_CHECK(loader.next(b), "spectrum", spec, " has no test images");
    return b.images;
}

diag::SpectrumReport analyse_gpt_checkpoint(const io::Checkpoint& ck, const SpectrumArgs& a) {
    const std::string text = a.text.empty() ? "kjv" : a.text;  // as `prism eval gpt`
    auto cfg = models::GPTConfig::from_json(ck.config);
    cfg.check_memory(a.batch, /*training=*/false);  // before allocating the batch
    PRISM_CHECK(!cfg.tokenizer.is_null(), "spectrum", a.checkpoint, " has no tokenizer in its config");
    models::GPT model(cfg);
    model.load_state_dict(ck.model);
    const auto tok = data::Tokenizer::from_json(cfg.tokenizer);
    const auto corpus = data::load_corpus(text);
    const auto ids = tok.encode(corpus.text, corpus.name);
    const std::int64_t T = cfg.context_length, n = static_cast<std::int64_t>(ids.size());
    PRISM_CHECK(n > T, "spectrum", corpus.name, " has ", n, " tokens, fewer than one window of ", T + 1);
    Tensor x = Tensor::empty({a.batch, T}, kInt64);
    auto* p = x.data<std::int64_t>();
    for (std::int64_t b = 0; b < a.batch; ++b) {
        const std::int64_t start = a.batch > 1 ? b * (n - T - 1) / (a.batch - 1) : 0;
        for (std::int64_t t = 0; t < T; ++t) p[b * T + t] = ids[start + t];
    }
    auto rep = diag::analyse_model(
        model, *model.h, "transformer.h", [&] { model.forward(x); },
        // the block input, as GPT::forward builds it
        [&] { return model.wte->forward(x) + model.wpe->forward(Tensor::arange(T, kInt64)); });
    rep.model = "gpt";
    rep.batch = a.batch;
    return rep;
}

int run_spectrum(const SpectrumArgs& a) {
    PRISM_CHECK(a.batch > 0, "spectrum", "--batch must be positive, got ", a.batch);
    const io::Checkpoint ck = io::load_checkpoint(a.checkpoint);
    PRISM_CHECK(!ck.config.is_null(), "spectrum", a.checkpoint, " has no \"config\" metadata: cannot rebuild the model");
    diag::SpectrumReport rep;
    const bool is_gpt = ck.config.value("model", "") == "gpt" || ck.config.contains("vocab_size");
    if (is_gpt) {
        rep = analyse_gpt_checkpoint(ck, a);
    } else {
        PRISM_CHECK(a.text.empty(), "spectrum", a.checkpoint, " is a ViT checkpoint: --text is for GPT checkpoints");
        const auto cfg = models::ViTConfig::from_json(ck.config);
        cfg.check_memory(a.batch, /*training=*/false);  // before allocating the batch
        models::ViT model(cfg);
        model.load_state_dict(ck.model);
        const Tensor images = vit_batch(model.config, a.dataset.empty() ? "fashion-mnist" : a.dataset, a.batch, a.seed);
        rep = diag::analyse_vit(model, images);
    }
    const auto files = diag::write_spectrum_report(rep, a.out, !a.no_plots);
    std::printf("%s: depth %lld, %lld heads, dim %lld, batch %lld x %lld tokens\n", a.checkpoint.c_str(),
                static_cast<long long>(rep.depth), static_cast<long long>(rep.heads), static_cast<long long>(rep.dim),
                static_cast<long long>(rep.batch), static_cast<long long>(rep.tokens));
    std::printf("layer  cos_sim   hc_dc  eff_rank  s2/s1   dirichlet (attention graph, (1/T) sum_ij A_ij |x_i - x_j|^2)\n");
    for (const auto& l : rep.smoothing)
        std::printf("%5lld  %7.4f  %6.3f  %8.2f  %6.4f  %10.4g\n", static_cast<long long>(l.layer), l.cos_sim, l.hc_dc,
                    l.eff_rank, l.sigma_ratio, l.dirichlet);
    // dominant pair: per block, the operator it is computed from and the dc / tie / hf shares
    std::printf("block  kind              H spectrum: real parts, max |imag|  neg. LN gain  dominant pair with H: dc / "
                "tie / hf  (with P diag(gamma) H)  growth factor; H operator\n");
    for (const auto& l : diag::layer_summaries(rep)) {
        const auto& h = l.dominant_h;
        const auto& g = l.dominant_ln;
        char range[80] = "none";
        if (!std::isnan(l.eig_min))  // complex eigenvalues (standard, spectral-rotate): their largest |imag| too
            std::snprintf(range, sizeof range, "[%.3g, %.3g], %.3g", l.eig_min, l.eig_max, l.eig_max_abs_imag);
        char dom[96] = "n/a";
        if (h.total() > 0)
            std::snprintf(dom, sizeof dom, "%5.1f%% / %5.1f%% / %5.1f%%  (%5.1f%% / %5.1f%% / %5.1f%%)",
                          100 * h.share(diag::Dominance::DC), 100 * h.share(diag::Dominance::Tie),
                          100 * h.share(diag::Dominance::HF), 100 * g.share(diag::Dominance::DC),
                          100 * g.share(diag::Dominance::Tie), 100 * g.share(diag::Dominance::HF));
        std::printf("%5lld  %-16s  %-34s  %11.1f%%  %-47s  %s; %s\n", static_cast<long long>(l.layer), l.kind.c_str(),
                    range, 100 * l.negative_gain_share_norm1, dom, l.growth.c_str(),
                    l.h_operator.empty() ? "no H of its own" : l.h_operator.c_str());
    }
    if (rep.dominant_cases > 0) {
        const double n = static_cast<double>(rep.dominant_cases);
        std::printf("dominant pair over %lld (layer, head, sample) cases: DC mode alone on top %.1f%% (H), %.1f%% "
                    "(P diag(gamma) H); tie %.1f%%, %.1f%%; high-frequency mode %.1f%%, %.1f%%\n",
                    static_cast<long long>(rep.dominant_cases), 100 * rep.dominant_at_one_h / n,
                    100 * rep.dominant_at_one_ln / n, 100 * rep.dominant_tie_h / n, 100 * rep.dominant_tie_ln / n,
                    100 * rep.dominant_hf_h / n, 100 * rep.dominant_hf_ln / n);
    }
    if (rep.dominant_not_applicable > 0)
        std::printf("dominant pair not applicable in %lld cases (see the growth column)\n",
                    static_cast<long long>(rep.dominant_not_applicable));
    std::printf("wrote %zu files to %s%s\n", files.written.size(), a.out.c_str(), files.plots ? "" : " (no plots)");
    return 0;
}

}  // namespace

void register_spectrum(CLI::App& app) {
    auto* a = command_state<SpectrumArgs>();
    auto* cmd = app.add_subcommand("spectrum", "oversmoothing diagnostics of a checkpoint: JSON, CSV and PNG");
    cmd->add_option("--checkpoint", a->checkpoint, "a ViT or GPT .safetensors checkpoint")->required();
    auto* ds = cmd->add_option("--dataset", a->dataset,
                               "ViT: fashion-mnist[:DIR] | mnist:DIR | cifar10:DIR | cifar100:DIR[:coarse] | folder:DIR | random "
                               "(default fashion-mnist)");
    auto* tx = cmd->add_option("--text", a->text, "GPT: kjv | FILE (default kjv)");
    ds->excludes(tx);
    cmd->add_option("--batch", a->batch, "images or text windows in the batch")->capture_default_str();
    cmd->add_option("--seed", a->seed, "for --dataset random")->capture_default_str();
    cmd->add_option("--out", a->out, "output directory")->capture_default_str();
    cmd->add_flag("--no-plots", a->no_plots, "write JSON and CSV only");
    cmd->callback([a] { std::exit(guarded([a] { return run_spectrum(*a); })); });
}

}  // namespace prism::cli
