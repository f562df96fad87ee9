// Paired-by-seed statistics of the study (issue 15): each method is compared with the baseline
// (standard attention) seed by seed, d_s = method_s - baseline_s, and the mean difference gets
// a 95% Student t confidence interval with n - 1 degrees of freedom:
//
//     mean(d) +- t_{0.975, n-1} * sd(d) / sqrt(n)
//
// With n < 3 pairs no interval is given (n = 2 has one degree of freedom: t = 12.7, an
// interval too wide to mean anything; n = 1 has none). "Significant" = the interval excludes 0.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace prism::study {

// P(|T| <= t) for Student's t with `dof` (>= 1) integer degrees of freedom (closed form,
// Abramowitz & Stegun 26.7.3-4).
double student_t_two_sided_cdf(double t, std::int64_t dof);
// The t with P(|T| <= t) = level (e.g. 0.95 -> t_{0.975, dof}); by bisection on the above.
double student_t_quantile_two_sided(double level, std::int64_t dof);

struct PairedDiff {
    std::int64_t n = 0;          // pairs (seeds present for both)
    double mean = 0, sd = 0;     // of the differences (sample sd, n - 1)
    bool has_ci = false;         // n >= 3
    double lo = 0, hi = 0;       // 95% interval when has_ci
    bool significant() const { return has_ci && (lo > 0 || hi < 0); }
};

// Differences method[i] - baseline[i]; both vectors index the same seeds (NaN entries skipped
// pairwise). level: the interval's coverage (0.95).
PairedDiff paired_difference(const std::vector<double>& baseline, const std::vector<double>& method,
                             double level = 0.95);

// "+1.23 [-0.50, 2.96]*" (scaled, `digits` decimals; * = significant), "+1.23 (n=2, no CI)", "-".
std::string format_paired(const PairedDiff& d, double scale, int digits);

}  // namespace prism::study
