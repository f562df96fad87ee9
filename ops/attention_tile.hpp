// Register-tiled small GEMM panels for the fused attention kernels (internal to ops/).
//
// One call computes a panel of up to MR = 6 rows of C = alpha * A @ B over a contraction range
// [k0, k1):
//   C[r, j] = alpha * sum_{k0 <= k < k1} A[r * rsa + k * csa] * Bp[k * ldb + j],  r < mr, j < n
// A may have any strides (each element is broadcast once per k); Bp is a packed row-major
// panel whose rows are padded with zeros to a multiple of the vector width W, so a tile of
// NV <= 4 vectors (6 x 4 x 16 = 384 floats of C under AVX-512) lives in 24 registers.
// Attention products are tiny (50x50x64 per head): BLIS's packing, blocking and per-call
// OpenMP region cost more than the arithmetic there, and these panels skip all of it.
#pragma once
#include <xsimd/xsimd.hpp>

#include <algorithm>
#include <cstdint>
#include <type_traits>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace prism::ops::tile {

template <class T> using batch = xsimd::batch<T>;
template <class T> inline constexpr std::int64_t W = batch<T>::size;
inline constexpr int kMR = 6, kNV = 4;

// Round n up to a multiple of the vector width.
template <class T> inline std::int64_t padded(std::int64_t n) { return (n + W<T> - 1) / W<T> * W<T>; }

#if defined(__AVX512F__)
// In-register transpose of 16 rows of 16 floats (unpack 32-bit, unpack 64-bit, two 128-bit
// lane shuffles).
inline void transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {
        u[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        u[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        u[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
        u[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
    }
    // u[4g + m], 128-bit lane k: column 4k + m of rows 4g .. 4g+3
    for (int m = 0; m < 4; ++m) {
        const __m512 v = _mm512_shuffle_f32x4(u[m], u[4 + m], 0x88), w = _mm512_shuffle_f32x4(u[m], u[4 + m], 0xDD);
        const __m512 v2 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0x88);
        const __m512 w2 = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0xDD);
        r[m] = _mm512_shuffle_f32x4(v, v2, 0x88);
        r[4 + m] = _mm512_shuffle_f32x4(w, w2, 0x88);
        r[8 + m] = _mm512_shuffle_f32x4(v, v2, 0xDD);
        r[12 + m] = _mm512_shuffle_f32x4(w, w2, 0xDD);
    }
}

// dst (cols, ld) = src^T for src (rows, cols) with row stride rs and unit column stride;
// columns [rows, ld) of dst zeroed. dst 64-byte aligned, ld a multiple of 16.
inline void pack_transposed(const float* src, std::int64_t rows, std::int64_t cols, std::int64_t rs, float* dst,
                            std::int64_t ld) {
    for (std::int64_t j0 = 0; j0 < ld; j0 += 16)
        for (std::int64_t c0 = 0; c0 < cols; c0 += 16) {
            const std::int64_t nr = std::min<std::int64_t>(16, rows - j0), nc = std::min<std::int64_t>(16, cols - c0);
            const __mmask16 m = nc == 16 ? __mmask16(0xFFFF) : __mmask16((1u << nc) - 1);
            __m512 r[16];
            for (int i = 0; i < 16; ++i)
                r[i] = i < nr ? _mm512_maskz_loadu_ps(m, src + (j0 + i) * rs + c0) : _mm512_setzero_ps();
            transpose16(r);
            for (int i = 0; i < nc; ++i) _mm512_store_ps(dst + (c0 + i) * ld + j0, r[i]);
        }
}
#endif

// d[0, n) = s[0, n cs) (element stride cs), d[n, np) = 0; d aligned, np a multiple of W<T>.
// Contiguous rows move as whole vectors inline: a memmove call per 256-byte row was 5-10% of a
// T = 50 head.
template <class T> inline void copy_row(const T* s, std::int64_t cs, std::int64_t n, std::int64_t np, T* d) {
    std::int64_t c = 0;
    if (cs == 1)
        for (; c + W<T> <= n; c += W<T>) batch<T>::load_unaligned(s + c).store_aligned(d + c);
    for (; c < n; ++c) d[c] = s[c * cs];
    std::fill(d + n, d + np, T(0));
}

// dst (rows, ld) row-major = src (rows, cols) with strides (rs, cs); columns [cols, ld) zeroed.
// dst is 64-byte aligned and ld a multiple of W<T>.
template <class T>
inline void pack(const T* src, std::int64_t rows, std::int64_t cols, std::int64_t rs, std::int64_t cs, T* dst,
                 std::int64_t ld) {
#if defined(__AVX512F__)
    // a transpose (k^T from k's contiguous rows): 16x16 blocks in registers, not strided scalar
    // loads (those were ~10% of the forward at T = 50)
    if constexpr (std::is_same_v<T, float>) {
        if (rs == 1 && cs != 1) {
            pack_transposed(src, cols, rows, cs, dst, ld);
            return;
        }
    }
#endif
    for (std::int64_t r = 0; r < rows; ++r) copy_row(src + r * rs, cs, cols, ld, dst + r * ld);
}

// One MR x NV-vector tile; n = valid columns of this tile (a partial last vector is stored
// through a buffer so C needs no padding).
template <class T, int MR, int NV>
void kernel(std::int64_t k0, std::int64_t k1, T alpha, const T* A, std::int64_t rsa, std::int64_t csa, const T* Bp,
            std::int64_t ldb, T* C, std::int64_t ldc, std::int64_t n) {
    using V = batch<T>;
    constexpr std::int64_t S = W<T>;
    V acc[MR][NV];
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][v] = V(T(0));
    const T* a = A + k0 * csa;
    const T* b = Bp + k0 * ldb;
    for (std::int64_t k = k0; k < k1; ++k, a += csa, b += ldb) {
        V bv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) bv[v] = V::load_unaligned(b + v * S);
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
            const V ar(a[r * rsa]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; ++v) acc[r][v] = xsimd::fma(ar, bv[v], acc[r][v]);
        }
    }
    const V va(alpha);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
            const V out = acc[r][v] * va;
            T* c = C + r * ldc + v * S;
            if ((v + 1) * S <= n) {
                out.store_unaligned(c);
            } else if (v * S < n) {
                alignas(64) T buf[S];
                out.store_aligned(buf);
                std::copy(buf, buf + (n - v * S), c);
            }
        }
}

template <class T, int MR>
void row_panel(std::int64_t n, std::int64_t k0, std::int64_t k1, T alpha, const T* A, std::int64_t rsa,
               std::int64_t csa, const T* Bp, std::int64_t ldb, T* C, std::int64_t ldc) {
    constexpr std::int64_t S = W<T>;
    std::int64_t j = 0;
    for (; j + kNV * S <= n; j += kNV * S)
        kernel<T, MR, kNV>(k0, k1, alpha, A, rsa, csa, Bp + j, ldb, C + j, ldc, kNV * S);
    const std::int64_t rest = n - j;
    if (rest <= 0) return;
    switch ((rest + S - 1) / S) {
        case 1: kernel<T, MR, 1>(k0, k1, alpha, A, rsa, csa, Bp + j, ldb, C + j, ldc, rest); break;
        case 2: kernel<T, MR, 2>(k0, k1, alpha, A, rsa, csa, Bp + j, ldb, C + j, ldc, rest); break;
        case 3: kernel<T, MR, 3>(k0, k1, alpha, A, rsa, csa, Bp + j, ldb, C + j, ldc, rest); break;
        default: kernel<T, MR, 4>(k0, k1, alpha, A, rsa, csa, Bp + j, ldb, C + j, ldc, rest); break;
    }
}

// C[0:mr, 0:n] = alpha * A[0:mr, k0:k1] @ Bp[k0:k1, 0:n], mr <= kMR; with k1 <= k0, C = 0.
template <class T>
void panel(std::int64_t mr, std::int64_t n, std::int64_t k0, std::int64_t k1, T alpha, const T* A, std::int64_t rsa,
           std::int64_t csa, const T* Bp, std::int64_t ldb, T* C, std::int64_t ldc) {
    k1 = std::max(k0, k1);
    switch (mr) {
        case 1: row_panel<T, 1>(n, k0, k1, alpha, A, rsa, csa, Bp, ldb, C, ldc); break;
        case 2: row_panel<T, 2>(n, k0, k1, alpha, A, rsa, csa, Bp, ldb, C, ldc); break;
        case 3: row_panel<T, 3>(n, k0, k1, alpha, A, rsa, csa, Bp, ldb, C, ldc); break;
        case 4: row_panel<T, 4>(n, k0, k1, alpha, A, rsa, csa, Bp, ldb, C, ldc); break;
        case 5: row_panel<T, 5>(n, k0, k1, alpha, A, rsa, csa, Bp, ldb, C, ldc); break;
        default: row_panel<T, 6>(n, k0, k1, alpha, A, rsa, csa, Bp, ldb, C, ldc); break;
    }
}

}  // namespace prism::ops::tile
