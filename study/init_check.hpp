// Theory check at the paper's depths (issue 15, point 6):
// `prism study oversmoothing --init-only --depths 24,48 [--init-steps 200]` builds the ViT with
// each attention kind at each depth and measures, on a fixed batch of test images, the token
// cosine similarity and HC/DC per layer at initialisation and again after `steps` AdamW steps
// (batch `batch_size`, constant lr, no warm-up). Minutes, not hours: nothing is evaluated.
//
// Output under OUT/init/: report.md (last-layer numbers per kind and depth), curves.csv (every
// kind, depth, phase and layer), cos_sim_vs_layer.png and hc_dc_vs_layer.png (one panel per depth
// and phase, one line per kind; the .dat files beside them).
#pragma once
#include <string>
#include <vector>

#include "prism/study/oversmoothing.hpp"

namespace prism::study {

struct InitCheckOptions {
    StudyOptions study;            // attention kinds, depths, model, knobs (init, qkv bias, ...), out_dir
    std::int64_t steps = 200;      // training steps after the measurement at initialisation (0: none)
    std::int64_t batch_size = 16;
    std::int64_t diag_samples = 32;
};

struct InitCheckCurve {
    std::string attention;
    std::int64_t depth = 0, steps = 0;
    std::vector<diag::LayerSmoothing> at_init, after;  // 0 = embedding .. depth; after: empty when steps = 0
    double seconds = 0;
};

std::vector<InitCheckCurve> run_init_check(const InitCheckOptions& o, const train::VisionData* preloaded = nullptr);
// Writes OUT/init/*; plots = false skips gnuplot. Returns the files written.
std::vector<std::string> write_init_check(const InitCheckOptions& o, const std::vector<InitCheckCurve>& curves,
                                          bool plots = true);

}  // namespace prism::study
