// The language side of the oversmoothing study (issue 15, point 7):
// `prism study oversmoothing --task lm` trains the GPT with each attention kind x depth x seed on
// a text (default KJV, char-level), then reports the validation loss (nats/token over the first
// val_tokens of the validation split) and the same diagnostics as the vision study (per-layer
// cosine similarity, HC/DC, effective rank, H's spectrum, negative LN gains, dominant pair) on
// diag_windows windows spread over the validation split.
//
// On disk: OUT/runs/<kind>-d<depth>-s<seed>/{settings.json, last/best.safetensors,
// metrics.jsonl, result.json}; OUT/report.md, OUT/results.json, OUT/layers.csv. A restart skips
// runs with a result.json (and refuses a directory holding other settings).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "prism/diag/smoothing.hpp"
#include "prism/study/layer_spectra.hpp"
#include "prism/train/lm.hpp"

namespace prism::study {

struct LmStudyOptions {
    std::vector<std::string> attention = {"standard", "spectral-smooth", "spectral-sharpen", "neutreno"};
    std::vector<std::int64_t> depths = {4};
    std::int64_t seeds = 1;                  // training seeds 1337 + s, s = 0 .. seeds-1
    models::AttentionOptions attention_options;  // as StudyOptions, with the language defaults
    bool qkv_bias = false;
    std::string init = "matched";
    double init_norm = 0.1;
    std::int64_t val_tokens = 65536;         // evaluated tokens of the validation split (0 = all)
    std::int64_t diag_windows = 8;
    train::GptRunOptions base;               // text, tokenizer, preset, sizes, steps, lr ...
    std::string out_dir = "runs/study-lm";
    std::string command_line;

    LmStudyOptions();
    models::AttentionSpec attention_spec(const std::string& kind) const;
};

struct LmRunResult {
    std::string attention;
    std::int64_t depth = 0, seed = 0, steps = 0;
    double val_loss = 0, bits_per_char = 0, train_seconds = 0;
    std::int64_t val_tokens = 0;
    std::vector<diag::LayerSmoothing> layers;  // 0 = embedding .. depth
    std::vector<LayerSpectrum> spectra;        // per block
    std::string id() const;                    // "<kind>-d<depth>-s<seed>"
    nlohmann::json to_json() const;
    static LmRunResult from_json(const nlohmann::json& j);
};

std::vector<LmRunResult> run_lm_study(const LmStudyOptions& o);
// report.md (val loss and last-layer cos sim mean +- std, paired differences against standard
// with 95% t intervals), results.json, layers.csv. Returns the files written.
std::vector<std::string> write_lm_report(const LmStudyOptions& o, const std::vector<LmRunResult>& runs,
                                         double seconds);

}  // namespace prism::study
