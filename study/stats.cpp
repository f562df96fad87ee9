#include "prism/study/stats.hpp"

#include <cmath>
#include <cstdio>
#include <numbers>

#include "prism/core/error.hpp"

namespace prism::study {

double student_t_two_sided_cdf(double t, std::int64_t dof) {
    PRISM_CHECK(dof >= 1, "student_t", "degrees of freedom must be >= 1, got ", dof);
    t = std::fabs(t);
    if (std::isinf(t)) return 1.0;
    const double theta = std::atan(t / std::sqrt(static_cast<double>(dof)));
    const double c = std::cos(theta), s = std::sin(theta), c2 = c * c;
    if (dof % 2 == 1) {
        // A = (2/pi) [theta + sin(theta) (cos + (2/3) cos^3 + (2*4)/(3*5) cos^5 + ...)], last term cos^(dof-2)
        double sum = 0, term = c;
        for (std::int64_t k = 1; k <= dof - 2; k += 2) {
            sum += term;
            term *= c2 * static_cast<double>(k + 1) / static_cast<double>(k + 2);
        }
        return 2.0 / std::numbers::pi * (theta + (dof > 1 ? s * sum : 0.0));
    }
    // A = sin(theta) [1 + (1/2) cos^2 + (1*3)/(2*4) cos^4 + ...], last term cos^(dof-2)
    double sum = 0, term = 1;
    for (std::int64_t k = 0; k <= dof - 2; k += 2) {
        sum += term;
        term *= c2 * static_cast<double>(k + 1) / static_cast<double>(k + 2);
    }
    return s * sum;
}

double student_t_quantile_two_sided(double level, std::int64_t dof) {
    PRISM_CHECK(level > 0 && level < 1, "student_t", "level must be in (0, 1), got ", level);
    double lo = 0, hi = 1;
    while (student_t_two_sided_cdf(hi, dof) < level) hi *= 2;
    for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
        const double mid = 0.5 * (lo + hi);
        (student_t_two_sided_cdf(mid, dof) < level ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
}

PairedDiff paired_difference(const std::vector<double>& baseline, const std::vector<double>& method, double level) {
    PRISM_CHECK(baseline.size() == method.size(), "paired_difference", "baseline has ", baseline.size(),
                " values, method ", method.size(), ": they must index the same seeds");
    std::vector<double> d;
    for (std::size_t i = 0; i < baseline.size(); ++i)
        if (std::isfinite(baseline[i]) && std::isfinite(method[i])) d.push_back(method[i] - baseline[i]);
    PairedDiff r;
    r.n = static_cast<std::int64_t>(d.size());
    if (d.empty()) return r;
    for (double x : d) r.mean += x;
    r.mean /= static_cast<double>(r.n);
    if (r.n > 1) {
        double ss = 0;
        for (double x : d) ss += (x - r.mean) * (x - r.mean);
        r.sd = std::sqrt(ss / static_cast<double>(r.n - 1));
    }
    if (r.n >= 3) {
        const double half = student_t_quantile_two_sided(level, r.n - 1) * r.sd / std::sqrt(static_cast<double>(r.n));
        r.has_ci = true;
        r.lo = r.mean - half;
        r.hi = r.mean + half;
    }
    return r;
}

std::string format_paired(const PairedDiff& d, double scale, int digits) {
    if (d.n == 0) return "-";
    char b[128];
    if (!d.has_ci) {
        std::snprintf(b, sizeof b, "%+.*f (n=%lld, no CI)", digits, d.mean * scale, static_cast<long long>(d.n));
    } else {
        std::snprintf(b, sizeof b, "%+.*f [%+.*f, %+.*f]%s", digits, d.mean * scale, digits, d.lo * scale, digits,
                      d.hi * scale, d.significant() ? "*" : "");
    }
    return b;
}

}  // namespace prism::study
