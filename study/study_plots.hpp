// The study's PNG plots (gnuplot pngcairo), one of each per data fraction, under OUT/plots/:
//   accuracy_vs_depth_f<F>.png     clean accuracy vs depth, one line per method
//   cos_sim_vs_layer_f<F>.png      token cosine similarity vs layer, one panel per depth
//   accuracy_vs_severity_f<F>.png  accuracy (mean over corruptions) vs severity, 0 = clean,
//                                  one panel per depth (only when corruptions were evaluated)
//   cos_sim_vs_step_f<F>.png       last-layer cosine similarity of the probe batch during
//                                  training, one panel per depth (only with --log-smoothing)
// Each line is the mean over seeds with +- std error bars; the .dat files beside the PNGs hold
// the plotted numbers (one gnuplot index block per method, or per depth and method).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "prism/study/oversmoothing.hpp"

namespace prism::study {

struct PlotFiles {
    bool made = false;
    std::string why;  // why not, when !made
    std::vector<std::pair<std::string, std::string>> pngs;  // (path relative to OUT, title)
};

PlotFiles write_study_plots(const StudyOptions& o, const StudyResult& res, const std::string& out_dir);

}  // namespace prism::study
