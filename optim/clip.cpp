#include "prism/optim/clip.hpp"

#include <cmath>

#include "prism/core/parallel.hpp"

namespace prism::optim {

namespace {
constexpr std::int64_t kGrain = 1 << 16;

// Sum of squares of one gradient, in double.
double sum_squares(const Tensor& g) {
    if (g.dtype() == kFloat32 && g.is_contiguous()) {
        const float* x = g.data<float>();
        const std::int64_t n = g.numel();
        std::vector<double> partial(parallel_chunks(n, kGrain), 0.0);
        parallel_for(0, n, kGrain, [&](std::int64_t lo, std::int64_t hi) {
            double s = 0;
            for (std::int64_t i = lo; i < hi; ++i) s += static_cast<double>(x[i]) * x[i];
            partial[lo / kGrain] = s;
        });
        double s = 0;
        for (double p : partial) s += p;
        return s;
    }
    double s = 0;
    for (double v : g.to_vector<double>()) s += v * v;
    return s;
}

void scale_(const Tensor& g, double c) {
    if (g.dtype() == kFloat32 && g.is_contiguous()) {
        float* x = g.data<float>();
        const float cf = static_cast<float>(c);
        parallel_for(0, g.numel(), kGrain, [&](std::int64_t lo, std::int64_t hi) {
            for (std::int64_t i = lo; i < hi; ++i) x[i] *= cf;
        });
        return;
    }
    std::vector<double> v = g.to_vector<double>();
    for (double& e : v) e *= c;
    Tensor(g).copy_(Tensor::from_vector(v, g.shape()));
}
}  // namespace

double grad_norm(const std::vector<Tensor>& params) {
    double total = 0;
    for (const auto& p : params) {
        if (!p.defined()) continue;
        const Tensor g = p.grad();
        if (g.defined()) total += sum_squares(g);
    }
    return std::sqrt(total);
}

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm) {
    const double total = grad_norm(params);
    const double clip_coef = max_norm / (total + 1e-6);
    if (clip_coef < 1.0) {
        for (const auto& p : params) {
            if (!p.defined()) continue;
            const Tensor g = p.grad();
            if (g.defined()) scale_(g, clip_coef);
        }
    }
    return total;
}

double clip_grad_norm_(const NamedParams& params, double max_norm) {
    std::vector<Tensor> ps;
    for (const auto& [n, p] : params) ps.push_back(p);
    return clip_grad_norm_(ps, max_norm);
}

}  // namespace prism::optim
