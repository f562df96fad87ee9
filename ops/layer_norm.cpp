#include "prism/ops/layer_norm.hpp"

#include <cmath>
#include <vector>

#include "prism/core/layout.hpp"
#include "prism/core/parallel.hpp"
#include "prism/ops/nn_simd.hpp"

namespace prism::ops {

namespace {
std::int64_t row_grain(std::int64_t n) { return std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(n, 1)); }
}  // namespace

namespace ref {
template <class T>
void layer_norm_rows(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, std::int64_t R, std::int64_t C, T eps) {
    for (std::int64_t r = 0; r < R; ++r) {
        const T* xr = x + r * C;
        T m = 0, v = 0;
        for (std::int64_t i = 0; i < C; ++i) m += xr[i];
        m /= T(C);
        for (std::int64_t i = 0; i < C; ++i) v += (xr[i] - m) * (xr[i] - m);
        const T rs = T(1) / std::sqrt(v / T(C) + eps);
        mean[r] = m;
        rstd[r] = rs;
        for (std::int64_t i = 0; i < C; ++i)
            y[r * C + i] = (xr[i] - m) * rs * (w ? w[i] : T(1)) + (b ? b[i] : T(0));
    }
}
template <class T>
void layer_norm_rows_backward(const T* gy, const T* x, const T* w, const T* mean, const T* rstd, T* dx, T* dw, T* db,
                              std::int64_t R, std::int64_t C) {
    for (std::int64_t c = 0; c < C; ++c) {
        if (dw) dw[c] = 0;
        if (db) db[c] = 0;
    }
    for (std::int64_t r = 0; r < R; ++r) {
        T a = 0, c2 = 0;
        for (std::int64_t i = 0; i < C; ++i) {
            const T xh = (x[r * C + i] - mean[r]) * rstd[r];
            const T g = gy[r * C + i] * (w ? w[i] : T(1));
            a += g;
            c2 += g * xh;
            if (dw) dw[i] += gy[r * C + i] * xh;
            if (db) db[i] += gy[r * C + i];
        }
        for (std::int64_t i = 0; i < C; ++i) {
            const T xh = (x[r * C + i] - mean[r]) * rstd[r];
            const T g = gy[r * C + i] * (w ? w[i] : T(1));
            dx[r * C + i] = rstd[r] * (g - a / T(C) - xh * c2 / T(C));
        }
    }
}
}  // namespace ref

template <class T>
void layer_norm_rows(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, std::int64_t R, std::int64_t C, T eps) {
    using B = simd::batch<T>;
    constexpr std::int64_t S = B::size;
    parallel_for(0, R, row_grain(C), [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t r = lo; r < hi; ++r) {
            const T* xr = x + r * C;
            T* yr = y + r * C;
            // two passes (mean, then squared deviations): stable when |mean| >> std
            const T m = simd::row_sum(xr, C) / T(C);
            B vm(m), vv(T(0));
            std::int64_t i = 0;
            for (; i + S <= C; i += S) {
                const B d = B::load_unaligned(xr + i) - vm;
                vv = xsimd::fma(d, d, vv);
            }
            T v = xsimd::hadd(vv);
            for (; i < C; ++i) v += (xr[i] - m) * (xr[i] - m);
            const T rs = T(1) / std::sqrt(v / T(C) + eps);
            mean[r] = m;
            rstd[r] = rs;
            const B vr(rs);
            for (i = 0; i + S <= C; i += S) {
                B h = (B::load_unaligned(xr + i) - vm) * vr;
                if (w) h *= B::load_unaligned(w + i);
                if (b) h += B::load_unaligned(b + i);
                h.store_unaligned(yr + i);
            }
            for (; i < C; ++i) {
                T h = (xr[i] - m) * rs;
                if (w) h *= w[i];
                if (b) h += b[i];
                yr[i] = h;
            }
        }
    });
}

template <class T>
void layer_norm_rows_backward(const T* gy, const T* x, const T* w, const T* mean, const T* rstd, T* dx, T* dw, T* db,
                              std::int64_t R, std::int64_t C) {
    using B = simd::batch<T>;
    constexpr std::int64_t S = B::size;
    // Rows in fixed chunks of `rows` (a function of C alone). dx row by row:
    //   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  g = gy * w,  xhat = (x - mean) * rstd
    // and, in the same pass, each chunk sums gy * xhat and gy over its rows into its own
    // partial (C values each); dweight/dbias add the partials in chunk order, so the result
    // depends on the shape alone, not on the thread count.
    const std::int64_t rows = row_grain(C), chunks = (R + rows - 1) / rows;
    const bool param_grads = dw || db;
    std::vector<T> part_w(param_grads ? static_cast<std::size_t>(chunks * C) : 0, T(0));
    std::vector<T> part_b(param_grads ? static_cast<std::size_t>(chunks * C) : 0, T(0));
    parallel_for(0, chunks, 1, [&](std::int64_t lo, std::int64_t hi) {
        std::vector<T> g(C);
        for (std::int64_t ch = lo; ch < hi; ++ch) {
            T* pw = param_grads ? part_w.data() + ch * C : nullptr;  // (C,) this chunk's sum of gy * xhat
            T* pb = param_grads ? part_b.data() + ch * C : nullptr;  // (C,) this chunk's sum of gy
            for (std::int64_t r = ch * rows; r < std::min(R, (ch + 1) * rows); ++r) {
                const T* xr = x + r * C;
                const T* gr = gy + r * C;
                const B vm(mean[r]), vr(rstd[r]);
                B sg(T(0)), sgx(T(0));
                std::int64_t i = 0;
                for (; i + S <= C; i += S) {
                    const B gyi = B::load_unaligned(gr + i);
                    const B xh = (B::load_unaligned(xr + i) - vm) * vr;
                    const B gi = w ? gyi * B::load_unaligned(w + i) : gyi;
                    gi.store_unaligned(g.data() + i);
                    sg += gi;
                    sgx = xsimd::fma(gi, xh, sgx);
                    if (param_grads) {
                        xsimd::fma(gyi, xh, B::load_unaligned(pw + i)).store_unaligned(pw + i);
                        (B::load_unaligned(pb + i) + gyi).store_unaligned(pb + i);
                    }
                }
                T a = xsimd::hadd(sg), c = xsimd::hadd(sgx);
                for (; i < C; ++i) {
                    const T xh = (xr[i] - mean[r]) * rstd[r];
                    g[i] = w ? gr[i] * w[i] : gr[i];
                    a += g[i];
                    c += g[i] * xh;
                    if (param_grads) {
                        pw[i] += gr[i] * xh;
                        pb[i] += gr[i];
                    }
                }
                a /= T(C);
                c /= T(C);
                const B va(a), vc(c);
                T* dr = dx + r * C;
                for (i = 0; i + S <= C; i += S) {
                    const B xh = (B::load_unaligned(xr + i) - vm) * vr;
                    (vr * (B::load_unaligned(g.data() + i) - va - xh * vc)).store_unaligned(dr + i);
                }
                for (; i < C; ++i) dr[i] = rstd[r] * (g[i] - a - (xr[i] - mean[r]) * rstd[r] * c);
            }
        }
    });
    if (!param_grads) return;
    for (std::int64_t c = 0; c < C; ++c) {
        if (dw) dw[c] = 0;
        if (db) db[c] = 0;
    }
    for (std::int64_t ch = 0; ch < chunks; ++ch)  // (C,) vectors, added in chunk order
        for (std::int64_t c = 0; c < C; ++c) {
            if (dw) dw[c] += part_w[ch * C + c];
            if (db) db[c] += part_b[ch * C + c];
        }
}

#define PRISM_LN_INST(NS, T)                                                                                 \
    template void NS::layer_norm_rows<T>(const T*, const T*, const T*, T*, T*, T*, std::int64_t, std::int64_t, T); \
    template void NS::layer_norm_rows_backward<T>(const T*, const T*, const T*, const T*, const T*, T*, T*, T*, \
                                                  std::int64_t, std::int64_t);
PRISM_LN_INST(ref, float)
PRISM_LN_INST(ref, double)
PRISM_LN_INST(ops, float)
PRISM_LN_INST(ops, double)
#undef PRISM_LN_INST

namespace {
Tensor contig(const Tensor& t) { return t.defined() ? layout::contiguous(t) : t; }
}  // namespace

LayerNormResult layer_norm(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, double eps) {
    auto shapes = [&] {
        return Error::cat("input ", shape_str(x_in.shape()), ", weight ",
                          w_in.defined() ? shape_str(w_in.shape()) : "none", ", bias ",
                          b_in.defined() ? shape_str(b_in.shape()) : "none");
    };
    PRISM_CHECK(x_in.dim() >= 1 && is_floating(x_in.dtype()), "layer_norm", shapes(),
                ": expected a floating tensor with at least one dim");
    const std::int64_t C = x_in.size(-1);
    for (const Tensor* p : {&w_in, &b_in})
        if (p->defined())
            PRISM_CHECK(p->shape() == Shape{C} && p->dtype() == x_in.dtype(), "layer_norm", shapes(),
                        ": weight and bias must be (", C, ") ", dtype_name(x_in.dtype()));
    const Tensor x = contig(x_in), w = contig(w_in), b = contig(b_in);
    const std::int64_t R = C ? x.numel() / C : 0;
    LayerNormResult res{Tensor::empty(x.shape(), x.dtype()), Tensor::empty({R}, x.dtype()),
                        Tensor::empty({R}, x.dtype())};
    dispatch_floating(x.dtype(), [&](auto tag) {
        using T = decltype(tag);
        layer_norm_rows<T>(x.data<T>(), w.defined() ? w.data<T>() : nullptr, b.defined() ? b.data<T>() : nullptr,
                           res.y.data<T>(), res.mean.data<T>(), res.rstd.data<T>(), R, C, T(eps));
    });
    return res;
}

LayerNormGrads layer_norm_backward(const Tensor& gy_in, const Tensor& x_in, const Tensor& w_in, const Tensor& b_in,
                                   const Tensor& mean, const Tensor& rstd) {
    PRISM_CHECK(gy_in.shape() == x_in.shape(), "layer_norm_backward", "gradient ", shape_str(gy_in.shape()),
                " does not match input ", shape_str(x_in.shape()));
    const Tensor x = contig(x_in), gy = contig(gy_in), w = contig(w_in);
    const std::int64_t C = x.size(-1), R = C ? x.numel() / C : 0;
    LayerNormGrads g;
    g.dx = Tensor::empty(x.shape(), x.dtype());
    if (w_in.defined()) g.dweight = Tensor::empty({C}, x.dtype());
    if (b_in.defined()) g.dbias = Tensor::empty({C}, x.dtype());
    dispatch_floating(x.dtype(), [&](auto tag) {
        using T = decltype(tag);
        layer_norm_rows_backward<T>(gy.data<T>(), x.data<T>(), w.defined() ? w.data<T>() : nullptr, mean.data<T>(),
                                    rstd.data<T>(), g.dx.data<T>(), g.dweight.defined() ? g.dweight.data<T>() : nullptr,
                                    g.dbias.defined() ? g.dbias.data<T>() : nullptr, R, C);
    });
    return g;
}

}  // namespace prism::ops
