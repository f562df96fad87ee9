#include "prism/optim/kernels.hpp"

#include <cmath>
#include <xsimd/xsimd.hpp>

#include "prism/core/parallel.hpp"

// GCC 12 flags _mm512_sqrt_ps's internal "undefined" register as maybe-uninitialized (a false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// No a*b+c -> fma contraction in the scalar loops: they must round exactly like the vector lanes.
#pragma GCC optimize("fp-contract=off")

namespace prism::optim {

namespace {
constexpr std::int64_t kGrain = 1 << 15;  // elements per parallel chunk (~0.5 MB of streams)

inline float vsqrt(float x) { return std::sqrt(x); }
inline xsimd::batch<float> vsqrt(const xsimd::batch<float>& x) { return xsimd::sqrt(x); }

// One element / one batch of AdamW. V is float or xsimd::batch<float>; the same expression
// tree in both, in PyTorch's evaluation order:
//   addcmul: v + (value * g) * g;  addcdiv: p + (value * m) / denom.
template <class V, class S> inline void adamw_elem(V& p, const V& g, V& m, V& v, const S& s) {
    p = p * V(s.decay);
    m = m * V(s.beta1) + V(s.one_minus_beta1) * g;
    v = v * V(s.beta2) + (V(s.one_minus_beta2) * g) * g;
    const V denom = vsqrt(v) / V(s.bias_correction2_sqrt) + V(s.eps);
    p = p + (V(s.neg_step_size) * m) / denom;
}

// SGD, one element / batch: returns the new param; updates buf when momentum != 0.
template <class V> inline V sgd_elem(V p, V g, V* buf, const SGDScalars& s) {
    V d = g;
    if (s.weight_decay != 0.f) d = d + V(s.weight_decay) * p;
    if (s.momentum != 0.f) {
        V b = s.first ? d : *buf * V(s.momentum) + V(s.one_minus_dampening) * d;
        *buf = b;
        d = s.nesterov ? d + V(s.momentum) * b : b;
    }
    return p + V(-s.lr) * d;
}
}  // namespace

AdamWScalars AdamWScalars::make(double lr, double beta1, double beta2, double eps, double weight_decay,
                                std::int64_t step) {
    const double bc1 = 1.0 - std::pow(beta1, static_cast<double>(step));
    const double bc2 = 1.0 - std::pow(beta2, static_cast<double>(step));
    AdamWScalars s;
    s.decay = static_cast<float>(1.0 - lr * weight_decay);
    s.beta1 = static_cast<float>(beta1);
    s.one_minus_beta1 = static_cast<float>(1.0 - beta1);
    s.beta2 = static_cast<float>(beta2);
    s.one_minus_beta2 = static_cast<float>(1.0 - beta2);
    s.bias_correction2_sqrt = static_cast<float>(std::sqrt(bc2));
    s.eps = static_cast<float>(eps);
    s.neg_step_size = static_cast<float>(-(lr / bc1));
    return s;
}

void adamw_update_ref(float* p, const float* g, float* m, float* v, std::int64_t n, const AdamWScalars& s) {
    for (std::int64_t i = 0; i < n; ++i) {
        float pi = p[i], mi = m[i], vi = v[i];
        adamw_elem(pi, g[i], mi, vi, s);
        p[i] = pi, m[i] = mi, v[i] = vi;
    }
}

void adamw_update(float* p, const float* g, float* m, float* v, std::int64_t n, const AdamWScalars& s) {
    using B = xsimd::batch<float>;
    constexpr std::int64_t W = B::size;
    parallel_for(0, n, kGrain, [&](std::int64_t lo, std::int64_t hi) {
        std::int64_t i = lo;
        for (; i + W <= hi; i += W) {
            B pb = B::load_unaligned(p + i), mb = B::load_unaligned(m + i), vb = B::load_unaligned(v + i);
            adamw_elem(pb, B::load_unaligned(g + i), mb, vb, s);
            pb.store_unaligned(p + i);
            mb.store_unaligned(m + i);
            vb.store_unaligned(v + i);
        }
        adamw_update_ref(p + i, g + i, m + i, v + i, hi - i, s);
    });
}

SGDScalars SGDScalars::make(double lr, double momentum, double dampening, double weight_decay, bool nesterov,
                            bool first) {
    return {static_cast<float>(lr), static_cast<float>(momentum), static_cast<float>(1.0 - dampening),
            static_cast<float>(weight_decay), nesterov, first};
}

void sgd_update_ref(float* p, const float* g, float* buf, std::int64_t n, const SGDScalars& s) {
    float dummy = 0.f;
    for (std::int64_t i = 0; i < n; ++i) p[i] = sgd_elem<float>(p[i], g[i], buf ? buf + i : &dummy, s);
}

void sgd_update(float* p, const float* g, float* buf, std::int64_t n, const SGDScalars& s) {
    using B = xsimd::batch<float>;
    constexpr std::int64_t W = B::size;
    parallel_for(0, n, kGrain, [&](std::int64_t lo, std::int64_t hi) {
        std::int64_t i = lo;
        B dummy(0.f);
        for (; i + W <= hi; i += W) {
            B b = buf ? B::load_unaligned(buf + i) : B(0.f);
            B pn = sgd_elem<B>(B::load_unaligned(p + i), B::load_unaligned(g + i), buf ? &b : &dummy, s);
            pn.store_unaligned(p + i);
            if (buf) b.store_unaligned(buf + i);
        }
        sgd_update_ref(p + i, g + i, buf ? buf + i : nullptr, hi - i, s);
    });
}

}  // namespace prism::optim
