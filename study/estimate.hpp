// `prism study oversmoothing --dry-run`: the grid, the number of runs and an estimated wall time
// from a short measured throughput probe (issue 15, point 4).
//
// The probe builds the grid's deepest and shallowest models (first attention kind, the study's
// width, qkv bias and init), times `probe_steps` training steps on one real training batch
// (after one warm-up step) and one no-grad forward pass, and interpolates linearly in depth.
// A run's estimate is
//     steps * t_step(depth) + (validation + clean and corrupted test images) * t_fwd(depth)
// with steps = epochs * ceil(train images / batch) and validation every epoch. Data loading,
// checkpoints and the diagnostics are not timed (a few % on the quick grid), and the probe
// measures the machine as loaded at that moment.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "prism/study/oversmoothing.hpp"

namespace prism::study {

struct ThroughputProbe {
    std::int64_t depth = 0;
    double train_step_seconds = 0;       // one step of base.batch_size images
    double forward_sample_seconds = 0;   // no-grad forward, per image
};

struct RunEstimate {
    RunKey key;
    std::int64_t train_samples = 0, steps = 0, forward_samples = 0;
    double seconds = 0;
};

struct StudyEstimate {
    std::vector<ThroughputProbe> probes;  // by depth, ascending
    std::vector<RunEstimate> runs;        // grid order
    double seconds = 0;                   // sum over runs
    std::string probe_kind;
};

// Seconds per step / per forward image at `depth`, linear between the probes (clamped outside).
ThroughputProbe interpolate(const std::vector<ThroughputProbe>& probes, std::int64_t depth);

// The per-run arithmetic above for given probes (no timing; testable).
StudyEstimate estimate_from_probes(const StudyOptions& o, const train::VisionData& data,
                                   const std::vector<ThroughputProbe>& probes);

// Measures the probes, then estimate_from_probes.
StudyEstimate estimate_study(const StudyOptions& o, const train::VisionData& data, int probe_steps = 3);

// The dry-run text: settings, one line per grid cell (depth x fraction x kinds x seeds), the
// run count and the estimate in hours and minutes.
std::string format_dry_run(const StudyOptions& o, const StudyEstimate& e);

}  // namespace prism::study
