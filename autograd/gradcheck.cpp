#include "prism/autograd/gradcheck.hpp"

#include <cmath>
#include <sstream>

#include "prism/autograd/grad_mode.hpp"
#include "prism/core/iterate.hpp"
#include "prism/core/rng.hpp"

namespace prism {

namespace {

double dot(const Tensor& y, const std::vector<double>& w) {
    const auto v = y.to_vector<double>();
    double s = 0;
    for (std::size_t i = 0; i < v.size(); ++i) s += v[i] * w[i];
    return s;
}

// Storage offsets of every element of t, in row-major order.
std::vector<std::int64_t> element_offsets(const Tensor& t) {
    std::vector<std::int64_t> offs(t.numel());
    for_each_offset<1>(t.shape(), {&t.strides()}, {t.offset()},
                       [&](std::int64_t i, const std::array<std::int64_t, 1>& o) { offs[i] = o[0]; });
    return offs;
}

}  // namespace

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, const GradcheckOptions& opts) {
    GradcheckResult res;
    for (const auto& x : inputs)
        if (x.defined() && x.requires_grad() && x.dtype() != kFloat64)
            throw Error("gradcheck", "inputs that require grad must be float64, got ", dtype_name(x.dtype()), " ",
                        shape_str(x.shape()));

    for (const auto& x : inputs)
        if (x.defined() && x.requires_grad()) const_cast<Tensor&>(x).zero_grad();
    Tensor y = f(inputs);
    Generator gen(opts.seed);
    Tensor w = Tensor::randn(y.shape(), gen, kFloat64);
    const std::vector<double> wv = w.to_vector<double>();
    y.backward(w.to(y.dtype()));

    std::ostringstream rep;
    int shown = 0;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        const Tensor& x = inputs[k];
        if (!x.defined() || !x.requires_grad()) continue;
        const Tensor ga = x.grad();
        const std::vector<double> analytic = ga.defined() ? ga.to_vector<double>() : std::vector<double>(x.numel(), 0.0);
        double* base = static_cast<double*>(x.storage()->data());
        const auto offs = element_offsets(x);
        for (std::size_t i = 0; i < offs.size(); ++i) {
            double numeric;
            {
                NoGradGuard ng;
                const double orig = base[offs[i]];
                base[offs[i]] = orig + opts.eps;
                const double fp = dot(f(inputs), wv);
                base[offs[i]] = orig - opts.eps;
                const double fm = dot(f(inputs), wv);
                base[offs[i]] = orig;
                numeric = (fp - fm) / (2 * opts.eps);
            }
            const double err = std::fabs(numeric - analytic[i]);
            res.max_abs_error = std::max(res.max_abs_error, err);
            if (err > opts.atol + opts.rtol * std::fabs(numeric)) {
                res.ok = false;
                if (shown++ < 5)
                    rep << "input " << k << " " << shape_str(x.shape()) << " element " << i << ": analytic "
                        << analytic[i] << ", numeric " << numeric << "\n";
            }
        }
    }
    res.report = res.ok ? "ok" : rep.str();
    return res;
}

}  // namespace prism
