#include "prism/ops/softmax.hpp"

#include <cmath>
#include <limits>

#include "prism/core/layout.hpp"
#include "prism/core/parallel.hpp"
#include "prism/ops/nn_simd.hpp"

namespace prism::ops {

namespace {
// ~32k elements per task so tiny rows still amortise the task overhead.
std::int64_t row_grain(std::int64_t n) { return std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(n, 1)); }

// dim moved to the end, contiguous: the layout every row kernel wants.
Tensor to_rows(const Tensor& x, std::int64_t d) {
    return layout::contiguous(d == x.dim() - 1 ? layout::alias(x) : layout::transpose(x, d, -1));
}
Tensor from_rows(const Tensor& r, std::int64_t d, std::int64_t ndim) {
    return d == ndim - 1 ? r : layout::contiguous(layout::transpose(r, d, -1));
}
}  // namespace

namespace ref {
template <class T> void softmax_rows(const T* x, T* y, std::int64_t rows, std::int64_t n, bool log) {
    for (std::int64_t r = 0; r < rows; ++r) {
        const T* xr = x + r * n;
        T* yr = y + r * n;
        T m = -std::numeric_limits<T>::infinity();
        for (std::int64_t i = 0; i < n; ++i) m = std::max(m, xr[i]);
        T s = 0;
        for (std::int64_t i = 0; i < n; ++i) s += std::exp(xr[i] - m);
        for (std::int64_t i = 0; i < n; ++i) yr[i] = log ? xr[i] - m - std::log(s) : std::exp(xr[i] - m) / s;
    }
}
template <class T>
void softmax_rows_backward(const T* y, const T* gy, T* gx, std::int64_t rows, std::int64_t n, bool log) {
    for (std::int64_t r = 0; r < rows; ++r) {
        const T* yr = y + r * n;
        const T* gr = gy + r * n;
        T s = 0;
        for (std::int64_t i = 0; i < n; ++i) s += log ? gr[i] : gr[i] * yr[i];
        for (std::int64_t i = 0; i < n; ++i) gx[r * n + i] = log ? gr[i] - std::exp(yr[i]) * s : yr[i] * (gr[i] - s);
    }
}
template void softmax_rows<float>(const float*, float*, std::int64_t, std::int64_t, bool);
template void softmax_rows<double>(const double*, double*, std::int64_t, std::int64_t, bool);
template void softmax_rows_backward<float>(const float*, const float*, float*, std::int64_t, std::int64_t, bool);
template void softmax_rows_backward<double>(const double*, const double*, double*, std::int64_t, std::int64_t, bool);
}  // namespace ref

template <class T> void softmax_rows(const T* x, T* y, std::int64_t rows, std::int64_t n, bool log) {
    parallel_for(0, rows, row_grain(n), [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t r = lo; r < hi; ++r) {
            const T* xr = x + r * n;
            T* yr = y + r * n;
            const T m = simd::row_max(xr, n);
            if (log) {
                const T lse = m + std::log(simd::row_sum_exp<T>(xr, m, nullptr, n));
                simd::row_affine<T>(xr, T(1), -lse, yr, n);
            } else {
                const T s = simd::row_sum_exp(xr, m, yr, n);
                simd::row_affine<T>(yr, T(1) / s, T(0), yr, n);
            }
        }
    });
}

template <class T>
void softmax_rows_backward(const T* y, const T* gy, T* gx, std::int64_t rows, std::int64_t n, bool log) {
    using B = simd::batch<T>;
    constexpr std::int64_t S = B::size;
    parallel_for(0, rows, row_grain(n), [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t r = lo; r < hi; ++r) {
            const T* yr = y + r * n;
            const T* gr = gy + r * n;
            T* xr = gx + r * n;
            std::int64_t i = 0;
            if (log) {
                const T st = simd::row_sum(gr, n);
                const B s(st);
                for (; i + S <= n; i += S)
                    (B::load_unaligned(gr + i) - xsimd::exp(B::load_unaligned(yr + i)) * s).store_unaligned(xr + i);
                for (; i < n; ++i) xr[i] = gr[i] - std::exp(yr[i]) * st;
            } else {
                const T d = simd::row_dot(gr, yr, n);
                const B vd(d);
                for (; i + S <= n; i += S)
                    (B::load_unaligned(yr + i) * (B::load_unaligned(gr + i) - vd)).store_unaligned(xr + i);
                for (; i < n; ++i) xr[i] = yr[i] * (gr[i] - d);
            }
        }
    });
}

template void softmax_rows<float>(const float*, float*, std::int64_t, std::int64_t, bool);
template void softmax_rows<double>(const double*, double*, std::int64_t, std::int64_t, bool);
template void softmax_rows_backward<float>(const float*, const float*, float*, std::int64_t, std::int64_t, bool);
template void softmax_rows_backward<double>(const double*, const double*, double*, std::int64_t, std::int64_t, bool);

Tensor softmax(const Tensor& x, std::int64_t dim, bool log) {
    const char* op = log ? "log_softmax" : "softmax";
    PRISM_CHECK(is_floating(x.dtype()), op, "input ", shape_str(x.shape()), " is ", dtype_name(x.dtype()),
                ", expected a floating dtype");
    if (x.dim() == 0) return layout::reshape(softmax(layout::reshape(x, {1}), 0, log), {});
    const std::int64_t d = wrap_dim(dim, x.dim(), op);
    const Tensor r = to_rows(x, d);
    Tensor y = Tensor::empty(r.shape(), r.dtype());
    const std::int64_t n = r.size(-1), rows = n ? r.numel() / n : 0;
    dispatch_floating(x.dtype(), [&](auto tag) {
        using T = decltype(tag);
        softmax_rows<T>(r.data<T>(), y.data<T>(), rows, n, log);
    });
    return from_rows(y, d, x.dim());
}

Tensor softmax_backward(const Tensor& y, const Tensor& gy, std::int64_t dim, bool log) {
    const char* op = log ? "log_softmax_backward" : "softmax_backward";
    PRISM_CHECK(y.shape() == gy.shape() && y.dtype() == gy.dtype(), op, "output ", shape_str(y.shape()),
                " and its gradient ", shape_str(gy.shape()), " differ");
    if (y.dim() == 0)
        return layout::reshape(softmax_backward(layout::reshape(y, {1}), layout::reshape(gy, {1}), 0, log), {});
    const std::int64_t d = wrap_dim(dim, y.dim(), op);
    const Tensor ry = to_rows(y, d), rg = to_rows(gy, d);
    Tensor gx = Tensor::empty(ry.shape(), ry.dtype());
    const std::int64_t n = ry.size(-1), rows = n ? ry.numel() / n : 0;
    dispatch_floating(y.dtype(), [&](auto tag) {
        using T = decltype(tag);
        softmax_rows_backward<T>(ry.data<T>(), rg.data<T>(), gx.data<T>(), rows, n, log);
    });
    return from_rows(gx, d, y.dim());
}

}  // namespace prism::ops
