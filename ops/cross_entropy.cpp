#include "prism/ops/cross_entropy.hpp"

#include <cmath>
#include <limits>

#include "prism/core/layout.hpp"
#include "prism/core/parallel.hpp"
#include "prism/ops/nn_simd.hpp"

namespace prism::ops {

namespace {
std::int64_t row_grain(std::int64_t n) { return std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(n, 1)); }
}  // namespace

namespace ref {
template <class T>
void cross_entropy_rows(const T* x, const std::int64_t* t, T* loss, T* lse, std::int64_t N, std::int64_t C,
                        std::int64_t ignore_index, T eps) {
    for (std::int64_t r = 0; r < N; ++r) {
        const T* xr = x + r * C;
        T m = -std::numeric_limits<T>::infinity(), s = 0, nlp = 0;
        for (std::int64_t i = 0; i < C; ++i) m = std::max(m, xr[i]);
        for (std::int64_t i = 0; i < C; ++i) s += std::exp(xr[i] - m);
        lse[r] = m + std::log(s);
        for (std::int64_t i = 0; i < C; ++i) nlp += lse[r] - xr[i];
        loss[r] = t[r] == ignore_index ? T(0) : (T(1) - eps) * (lse[r] - xr[t[r]]) + eps * nlp / T(C);
    }
}
template void cross_entropy_rows<float>(const float*, const std::int64_t*, float*, float*, std::int64_t, std::int64_t,
                                        std::int64_t, float);
template void cross_entropy_rows<double>(const double*, const std::int64_t*, double*, double*, std::int64_t,
                                         std::int64_t, std::int64_t, double);
}  // namespace ref

template <class T>
void cross_entropy_rows(const T* x, const std::int64_t* t, T* loss, T* lse, std::int64_t N, std::int64_t C,
                        std::int64_t ignore_index, T eps) {
    parallel_for(0, N, row_grain(C), [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t r = lo; r < hi; ++r) {
            const T* xr = x + r * C;
            const T m = simd::row_max(xr, C);
            const T l = m + std::log(simd::row_sum_exp<T>(xr, m, nullptr, C));
            lse[r] = l;
            if (t[r] == ignore_index) {
                loss[r] = 0;
                continue;
            }
            T v = (T(1) - eps) * (l - xr[t[r]]);
            if (eps != T(0)) v += eps * (l - simd::row_sum(xr, C) / T(C));  // mean_c(-logp_c)
            loss[r] = v;
        }
    });
}

template <class T>
void cross_entropy_rows_backward(const T* x, const std::int64_t* t, const T* lse, const T* grow, T* dx, std::int64_t N,
                                 std::int64_t C, std::int64_t ignore_index, T eps) {
    using B = simd::batch<T>;
    constexpr std::int64_t S = B::size;
    parallel_for(0, N, row_grain(C), [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t r = lo; r < hi; ++r) {
            T* dr = dx + r * C;
            const T* xr = x + r * C;
            if (t[r] == ignore_index) {
                for (std::int64_t i = 0; i < C; ++i) dr[i] = 0;
                continue;
            }
            const T g = grow[r], off = eps / T(C);
            const B vl(lse[r]), vg(g), voff(off);
            std::int64_t i = 0;
            for (; i + S <= C; i += S)
                ((xsimd::exp(B::load_unaligned(xr + i) - vl) - voff) * vg).store_unaligned(dr + i);
            for (; i < C; ++i) dr[i] = (std::exp(xr[i] - lse[r]) - off) * g;
            dr[t[r]] -= (T(1) - eps) * g;
        }
    });
}

template void cross_entropy_rows<float>(const float*, const std::int64_t*, float*, float*, std::int64_t, std::int64_t,
                                        std::int64_t, float);
template void cross_entropy_rows<double>(const double*, const std::int64_t*, double*, double*, std::int64_t,
                                         std::int64_t, std::int64_t, double);
template void cross_entropy_rows_backward<float>(const float*, const std::int64_t*, const float*, const float*, float*,
                                                 std::int64_t, std::int64_t, std::int64_t, float);
template void cross_entropy_rows_backward<double>(const double*, const std::int64_t*, const double*, const double*,
                                                  double*, std::int64_t, std::int64_t, std::int64_t, double);

CrossEntropyForward cross_entropy(const Tensor& logits, const Tensor& target, std::int64_t ignore_index,
                                  double label_smoothing) {
    const std::string shapes =
        Error::cat("logits ", shape_str(logits.shape()), ", target ", shape_str(target.shape()));
    PRISM_CHECK(logits.dim() == 2 && is_floating(logits.dtype()), "cross_entropy", shapes,
                ": logits must be a floating (N, C) tensor");
    PRISM_CHECK(target.dtype() == kInt64 || target.dtype() == kInt32, "cross_entropy", shapes, ": target must be int64, got ",
                dtype_name(target.dtype()));
    PRISM_CHECK(target.dim() == 1 && target.size(0) == logits.size(0), "cross_entropy", shapes,
                ": target must be (N) = (", logits.size(0), ")");
    PRISM_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, "cross_entropy", "label_smoothing ",
                label_smoothing, " not in [0, 1]");
    const std::int64_t N = logits.size(0), C = logits.size(1);
    const Tensor x = layout::contiguous(logits), t = layout::contiguous(layout::to(target, kInt64));
    const std::int64_t* tp = t.data<std::int64_t>();
    CrossEntropyForward res{Tensor::empty({N}, x.dtype()), Tensor::empty({N}, x.dtype()), 0};
    for (std::int64_t r = 0; r < N; ++r) {
        if (tp[r] == ignore_index) continue;
        PRISM_CHECK(tp[r] >= 0 && tp[r] < C, "cross_entropy", shapes, ": target ", tp[r], " at index ", r,
                    " is out of range for C = ", C);
        ++res.count;
    }
    dispatch_floating(x.dtype(), [&](auto tag) {
        using T = decltype(tag);
        cross_entropy_rows<T>(x.data<T>(), tp, res.loss.data<T>(), res.lse.data<T>(), N, C, ignore_index,
                              T(label_smoothing));
    });
    return res;
}

Tensor cross_entropy_backward(const Tensor& logits, const Tensor& target, const Tensor& lse, const Tensor& grow,
                              std::int64_t ignore_index, double label_smoothing) {
    const Tensor x = layout::contiguous(logits), t = layout::contiguous(layout::to(target, kInt64));
    const Tensor g = layout::contiguous(grow);
    const std::int64_t N = x.size(0), C = x.size(1);
    Tensor dx = Tensor::empty({N, C}, x.dtype());
    dispatch_floating(x.dtype(), [&](auto tag) {
        using T = decltype(tag);
        cross_entropy_rows_backward<T>(x.data<T>(), t.data<std::int64_t>(), lse.data<T>(), g.data<T>(),
                                       dx.data<T>(), N, C, ignore_index, T(label_smoothing));
    });
    return dx;
}

}  // namespace prism::ops
