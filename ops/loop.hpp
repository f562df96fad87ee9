// Internal to ops/: the one strided loop the elementwise kernels share.
//
// map<T>(out, {a, b}, f) computes out[i] = f(a[i], b[i]) with NumPy broadcasting. Dims are
// first coalesced (adjacent dims that are contiguous for every operand merge into one), so
// a contiguous tensor, or a row vector (C) broadcast over (N, C), becomes runs along the
// last dim with per-operand stride 1 or 0. Such runs go through xsimd batches; other runs
// through the same functor on scalars. The flat element range is cut into fixed chunks of
// kGrain elements for parallel_for, so results never depend on scheduling.
//
// Functors are generic lambdas called with T or xsimd::batch<T>; sel/cst below let one
// body serve both. map_ref is the plain loop the ops::ref versions of these kernels share.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>
#include <xsimd/xsimd.hpp>

#include "prism/core/iterate.hpp"
#include "prism/core/parallel.hpp"
#include "prism/core/tensor.hpp"

namespace prism::ops::detail {

inline constexpr std::int64_t kGrain = 32768;  // elements per parallel chunk

// Strides of t as seen from a broadcast shape `to`: missing or size-1 dims read element 0.
inline Strides broadcast_strides(const Tensor& t, const Shape& to) {
    Strides s(to.size(), 0);
    const std::size_t lead = to.size() - t.shape().size();
    for (std::size_t i = 0; i < t.shape().size(); ++i) s[lead + i] = t.shape()[i] == 1 ? 0 : t.strides()[i];
    return s;
}

template <class T> const T* cbase(const Tensor& t) { return static_cast<const T*>(t.storage()->data()); }

// ---- the reference loop ------------------------------------------------------------------
// out[i] = f(double(x[i]), double(g[i])) one element at a time (core/iterate.hpp), x and g
// broadcast together, out in x's floating dtype; g may be undefined (f then gets x[i] twice).
template <class F> Tensor map_ref(const char* op, const Tensor& x, const Tensor& g, F f) {
    const Shape shape = g.defined() ? broadcast_shapes(x.shape(), g.shape(), op) : x.shape();
    Tensor out = Tensor::empty(shape, x.dtype());
    const Strides sx = broadcast_strides(x, shape);
    const Strides sg = g.defined() ? broadcast_strides(g, shape) : sx;
    const Tensor gg = g.defined() ? g : x;
    dispatch_floating(x.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* px = cbase<T>(x);
        const T* pg = cbase<T>(gg);
        T* po = out.data<T>();
        for_each_offset<2>(shape, {&sx, &sg}, {x.offset(), gg.offset()},
                           [&](std::int64_t i, const std::array<std::int64_t, 2>& o) {
                               po[i] = static_cast<T>(f(double(px[o[0]]), double(pg[o[1]])));
                           });
    });
    return out;
}

// ---- helpers that work on scalars and on batches ------------------------------------------
template <class V> struct scalar_of { using type = V; };
template <class T, class A> struct scalar_of<xsimd::batch<T, A>> { using type = T; };
template <class V> V cst(double c) { return V(static_cast<typename scalar_of<V>::type>(c)); }

template <class T> T sel(bool c, T a, T b) { return c ? a : b; }
template <class T, class A>
xsimd::batch<T, A> sel(const xsimd::batch_bool<T, A>& c, const xsimd::batch<T, A>& a, const xsimd::batch<T, A>& b) {
    return xsimd::select(c, a, b);
}

// ---- the loop --------------------------------------------------------------------------
template <std::size_t N> struct Layout {
    Shape shape;  // coalesced, at least one dim
    std::array<Strides, N> strides;
};

template <std::size_t N> Layout<N> coalesce(const Shape& shape, const std::array<Strides, N>& st) {
    Layout<N> L;
    for (std::size_t d = 0; d < shape.size(); ++d) {
        if (shape[d] == 1) continue;  // size-1 dims do not move any pointer
        bool merge = !L.shape.empty();
        for (std::size_t k = 0; k < N && merge; ++k) merge = L.strides[k].back() == st[k][d] * shape[d];
        if (merge) {
            L.shape.back() *= shape[d];
            for (std::size_t k = 0; k < N; ++k) L.strides[k].back() = st[k][d];
            continue;
        }
        L.shape.push_back(shape[d]);
        for (std::size_t k = 0; k < N; ++k) L.strides[k].push_back(st[k][d]);
    }
    if (L.shape.empty()) {
        L.shape = {1};
        for (std::size_t k = 0; k < N; ++k) L.strides[k] = {0};
    }
    return L;
}

// body(offs, n, inner_strides) for each run of n elements along the (coalesced) last dim.
template <std::size_t N, class F>
void for_each_run(const Shape& shape, const std::array<Strides, N>& st, const std::array<std::int64_t, N>& base,
                  F&& body, std::int64_t grain = kGrain) {
    const Layout<N> L = coalesce<N>(shape, st);
    const std::int64_t total = numel(L.shape);
    if (total == 0) return;
    const std::size_t nd = L.shape.size();
    const std::int64_t inner = L.shape.back();
    std::array<std::int64_t, N> istr;
    for (std::size_t k = 0; k < N; ++k) istr[k] = L.strides[k].back();
    parallel_for(0, total, grain, [&](std::int64_t lo, std::int64_t hi) {
        std::vector<std::int64_t> idx(nd);
        std::int64_t rem = lo;
        for (std::size_t d = nd; d-- > 0;) {
            idx[d] = rem % L.shape[d];
            rem /= L.shape[d];
        }
        std::array<std::int64_t, N> offs = base;
        for (std::size_t d = 0; d < nd; ++d)
            for (std::size_t k = 0; k < N; ++k) offs[k] += idx[d] * L.strides[k][d];
        for (std::int64_t i = lo; i < hi;) {
            const std::int64_t n = std::min(inner - idx[nd - 1], hi - i);
            body(offs, n, istr);
            i += n;
            idx[nd - 1] += n;
            for (std::size_t k = 0; k < N; ++k) offs[k] += n * istr[k];
            if (idx[nd - 1] < inner) continue;
            for (std::size_t k = 0; k < N; ++k) offs[k] -= inner * istr[k];
            idx[nd - 1] = 0;
            for (std::size_t d = nd - 1; d-- > 0;) {  // carry into the outer dims
                ++idx[d];
                for (std::size_t k = 0; k < N; ++k) offs[k] += L.strides[k][d];
                if (idx[d] < L.shape[d]) break;
                for (std::size_t k = 0; k < N; ++k) offs[k] -= L.strides[k][d] * L.shape[d];
                idx[d] = 0;
            }
        }
    });
}

// out[i] = f(in_0[i], ..., in_{M-1}[i]); out has the broadcast shape and dtype T, any strides.
template <class T, std::size_t M, class F>
void map_into(const Tensor& out, const std::array<Tensor, M>& ins, F f) {
    using B = xsimd::batch<T>;
    constexpr std::int64_t S = static_cast<std::int64_t>(B::size);
    std::array<Strides, M + 1> st;
    std::array<std::int64_t, M + 1> base;
    st[0] = out.strides();
    base[0] = out.offset();
    std::array<const T*, M> ptr;
    for (std::size_t k = 0; k < M; ++k) {
        st[k + 1] = broadcast_strides(ins[k], out.shape());
        base[k + 1] = ins[k].offset();
        ptr[k] = cbase<T>(ins[k]);
    }
    T* po = static_cast<T*>(out.storage()->data());
    for_each_run<M + 1>(out.shape(), st, base,
                        [&](const std::array<std::int64_t, M + 1>& o, std::int64_t n,
                            const std::array<std::int64_t, M + 1>& is) {
                            T* dst = po + o[0];
                            std::array<const T*, M> p;
                            bool unit = is[0] == 1;
                            for (std::size_t k = 0; k < M; ++k) {
                                p[k] = ptr[k] + o[k + 1];
                                unit = unit && (is[k + 1] == 1 || is[k + 1] == 0);
                            }
                            std::int64_t j = 0;
                            if (unit) {
                                std::array<B, M> bc;  // stride-0 operands: one broadcast value
                                for (std::size_t k = 0; k < M; ++k) bc[k] = B(p[k][0]);
                                auto load = [&](std::size_t k, std::int64_t at) {
                                    return is[k + 1] == 0 ? bc[k] : B::load_unaligned(p[k] + at);
                                };
                                for (; j + S <= n; j += S) {
                                    const B r = [&]<std::size_t... K>(std::index_sequence<K...>) {
                                        return B(f(load(K, j)...));
                                    }(std::make_index_sequence<M>{});
                                    r.store_unaligned(dst + j);
                                }
                            }
                            for (; j < n; ++j)
                                dst[j * is[0]] = [&]<std::size_t... K>(std::index_sequence<K...>) {
                                    return static_cast<T>(f(p[K][j * is[K + 1]]...));
                                }(std::make_index_sequence<M>{});
                        });
}

// A fresh contiguous tensor with the broadcast shape of the inputs, filled by map_into.
template <class T, std::size_t M, class F> Tensor map(const std::array<Tensor, M>& ins, F f, const char* op) {
    Shape shape = ins[0].shape();
    for (std::size_t k = 1; k < M; ++k) shape = broadcast_shapes(shape, ins[k].shape(), op);
    Tensor out = Tensor::empty(shape, dtype_of<T>::value);
    map_into<T, M>(out, ins, f);
    return out;
}

}  // namespace prism::ops::detail
