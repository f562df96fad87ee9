// `prism study oversmoothing`: trains the grid attention x depth x data fraction x seed, evaluates
// every run on clean and corrupted test images with smoothing diagnostics, and writes
// OUT/report.md with CSV, JSON and PNG beside it (study/oversmoothing.hpp, study/study_report.hpp).
//
//   prism study oversmoothing --quick --out study-quick
//   prism study oversmoothing --depths 6,12 --data-fractions 1.0,0.1 --seeds 3 --epochs 10
//
// Restarting the same command skips finished runs and resumes an interrupted one.
#include <cstdio>
#include <optional>

#include "commands.hpp"
#include "prism/data/corruptions.hpp"
#include "prism/study/study_report.hpp"

namespace prism::cli {

namespace {

// Options as given; unset ones keep the default grid's (or --quick's) values.
struct StudyArgs {
    bool quick = false, no_plots = false, verbose = false, augment = false;
    std::string attention, depths, data_fractions, corruptions, severities, dataset, preset, out;
    std::optional<std::int64_t> seeds, epochs, test_samples, diag_samples, batch_size, save_every;
    std::optional<double> lr, min_lr, weight_decay, warmup_epochs, label_smoothing, grad_clip, val_fraction;
    std::optional<std::int64_t> dim, heads, patch, mlp_dim;
    std::string command_line;
};

study::StudyOptions build_options(const StudyArgs& a) {
    study::StudyOptions o = a.quick ? study::quick_study_options() : study::StudyOptions();
    o.command_line = a.command_line;
    if (!a.attention.empty()) o.attention = study::parse_attention_kinds(a.attention);
    if (!a.depths.empty()) o.depths = study::parse_depths(a.depths);
    if (!a.data_fractions.empty()) o.data_fractions = study::parse_data_fractions(a.data_fractions);
    if (!a.corruptions.empty() || !a.severities.empty()) {
        const auto sev = a.severities.empty() ? o.severities() : study::parse_severities(a.severities);
        const auto names = a.corruptions.empty() ? std::string("all") : a.corruptions;
        o.corruptions = study::parse_corruptions(names, sev.empty() ? std::vector<int>{1, 2, 3, 4, 5} : sev);
    }
    auto& b = o.base;
    auto& t = b.train;
    if (a.seeds) o.seeds = *a.seeds;
    if (a.test_samples) o.test_samples = *a.test_samples;
    if (a.diag_samples) o.diag_samples = *a.diag_samples;
    if (!a.dataset.empty()) b.dataset = a.dataset;
    if (!a.preset.empty()) b.preset = a.preset;
    if (!a.out.empty()) o.out_dir = a.out;
    if (a.dim) b.dim = *a.dim;
    if (a.heads) b.heads = *a.heads;
    if (a.patch) b.patch = *a.patch;
    if (a.mlp_dim) b.mlp_dim = *a.mlp_dim;
    if (a.batch_size) b.batch_size = *a.batch_size;
    if (a.val_fraction) b.val_fraction = *a.val_fraction;
    if (a.augment) b.augment = true;
    if (a.epochs) t.epochs = *a.epochs;
    if (a.lr) t.lr = *a.lr;
    if (a.min_lr) t.min_lr = *a.min_lr;
    if (a.weight_decay) t.weight_decay = *a.weight_decay;
    if (a.warmup_epochs) t.warmup_epochs = *a.warmup_epochs;
    if (a.label_smoothing) t.label_smoothing = *a.label_smoothing;
    if (a.grad_clip) t.grad_clip = *a.grad_clip;
    if (a.save_every) t.save_every = *a.save_every;
    o.verbose = a.verbose;
    PRISM_CHECK(o.seeds >= 1, "study", "--seeds must be >= 1, got ", o.seeds);
    PRISM_CHECK(t.epochs >= 1, "study", "--epochs must be >= 1, got ", t.epochs);
    PRISM_CHECK(o.test_samples >= 0, "study", "--test-samples must be >= 0 (0 = all), got ", o.test_samples);
    return o;
}

int run(const StudyArgs& a) {
    const study::StudyOptions o = build_options(a);
    const auto grid = study::study_grid(o);
    std::printf("prism study oversmoothing%s: %zu runs (%zu methods x %zu depths x %zu data fractions x %lld seeds), "
                "%lld epochs each, %zu corrupted test sets; output in %s\n",
                o.quick ? " --quick" : "", grid.size(), o.attention.size(), o.depths.size(), o.data_fractions.size(),
                static_cast<long long>(o.seeds), static_cast<long long>(o.base.train.epochs), o.corruptions.size(),
                o.out_dir.c_str());
    std::fflush(stdout);
    const auto res = study::run_study(o);
    const auto files = study::write_study_report(o, res, o.out_dir, !a.no_plots);
    std::printf("%lld runs trained, %lld skipped (finished earlier) in %.0f s; wrote %s/report.md and %zu other files%s\n",
                static_cast<long long>(res.trained), static_cast<long long>(res.skipped), res.seconds, o.out_dir.c_str(),
                files.written.size() - 1, files.plots ? "" : " (no plots: see report.md)");
    return 0;
}

}  // namespace

void register_study(CLI::App& app) {
    auto* study_cmd = app.add_subcommand("study", "run a study: `prism study oversmoothing ...`");
    study_cmd->require_subcommand(1);
    auto* a = new StudyArgs();
    auto* c = study_cmd->add_subcommand(
        "oversmoothing", "train attention kinds x depths x data fractions x seeds; clean/corrupted accuracy, "
                         "smoothing diagnostics; report.md, CSV, JSON, PNG");
    c->add_flag("--quick", a->quick, "a small preset grid that finishes within ~15 minutes on 2 cores");
    c->add_option("--dataset", a->dataset, "fashion-mnist | mnist:DIR | cifar10:DIR | cifar100:DIR[:coarse] | folder:DIR (default fashion-mnist)");
    c->add_option("--attention", a->attention,
                  "comma-separated kinds (default standard,spectral-smooth,spectral-sharpen,neutreno,resformer)");
    c->add_option("--depths", a->depths, "comma-separated depths (default 6,12,24; quick 2,6)");
    c->add_option("--data-fractions", a->data_fractions, "fractions of the training set (default 1.0,0.1; quick 0.1)");
    c->add_option("--corruptions", a->corruptions, "all | none | NAME,... (default all; quick gaussian_noise,contrast); NAME one of " + data::corruption_help());
    c->add_option("--severities", a->severities, "corruption severities 1..5 (default 1,2,3,4,5; quick 1,3,5)");
    c->add_option("--seeds", a->seeds, "seeds 0..N-1 per cell (default 3; quick 2)");
    c->add_option("--epochs", a->epochs, "training epochs per run (default 10; quick 3)");
    c->add_option("--preset", a->preset, "vit-micro | vit-tiny | vit-small (default vit-micro)");
    c->add_option("--dim", a->dim, "embedding width (overrides the preset)");
    c->add_option("--heads", a->heads, "attention heads");
    c->add_option("--patch", a->patch, "patch size");
    c->add_option("--mlp-dim", a->mlp_dim, "MLP hidden width");
    c->add_option("--batch-size", a->batch_size, "default 128");
    c->add_option("--lr", a->lr, "peak learning rate (default 1.5e-3)");
    c->add_option("--min-lr", a->min_lr, "cosine floor (default 1e-5)");
    c->add_option("--weight-decay", a->weight_decay, "default 0.05");
    c->add_option("--warmup-epochs", a->warmup_epochs, "default 1; quick 0.5");
    c->add_option("--label-smoothing", a->label_smoothing, "default 0");
    c->add_option("--grad-clip", a->grad_clip, "global L2 norm clip (default 1; 0 = off)");
    c->add_option("--val-fraction", a->val_fraction, "held out from the training set (default 0.1; quick 0.05)");
    c->add_flag("--augment", a->augment, "random crop/flip during training (default off)");
    c->add_option("--test-samples", a->test_samples, "class-stratified test subset (default 0 = all; quick 1000)");
    c->add_option("--diag-samples", a->diag_samples, "test images in the diagnostics batch (default 64)");
    c->add_option("--save-every", a->save_every, "also checkpoint every N steps (default 100)");
    c->add_option("--out", a->out, "output directory (default runs/study)");
    c->add_flag("--no-plots", a->no_plots, "skip gnuplot");
    c->add_flag("--verbose", a->verbose, "per-epoch progress of each run");
    c->callback([a, c] {
        a->command_line = "prism study oversmoothing";
        for (const auto* opt : c->get_options()) {
            if (opt->count() == 0 || opt->get_name() == "--help") continue;
            a->command_line += " " + opt->get_name();
            if (opt->get_expected_min() == 0) continue;  // a flag
            for (const auto& r : opt->results()) a->command_line += " " + r;
        }
        std::exit(guarded([a] { return run(*a); }));
    });
}

}  // namespace prism::cli
