#include "prism/nn/init.hpp"

#include <cmath>
#include <vector>

namespace prism::nn::init {

namespace {

Generator& pick(Generator* gen) { return gen ? *gen : default_generator(); }

// Draw n numbers in float64, transform them, and copy into t (any layout, float dtype).
template <class F> Tensor& fill_from(Tensor& t, const char* op, bool normal, Generator* gen, F&& transform) {
    if (!is_floating(t.dtype())) throw Error(op, "needs a float tensor, got ", dtype_name(t.dtype()), " ", shape_str(t.shape()));
    Tensor src = Tensor::empty(t.shape(), kFloat64);
    double* p = src.data<double>();
    const std::int64_t n = src.numel();
    if (normal)
        pick(gen).normal(p, n);
    else
        pick(gen).uniform(p, n);
    for (std::int64_t i = 0; i < n; ++i) p[i] = transform(p[i]);
    t.copy_(src);
    return t;
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// Inverse of the standard normal CDF: Acklam's rational approximation (rel. error 1e-9)
// refined by one Halley step against erfc.
double normal_icdf(double p) {
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                               1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                               6.680131188771972e+01, -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                               -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    if (p <= 0) return -INFINITY;
    if (p >= 1) return INFINITY;
    double x;
    if (p < 0.02425) {
        const double q = std::sqrt(-2 * std::log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p > 1 - 0.02425) {
        const double q = std::sqrt(-2 * std::log(1 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else {
        const double q = p - 0.5, r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
    const double e = normal_cdf(x) - p;
    const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

}  // namespace

Tensor& zeros_(Tensor& t) { return constant_(t, 0.0); }
Tensor& ones_(Tensor& t) { return constant_(t, 1.0); }
Tensor& constant_(Tensor& t, double value) {
    t.fill_(value);
    return t;
}

Tensor& normal_(Tensor& t, double mean, double std, Generator* gen) {
    return fill_from(t, "normal_", true, gen, [&](double z) { return mean + std * z; });
}

Tensor& uniform_(Tensor& t, double a, double b, Generator* gen) {
    if (!(a <= b)) throw Error("uniform_", "a ", a, " > b ", b, " for ", shape_str(t.shape()));
    return fill_from(t, "uniform_", false, gen, [&](double u) { return a + (b - a) * u; });
}

Tensor& trunc_normal_(Tensor& t, double std, double mean, std::optional<double> a, std::optional<double> b,
                      Generator* gen) {
    const double lo = a.value_or(mean - 2 * std), hi = b.value_or(mean + 2 * std);
    if (!(std > 0) || !(lo < hi))
        throw Error("trunc_normal_", shape_str(t.shape()), ": need std > 0 and a < b, got std ", std, ", [", lo, ", ",
                    hi, "]");
    const double pl = normal_cdf((lo - mean) / std), ph = normal_cdf((hi - mean) / std);
    return fill_from(t, "trunc_normal_", false, gen, [&](double u) {
        const double x = mean + std * normal_icdf(pl + (ph - pl) * u);
        return std::min(std::max(x, lo), hi);  // rounding at the edges
    });
}

std::pair<std::int64_t, std::int64_t> fan_in_and_out(const Tensor& t) {
    if (t.dim() < 2)
        throw Error("fan_in_and_out", "needs a tensor with at least 2 dims, got ", shape_str(t.shape()));
    std::int64_t receptive = 1;
    for (std::int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
    return {t.size(1) * receptive, t.size(0) * receptive};
}

Tensor& kaiming_uniform_(Tensor& t, double a, Generator* gen) {
    const auto [fan_in, fan_out] = fan_in_and_out(t);
    const double gain = std::sqrt(2.0 / (1.0 + a * a));
    const double bound = fan_in > 0 ? gain * std::sqrt(3.0 / static_cast<double>(fan_in)) : 0.0;
    return uniform_(t, -bound, bound, gen);
}

Tensor& xavier_uniform_(Tensor& t, double gain, Generator* gen) {
    const auto [fan_in, fan_out] = fan_in_and_out(t);
    const double bound = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
    return uniform_(t, -bound, bound, gen);
}

}  // namespace prism::nn::init
