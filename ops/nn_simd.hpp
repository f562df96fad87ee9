// Row primitives shared by the nn kernels (softmax, cross-entropy, layer norm, attention):
// one contiguous row of n elements, vectorised with xsimd for float and double alike.
// Internal to ops/; each has a plain loop twin in the kernels' ops::ref namespace.
#pragma once
#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace prism::ops::simd {

template <class T> using batch = xsimd::batch<T>;

// max_i x[i] (-inf for n == 0)
template <class T> inline T row_max(const T* x, std::int64_t n) {
    constexpr std::int64_t S = batch<T>::size;
    T m = -std::numeric_limits<T>::infinity();
    std::int64_t i = 0;
    if (n >= S) {
        batch<T> vm = batch<T>::load_unaligned(x);
        for (i = S; i + S <= n; i += S) vm = xsimd::max(vm, batch<T>::load_unaligned(x + i));
        alignas(64) T buf[S];
        vm.store_aligned(buf);
        for (std::int64_t j = 0; j < S; ++j) m = std::max(m, buf[j]);
    }
    for (; i < n; ++i) m = std::max(m, x[i]);
    return m;
}

// sum_i exp(x[i] - m); also writes the exponentials to e when e != nullptr (e may alias x).
template <class T> inline T row_sum_exp(const T* x, T m, T* e, std::int64_t n) {
    constexpr std::int64_t S = batch<T>::size;
    batch<T> vs(T(0)), vm(m);
    std::int64_t i = 0;
    for (; i + S <= n; i += S) {
        batch<T> v = xsimd::exp(batch<T>::load_unaligned(x + i) - vm);
        if (e) v.store_unaligned(e + i);
        vs += v;
    }
    T s = xsimd::hadd(vs);
    for (; i < n; ++i) {
        const T v = std::exp(x[i] - m);
        if (e) e[i] = v;
        s += v;
    }
    return s;
}

template <class T> inline T row_sum(const T* x, std::int64_t n) {
    constexpr std::int64_t S = batch<T>::size;
    batch<T> vs(T(0));
    std::int64_t i = 0;
    for (; i + S <= n; i += S) vs += batch<T>::load_unaligned(x + i);
    T s = xsimd::hadd(vs);
    for (; i < n; ++i) s += x[i];
    return s;
}

template <class T> inline T row_dot(const T* x, const T* y, std::int64_t n) {
    constexpr std::int64_t S = batch<T>::size;
    batch<T> vs(T(0));
    std::int64_t i = 0;
    for (; i + S <= n; i += S) vs = xsimd::fma(batch<T>::load_unaligned(x + i), batch<T>::load_unaligned(y + i), vs);
    T s = xsimd::hadd(vs);
    for (; i < n; ++i) s += x[i] * y[i];
    return s;
}

// y[i] = a * x[i] + b
template <class T> inline void row_affine(const T* x, T a, T b, T* y, std::int64_t n) {
    constexpr std::int64_t S = batch<T>::size;
    const batch<T> va(a), vb(b);
    std::int64_t i = 0;
    for (; i + S <= n; i += S) xsimd::fma(batch<T>::load_unaligned(x + i), va, vb).store_unaligned(y + i);
    for (; i < n; ++i) y[i] = a * x[i] + b;
}

}  // namespace prism::ops::simd
