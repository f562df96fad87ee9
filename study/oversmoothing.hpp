// The oversmoothing study (issue 6; docs/oversmoothing.md, the paper's design scaled down to a CPU): train a ViT
// for every cell of the grid  attention kind x depth x data fraction x seed,  then measure each
// trained model's clean and corrupted test accuracy and its smoothing diagnostics.
//
//     study::StudyOptions o = study::quick_study_options();   // or fill the grid yourself
//     o.out_dir = "runs/study";
//     auto res = study::run_study(o);                          // trains / skips / resumes runs
//     study::write_study_report(o, res, o.out_dir);            // study/study_report.hpp
//
// On disk, per run:  OUT/runs/<kind>-d<depth>-f<fraction>-s<seed>/
//     settings.json     what the run is trained and evaluated with (checked on restart)
//     last.safetensors  best.safetensors  metrics.jsonl    (train::run_vit)
//     result.json       written last and atomically: its presence means "finished"
// A restart skips runs with a result.json and resumes the others from last.safetensors.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "prism/data/corruptions.hpp"
#include "prism/diag/smoothing.hpp"
#include "prism/study/layer_spectra.hpp"
#include "prism/train/vit_run.hpp"

namespace prism::study {

struct StudyOptions {
    // ---- the grid ----
    // the registry's default methods: standard, spectral-smooth, spectral-sharpen, neutreno,
    // resformer, spectral-rotate (nn::AttentionKindInfo::study_default)
    std::vector<std::string> attention = nn::study_default_kinds();
    std::vector<std::int64_t> depths = {6, 12, 24};
    std::vector<double> data_fractions = {1.0, 0.1};
    std::int64_t seeds = 3;  // seeds 0 .. seeds-1
    // ---- evaluation ----
    std::vector<data::Corruption> corruptions;  // every (name, severity) evaluated; empty = none
    std::int64_t test_samples = 0;              // class-stratified test subset (same for all runs); 0 = all
    std::int64_t diag_samples = 64;             // the first images of that subset feed the diagnostics
    // ---- everything else about a run: dataset, preset, sizes, epochs, lr, ... ----
    // (base.depth, base.data_fraction, base.seed, base.attention and base.train.out_dir are set per run)
    train::VitRunOptions base;
    // ---- the knobs the comparison depends on (issue 15); recorded in settings.json ----
    // Attention parameters by option name, each applied to the kinds that take it, e.g.
    // {"spectral-clip", "-1,0"}, {"alpha", "0.3"} (defaults: the registry's, for vision).
    models::AttentionOptions attention_options;
    bool qkv_bias = false;                     // the paper's models have no qkv bias
    std::string init = "matched";              // "matched" (every head's ||H_h||_2 = init_norm) | "default"
    double init_norm = 0.1;                    // the standard kind's H norm under timm's init
    // Epochs per data fraction, overriding base.train.epochs for the fractions listed
    // (--overnight: 40 epochs at 10% and 4 at 100%, the same number of steps).
    std::map<double, std::int64_t> fraction_epochs;
    // (base.train.label_smoothing, base.augment, base.log_smoothing: label smoothing,
    // augmentation and the per-step smoothing log, plotted per method in the report)

    std::string out_dir = "runs/study";
    bool verbose = false;       // fit_classifier's progress lines
    std::string command_line;   // recorded in the report
    bool quick = false;         // recorded in the report
    std::string preset_name;    // "quick" | "hour" | "overnight" | "" (recorded in the report)
    // Several processes sharing out_dir (`--worker` processes, or the ranks of `mpirun prism study
    // ...`): each takes the cells it can claim (study/cell_claim.hpp: OUT/runs/<id>/claim.lock) and
    // leaves the ones others hold; a claim untouched for stale_claim_seconds (or whose process
    // on this host has gone) is taken over, resuming from its last.safetensors.
    bool claim_cells = false;
    double stale_claim_seconds = 600;
    std::string worker;         // prefixes this process's lines, e.g. "rank 1: "

    StudyOptions();
    std::int64_t epochs_for(double data_fraction) const;  // fraction_epochs or base.train.epochs
    // The attention spec of one kind with the attention_options it takes.
    models::AttentionSpec attention_spec(const std::string& kind) const;
    std::vector<int> severities() const;             // of `corruptions`, ascending, no repeats
    std::vector<std::string> corruption_list() const;  // names in `corruptions`, first-seen order
};

// --quick: standard / spectral-smooth / spectral-sharpen / neutreno / resformer (the default grid
// without spectral-rotate, as measured), vit-micro, depths 2 and 6, 10% of Fashion-MNIST for 3
// epochs, 2 seeds, 1000 test images, gaussian_noise and contrast at severities 1, 3, 5
// (measured in README.md).
StudyOptions quick_study_options();
// --hour: standard / spectral-smooth / spectral-sharpen / neutreno at depths 2 and 8, 10% of the
// data, 3 seeds, 2000 test images, gaussian_noise / gaussian_blur / brightness / contrast (noise,
// blur, weather, digital) at severities 1, 3, 5; 15 epochs, sized with --dry-run to fit about an
// hour on 2 quiet cores.
StudyOptions hour_study_options();
// --overnight: the same four methods at depths 4 and 16, full and 10% data, 3 seeds, 40 epochs
// at 10% and 4 at 100% (equal steps), 2000 test images, the same corruptions.
StudyOptions overnight_study_options();
// "quick" | "hour" | "overnight"; throws prism::Error naming the known presets.
StudyOptions preset_study_options(const std::string& name);

// ---- command-line lists (errors name the option and the bad item) ----------------------------
std::vector<std::int64_t> parse_depths(const std::string& text);      // "6,12,24", each >= 1
std::vector<double> parse_data_fractions(const std::string& text);    // "1.0,0.1", each in (0, 1]
std::vector<std::string> parse_attention_kinds(const std::string& text);  // known kinds, no repeats
std::vector<int> parse_severities(const std::string& text);           // "1,3,5", each 1..5
// "all" | "none" | "NAME,...": every name x every severity.
std::vector<data::Corruption> parse_corruptions(const std::string& names, const std::vector<int>& severities);

// ---- one run ---------------------------------------------------------------------------------
struct RunKey {
    std::string attention;
    std::int64_t depth = 0;
    double data_fraction = 1;
    std::uint64_t seed = 0;
    std::string id() const;  // "<kind>-d<depth>-f<fraction>-s<seed>", e.g. "neutreno-d6-f0.1-s1"
};

// Grid order: fraction, depth, attention, seed (outermost first).
std::vector<RunKey> study_grid(const StudyOptions& o);

struct CorruptedAccuracy {
    std::string name;
    int severity = 0;
    double accuracy = 0, loss = 0;  // accuracy: fraction correct in [0, 1]
};

struct RunResult {
    RunKey key;
    std::int64_t train_samples = 0, test_samples = 0, steps = 0, diag_samples = 0;
    double best_val_accuracy = 0, clean_accuracy = 0, clean_loss = 0;  // fractions; mean cross-entropy
    double train_seconds = 0, eval_seconds = 0;  // of the invocation that finished the run
    std::vector<CorruptedAccuracy> corrupted;    // in StudyOptions::corruptions order
    std::vector<diag::LayerSmoothing> layers;    // 0 = embedding .. depth = last block's output
    // diag::analyse_vit on the same batch: share of (layer, head, sample) whose dominant
    // eigenvalue pair sits at lambda_A = 1 (the DC mode wins: smoothing), with H and P diag(gamma) H
    double dominant_share_h = 0, dominant_share_ln = 0;
    // Per block (study/layer_spectra.hpp): the range of H_h's eigenvalues, the share of negative
    // LayerNorm gains, the dominant-pair shares. Entry i belongs to block i (layers row i).
    std::vector<LayerSpectrum> spectra;
    // (step, last-layer cosine similarity) from metrics.jsonl when base.log_smoothing > 0
    std::vector<std::pair<std::int64_t, double>> cos_curve;

    double corrupted_mean() const;  // mean accuracy over `corrupted` (NaN when empty)
    double severity_mean(int severity) const;  // over the corruptions at that severity (NaN: none)
    nlohmann::json to_json() const;
    static RunResult from_json(const nlohmann::json& j);  // throws prism::Error on missing fields
};

// Everything a run's numbers depend on, as stored in settings.json.
nlohmann::json run_settings(const StudyOptions& o, const RunKey& k);

// ---- the whole study -------------------------------------------------------------------------
struct StudyResult {
    std::vector<RunResult> runs;  // one per grid cell, grid order
    std::int64_t trained = 0, skipped = 0;
    std::int64_t elsewhere = 0;   // claim_cells: cells another process holds (not in `runs`)
    double seconds = 0;           // wall time of this invocation
};

// Loads the dataset once (or uses `preloaded`), then runs or skips every grid cell, printing one
// line per run. Throws prism::Error when a run directory holds a different run's settings.
StudyResult run_study(const StudyOptions& o, const train::VisionData* preloaded = nullptr);

// Every cell's result.json, in grid order, as the report needs them (runs finished by any
// process); `trained`/`skipped` are left to the caller. Cells without one are counted in
// `elsewhere` and left out.
StudyResult collect_study(const StudyOptions& o);

}  // namespace prism::study
