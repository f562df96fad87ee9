// The study's report, written to OUT/ by write_study_report:
//   report.md         command line and scale; tables of mean +- std over seeds with the best
//                     value per column in bold: clean accuracy (method x depth, per data
//                     fraction), corrupted accuracy (method x severity, per depth and fraction),
//                     last-layer cosine similarity (method x depth), diagnostics of the deepest
//                     models; links to the plots (or a note that they were skipped)
//   runs.csv          one row per run (accuracies as fractions in [0, 1])
//   layers.csv        one row per run and layer (smoothing diagnostics)
//   corruptions.csv   one row per run, corruption and severity
//   results.json      settings, this invocation's counts and every run's numbers
//   plots/*.png       accuracy vs depth, cosine similarity vs layer, accuracy vs severity, one
//                     PNG per data fraction (gnuplot pngcairo; the .dat files beside them)
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "prism/diag/report.hpp"
#include "prism/study/oversmoothing.hpp"

namespace prism::study {

// Mean and sample standard deviation (n - 1; 0 for a single value) of `v`.
struct MeanStd {
    double mean = 0, std = 0;
    std::int64_t n = 0;
};
MeanStd mean_std(const std::vector<double>& v);

// "78.10 ± 0.52": mean and std times `scale` with `digits` decimals ("-" when n == 0).
std::string format_mean_std(const MeanStd& m, double scale, int digits);

// The runs of one grid cell over all seeds.
std::vector<const RunResult*> cell_runs(const std::vector<RunResult>& runs, const std::string& attention,
                                        std::int64_t depth, double data_fraction);

// Writes every file above; plots = false skips gnuplot (the report says so).
diag::ReportFiles write_study_report(const StudyOptions& o, const StudyResult& res, const std::string& out_dir,
                                     bool plots = true);

}  // namespace prism::study
