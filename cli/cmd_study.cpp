// `prism study oversmoothing`: trains the grid attention x depth x data fraction x seed, evaluates
// every run on clean and corrupted test images with smoothing diagnostics, and writes
// OUT/report.md with CSV, JSON and PNG beside it (study/oversmoothing.hpp, study/study_report.hpp).
//
//   prism study oversmoothing --quick --out study-quick
//   prism study oversmoothing --hour --dry-run          # the grid, its size and a measured time estimate
//   prism study oversmoothing --depths 6,12 --data-fractions 1.0,0.1 --seeds 3 --epochs 10
//
// Restarting the same command skips finished runs and resumes an interrupted one.
#include <cstdio>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>

#include "attention_options.hpp"
#include "commands.hpp"
#include "dist_options.hpp"
#include "options.hpp"
#include "prism/dist/communicator.hpp"
#include "prism/study/cell_claim.hpp"
#include "prism/data/corruptions.hpp"
#include "prism/nn/attention_init.hpp"
#include "prism/study/estimate.hpp"
#include "prism/study/init_check.hpp"
#include "prism/study/lm_study.hpp"
#include "prism/study/study_report.hpp"

namespace prism::cli {

namespace {

// A check of the command line: `prism: error: study oversmoothing: <parts>`, exit status 2.
template <class... Parts> void usage_require(bool ok, const Parts&... parts) {
    if (!ok) throw UsageError(Error::cat(parts...));
}

// Options as given; unset ones keep the default grid's (or --quick's) values.
struct StudyArgs {
    bool quick = false, hour = false, overnight = false, dry_run = false, no_plots = false, verbose = false;
    std::optional<bool> augment, hflip, qkv_bias;
    std::optional<std::string> init;
    std::optional<double> init_norm;
    std::optional<std::int64_t> log_smoothing;
    AttentionFlags attention_params;  // --spectral-clip, --alpha, ... (cli/attention_options.hpp)
    std::string fraction_epochs;
    std::string task = "vit", text;
    bool init_only = false;
    std::int64_t init_steps = 200, init_batch = 16;
    std::optional<std::int64_t> steps;
    std::string attention, depths, data_fractions, corruptions, severities, dataset, preset, out;
    std::optional<std::int64_t> seeds, epochs, test_samples, diag_samples, batch_size, save_every;
    std::optional<double> lr, min_lr, weight_decay, warmup_epochs, label_smoothing, grad_clip, val_fraction;
    std::optional<std::int64_t> dim, heads, patch, mlp_dim;
    std::string command_line;
    bool worker = false;              // claim cells in a shared --out (study/cell_claim.hpp)
    double stale_claim = 600;         // seconds
};

// "1.0:4,0.1:40" -> {1.0: 4, 0.1: 40}
std::map<double, std::int64_t> parse_fraction_epochs(const std::string& text) {
    std::map<double, std::int64_t> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = std::min(text.find(',', start), text.size());
        const std::string item = text.substr(start, end - start);
        const auto colon = item.find(':');
        // e1 and e2 point into fs and es, which must outlive the check below
        const std::string fs = colon == std::string::npos ? "" : item.substr(0, colon);
        const std::string es = colon == std::string::npos ? "" : item.substr(colon + 1);
        char* e1 = nullptr;
        char* e2 = nullptr;
        const double f = fs.empty() ? 0 : std::strtod(fs.c_str(), &e1);
        const long long ep = es.empty() ? 0 : std::strtoll(es.c_str(), &e2, 10);
        usage_require(colon != std::string::npos && e1 && *e1 == '\0' && e2 && *e2 == '\0' && f > 0 && f <= 1 && ep >= 1,
                      "--fraction-epochs '", text, "': '", item,
                      "' is not FRACTION:EPOCHS with FRACTION in (0, 1] and EPOCHS >= 1");
        out[f] = ep;
        start = end + 1;
    }
    return out;
}

study::StudyOptions build_options(const StudyArgs& a) {
    usage_require(a.quick + a.hour + a.overnight <= 1, "--quick, --hour and --overnight exclude one another");
    study::StudyOptions o = a.quick       ? study::quick_study_options()
                            : a.hour      ? study::hour_study_options()
                            : a.overnight ? study::overnight_study_options()
                                          : study::StudyOptions();
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
    if (a.augment) b.augment = *a.augment;
    if (a.hflip) b.hflip = *a.hflip;
    if (a.log_smoothing) b.log_smoothing = *a.log_smoothing;
    if (a.qkv_bias) o.qkv_bias = *a.qkv_bias;
    if (a.init) o.init = *a.init;
    if (a.init_norm) o.init_norm = *a.init_norm;
    nn::check_init_name("--init", o.init);
    usage_require(o.init_norm > 0, "--init-norm must be positive, got ", o.init_norm);
    // the options must fit some kind of the grid: --alpha without neutreno is a mistake
    o.attention_options = a.attention_params.given();
    models::check_options_apply(o.attention_options, o.attention);
    for (const auto& k : o.attention) o.attention_spec(k);  // checks the values
    if (a.epochs) {
        t.epochs = *a.epochs;
        o.fraction_epochs.clear();  // --epochs sets every fraction (unless --fraction-epochs follows)
    }
    if (!a.fraction_epochs.empty()) o.fraction_epochs = parse_fraction_epochs(a.fraction_epochs);
    if (a.lr) t.lr = *a.lr;
    if (a.min_lr) t.min_lr = *a.min_lr;
    if (a.weight_decay) t.weight_decay = *a.weight_decay;
    if (a.warmup_epochs) t.warmup_epochs = *a.warmup_epochs;
    if (a.label_smoothing) t.label_smoothing = *a.label_smoothing;
    if (a.grad_clip) t.grad_clip = *a.grad_clip;
    if (a.save_every) t.save_every = *a.save_every;
    o.verbose = a.verbose;
    usage_require(o.seeds >= 1, "--seeds must be >= 1, got ", o.seeds);
    usage_require(t.epochs >= 1, "--epochs must be >= 1, got ", t.epochs);
    usage_require(o.test_samples >= 0, "--test-samples must be >= 0 (0 = all), got ", o.test_samples);
    return o;
}

// --task lm: the GPT with each kind on a text; the vision-only options are refused.
study::LmStudyOptions build_lm_options(const StudyArgs& a) {
    usage_require(!a.quick && !a.hour && !a.overnight && !a.dry_run && !a.init_only,
                  "--task lm takes no --quick/--hour/--overnight/--dry-run/--init-only (vision presets)");
    usage_require(a.data_fractions.empty() && a.corruptions.empty() && a.severities.empty() && a.dataset.empty() &&
                      !a.epochs && !a.patch && !a.test_samples,
                  "--task lm: --data-fractions, --corruptions, --severities, --dataset, --epochs, --patch and "
                  "--test-samples are vision options (use --steps and --text)");
    study::LmStudyOptions o;
    o.command_line = a.command_line;
    if (!a.attention.empty()) o.attention = study::parse_attention_kinds(a.attention);
    if (!a.depths.empty()) o.depths = study::parse_depths(a.depths);
    if (a.seeds) o.seeds = *a.seeds;
    if (!a.text.empty()) o.base.text = a.text;
    if (!a.preset.empty()) o.base.preset = a.preset;
    if (a.dim) o.base.dim = *a.dim;
    if (a.heads) o.base.heads = *a.heads;
    if (a.mlp_dim) o.base.mlp_dim = *a.mlp_dim;
    if (a.steps) o.base.train.steps = *a.steps;
    if (a.batch_size) o.base.train.batch_size = *a.batch_size;
    if (a.lr) o.base.train.lr = *a.lr;
    if (a.min_lr) o.base.train.min_lr = *a.min_lr;
    if (a.weight_decay) o.base.train.weight_decay = *a.weight_decay;
    if (a.grad_clip) o.base.train.grad_clip = *a.grad_clip;
    if (a.save_every) o.base.train.save_every = *a.save_every;
    if (a.diag_samples) o.diag_windows = *a.diag_samples;
    o.base.train.verbose = a.verbose;
    if (a.qkv_bias) o.qkv_bias = *a.qkv_bias;
    if (a.init) o.init = *a.init;
    if (a.init_norm) o.init_norm = *a.init_norm;
    nn::check_init_name("--init", o.init);
    o.attention_options = a.attention_params.given();
    models::check_options_apply(o.attention_options, o.attention);
    for (const auto& k : o.attention) o.attention_spec(k);
    o.out_dir = a.out.empty() ? "runs/study-lm" : a.out;
    usage_require(o.base.train.steps >= 1, "--steps must be >= 1, got ", o.base.train.steps);
    return o;
}

int run_lm(const StudyArgs& a) {
    // every check in build_lm_options is about the command line: exit status 2
    const study::LmStudyOptions o = usage_checked([&] { return build_lm_options(a); });
    std::printf("prism study oversmoothing --task lm: %zu runs (%zu methods x %zu depths x %lld seeds), %lld steps "
                "each, text %s; output in %s\n",
                o.attention.size() * o.depths.size() * static_cast<std::size_t>(o.seeds), o.attention.size(),
                o.depths.size(), static_cast<long long>(o.seeds), static_cast<long long>(o.base.train.steps),
                o.base.text.c_str(), o.out_dir.c_str());
    std::fflush(stdout);
    const auto t0 = std::chrono::steady_clock::now();
    const auto runs = study::run_lm_study(o);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    study::write_lm_report(o, runs, secs);
    std::printf("%zu runs in %.0f s; wrote %s/report.md, results.json, layers.csv\n", runs.size(), secs,
                o.out_dir.c_str());
    return 0;
}

// Several processes share the grid: --worker processes, or mpirun's ranks. Each trains the cells
// it claims; under mpirun rank 0 writes the report once every rank is done, a --worker writes it
// when it finds every cell finished (the last one to finish does).
int run_shared(const StudyArgs& a, study::StudyOptions o) {
    share_cores_between_local_ranks();
    dist::Communicator& comm = dist::world();
    const bool mpi = comm.size() > 1;
    o.claim_cells = true;
    o.stale_claim_seconds = a.stale_claim;
    o.worker = mpi ? "rank " + std::to_string(comm.rank()) + ": " : "worker " + study::claim_owner() + ": ";
    if (comm.is_main() || !mpi)
        std::printf("prism study oversmoothing%s: %zu runs shared by %s; output in %s\n",
                    o.preset_name.empty() ? "" : (" --" + o.preset_name).c_str(), study::study_grid(o).size(),
                    mpi ? (std::to_string(comm.size()) + " ranks").c_str() : "the --worker processes", o.out_dir.c_str());
    std::fflush(stdout);
    const auto mine = study::run_study(o);
    std::int64_t trained = mine.trained;
    if (mpi) {
        comm.set_timeout(0);  // the other ranks may still be training their last cells
        std::vector<std::int64_t> all(static_cast<std::size_t>(comm.size()));
        comm.allgather_bytes(&trained, all.data(), sizeof trained, "gather of the trained-run counts");
        if (!comm.is_main()) return 0;
        trained = 0;
        for (auto t : all) trained += t;
    }
    auto res = study::collect_study(o);
    if (res.elsewhere > 0) {  // --worker only: others still run cells; the last of them writes the report
        std::printf("%s%lld runs trained here; %lld cells are still running in other workers (the last to finish "
                    "writes the report)\n",
                    o.worker.c_str(), static_cast<long long>(mine.trained), static_cast<long long>(res.elsewhere));
        return 0;
    }
    const auto report_claim = study::CellClaim::try_claim(o.out_dir + "/report.lock", o.stale_claim_seconds);
    if (!report_claim) {
        std::printf("%sanother worker is writing the report\n", o.worker.c_str());
        return 0;
    }
    res.trained = trained;
    res.skipped = static_cast<std::int64_t>(res.runs.size()) - trained;
    res.seconds = mine.seconds;
    const auto files = study::write_study_report(o, res, o.out_dir, !a.no_plots);
    std::printf("%lld runs trained, %lld skipped (finished earlier) in %.0f s; wrote %s/report.md and %zu other files%s\n",
                static_cast<long long>(res.trained), static_cast<long long>(res.skipped), res.seconds, o.out_dir.c_str(),
                files.written.size() - 1, files.plots ? "" : " (no plots: see report.md)");
    return 0;
}

int run(const StudyArgs& a) {
    if (a.task != "vit" && a.task != "lm") throw UsageError("--task '" + a.task + "': expected vit or lm");
    const bool shared = a.worker || dist::launched_by_mpi();
    if (shared && (a.task == "lm" || a.init_only || a.dry_run))
        throw UsageError(std::string(a.worker ? "--worker" : "mpirun") +
                         " shares the cells of the image study; --task lm, --init-only and --dry-run run in one "
                         "process");
    if (a.task == "lm") return run_lm(a);
    if (!a.text.empty() || a.steps) throw UsageError("--text and --steps belong to --task lm");
    if (a.init_only && a.dry_run)  // --dry-run promises to train nothing; the init check trains
        throw UsageError("--init-only trains for minutes and has no grid to estimate: drop --dry-run");
    // every check in build_options is about the command line: exit status 2
    const study::StudyOptions o = usage_checked([&] { return build_options(a); });
    if (shared) return run_shared(a, o);
    if (a.init_only) {
        study::InitCheckOptions io;
        io.study = o;
        io.steps = a.init_steps;
        io.batch_size = a.init_batch;
        if (a.diag_samples) io.diag_samples = *a.diag_samples;
        if (a.depths.empty()) io.study.depths = {24, 48};  // the paper's depths
        if (a.attention.empty()) io.study.attention = {"standard", "spectral-smooth", "spectral-sharpen", "neutreno"};
        const auto curves = study::run_init_check(io);
        const auto files = study::write_init_check(io, curves, !a.no_plots);
        std::printf("wrote %s/init/report.md and %zu other files\n", o.out_dir.c_str(), files.size() - 1);
        return 0;
    }
    const auto grid = study::study_grid(o);
    if (a.dry_run) {
        const auto data = train::load_vision_data(o.base.dataset, 0);
        const auto e = study::estimate_study(o, data);
        std::fputs(study::format_dry_run(o, e).c_str(), stdout);
        return 0;
    }
    std::printf("prism study oversmoothing%s: %zu runs (%zu methods x %zu depths x %zu data fractions x %lld seeds), "
                "%lld epochs each, %zu corrupted test sets; output in %s\n",
                o.preset_name.empty() ? "" : (" --" + o.preset_name).c_str(), grid.size(), o.attention.size(), o.depths.size(), o.data_fractions.size(),
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

void add_init_options(CLI::App* cmd, std::optional<bool>& qkv_bias, std::optional<std::string>& init,
                      std::optional<double>& init_norm) {
    cmd->add_flag("--qkv-bias,!--no-qkv-bias", qkv_bias,
                  "bias in the query/key/value projection (default on; the spectral paper's models have none)");
    cmd->add_option("--init", init,
                    "default (the preset's init) | matched (every attention head's H = W_V W_O scaled to spectral "
                    "norm --init-norm at step 0, whatever the kind)");
    cmd->add_option("--init-norm", init_norm, "spectral norm of every head's H under --init matched (default 0.1)");
}

void register_study(CLI::App& app) {
    auto* study_cmd = app.add_subcommand("study", "run a study: `prism study oversmoothing ...`");
    study_cmd->require_subcommand(1);
    auto* a = command_state<StudyArgs>();
    auto* c = study_cmd->add_subcommand(
        "oversmoothing", "train attention kinds x depths x data fractions x seeds; clean/corrupted accuracy, "
                         "smoothing diagnostics, paired differences against standard attention; report.md, CSV, "
                         "JSON, PNG. Without a preset the grid is large (108 runs, about 2 days on 2 quiet cores): check "
                         "any grid with --dry-run first");
    c->add_flag("--quick", a->quick, "preset: a small grid (20 vit-micro runs, 2 seeds, 3 epochs; ~10 minutes on 2 cores)");
    c->add_flag("--hour", a->hour,
                "preset: standard, spectral-smooth, spectral-sharpen, neutreno at depths 2 and 8, 10% data, 3 seeds, "
                "2000 test images, 4 corruption families at severities 1/3/5 (about an hour on 2 quiet cores)");
    c->add_flag("--overnight", a->overnight,
                "preset: the same methods at depths 4 and 16, 100% and 10% data, 3 seeds, 40 epochs at 10% and 4 at "
                "100% (many hours: see --dry-run)");
    c->add_option("--task", a->task, "vit (default: the image study) | lm (the GPT with each kind on --text: "
                                     "validation loss and the same diagnostics)");
    c->add_option("--text", a->text, "--task lm: kjv (default) or a UTF-8 text file");
    c->add_option("--steps", a->steps, "--task lm: training steps per run (default 600)");
    c->add_flag("--init-only", a->init_only,
                "theory check: build every kind at every depth (default 24,48) and plot cosine similarity and HC/DC "
                "per layer at initialisation and after --init-steps steps; minutes, under OUT/init/");
    c->add_option("--init-steps", a->init_steps, "--init-only: training steps after the measurement at init (default 200)");
    c->add_option("--init-batch", a->init_batch, "--init-only: batch size of those steps (default 16)");
    c->add_flag("--dry-run", a->dry_run,
                "print the grid, the number of runs and a wall-time estimate from a few measured training steps; "
                "train nothing");
    c->add_option("--dataset", a->dataset, "fashion-mnist[:DIR] | mnist:DIR | cifar10:DIR | cifar100:DIR[:coarse] (CIFAR's binary versions) | folder:DIR (default fashion-mnist)");
    std::string defaults;
    for (const auto& k : nn::study_default_kinds()) defaults += (defaults.empty() ? "" : ",") + k;
    c->add_option("--attention", a->attention,
                  "comma-separated kinds of " + attention_kinds_help() + " (default " + defaults +
                      "; quick: standard,spectral-smooth,spectral-sharpen,neutreno,resformer; hour, overnight, "
                      "--init-only and --task lm: standard,spectral-smooth,spectral-sharpen,neutreno)");
    c->add_option("--depths", a->depths, "comma-separated depths (default 6,12,24; quick 2,6; hour 2,8; overnight 4,16; --init-only 24,48; --task lm 4)");
    c->add_option("--data-fractions", a->data_fractions, "fractions of the training set (default 1.0,0.1; quick 0.1)");
    c->add_option("--corruptions", a->corruptions, "all | none | NAME,... (default all; quick gaussian_noise,contrast); NAME one of " + data::corruption_help());
    c->add_option("--severities", a->severities, "corruption severities 1..5 (default 1,2,3,4,5; quick 1,3,5)");
    c->add_option("--seeds", a->seeds, "seeds 0..N-1 per cell (default 3; quick 2; --task lm 1); paired "
                                       "confidence intervals need 3 or more");
    c->add_option("--epochs", a->epochs, "training epochs per run (default 10; quick 3; hour 15)");
    c->add_option("--fraction-epochs", a->fraction_epochs,
                  "F:E,... epochs per data fraction, e.g. 1.0:4,0.1:40 (overnight's); others use --epochs");
    c->add_option("--preset", a->preset, "vit-micro | vit-tiny | vit-small (default vit-micro); --task lm: gpt-micro | "
                                         "gpt-mini | gpt-small (default gpt-micro)");
    c->add_option("--dim", a->dim, "embedding width (overrides the preset)");
    c->add_option("--heads", a->heads, "attention heads");
    c->add_option("--patch", a->patch, "patch size");
    c->add_option("--mlp-dim", a->mlp_dim, "MLP hidden width");
    c->add_option("--batch-size", a->batch_size, "default 128");
    c->add_option("--lr", a->lr, "peak learning rate (default 1.5e-3)");
    c->add_option("--min-lr", a->min_lr, "cosine floor (default 1e-5)");
    c->add_option("--weight-decay", a->weight_decay, "default 0.05");
    c->add_option("--warmup-epochs", a->warmup_epochs, "default 1; quick 0.5");
    c->add_option("--label-smoothing", a->label_smoothing, "default 0 (the paper: 0.1)");
    c->add_option("--grad-clip", a->grad_clip, "global L2 norm clip (default 1; 0 = off)");
    c->add_option("--val-fraction", a->val_fraction, "held out from the training set (default 0.1; quick 0.05)");
    c->add_flag("--augment,!--no-augment", a->augment, "random crop/flip during training (default off)");
    c->add_flag("--hflip,!--no-hflip", a->hflip, "random horizontal flip on/off, also without --augment");
    c->add_option("--log-smoothing", a->log_smoothing,
                  "every N steps log per-layer smoothing of a fixed validation batch; the report plots the "
                  "last layer's cosine similarity over training per method (default 0 = off)");
    add_attention_param_options(c, a->attention_params, std::nullopt);  // "language" defaults: --task lm
    c->add_flag("--qkv-bias,!--no-qkv-bias", a->qkv_bias, "bias in the query/key/value projection (default off, as the paper)");
    c->add_option("--init", a->init,
                  "matched (default): every head's H = W_V W_O starts at spectral norm --init-norm whatever the kind; "
                  "default: each kind's own init (standard ~0.1, spectral up to ~1)");
    c->add_option("--init-norm", a->init_norm, "the matched init's spectral norm of every head's H (default 0.1)");
    c->add_option("--test-samples", a->test_samples, "class-stratified test subset (default 0 = all; quick 1000)");
    c->add_option("--diag-samples", a->diag_samples, "test images in the diagnostics batch (default 64)");
    c->add_option("--save-every", a->save_every, "also checkpoint every N steps (default 100)");
    c->add_option("--out", a->out, "output directory (default runs/study)");
    c->add_flag("--no-plots", a->no_plots, "skip gnuplot");
    c->add_flag("--verbose", a->verbose, "per-epoch progress of each run");
    c->add_flag("--worker", a->worker,
                "share the grid with other processes on the same --out (e.g. a job array): each trains the cells it "
                "claims (OUT/runs/<id>/claim.lock); the last to finish writes the report. Under mpirun every rank "
                "does this and rank 0 writes the report");
    c->add_option("--stale-claim", a->stale_claim,
                  "--worker / mpirun: seconds after which a claim nobody refreshed is taken over (its process died on "
                  "another host; on this host a dead process's claim is taken at once)")
        ->capture_default_str();
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
