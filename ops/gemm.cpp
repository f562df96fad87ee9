// GEMM through BLIS's typed API (bli_sgemm/bli_dgemm) on strided operands.
//
// BLIS is always single-threaded (core/runtime.hpp: TBB owns the cores). gemm_parallel
// splits the product into blocks and runs them with prism::parallel_for; each block is an
// ordinary single-threaded BLIS call:
//   - a long inner dimension (K >= 4 max(M, N), e.g. a weight gradient summed over thousands
//     of rows) is split along K into kSplitK slices: each slice is multiplied into its own
//     (M, N) partial and the partials are added in a fixed order. On 2 threads both stream
//     disjoint halves of the big operands (measured: 76-94% of peak against 57-86% for an N
//     split); when M < N the transposed product is computed instead (see below);
//   - otherwise the larger of M and N is split.
// Determinism: splitting rows or columns never changes a result element (BLIS sums each one
// over K in the same order whatever block it is in), but splitting K does. So the K split is
// decided by the shape alone, never by the thread count: the same slices on 1, 2 or 64
// threads (more than kSplitK threads split each slice's rows or columns further), and a
// training run gives the same bits on any thread count (tests/train/test_determinism.cpp).
#include "prism/ops/gemm.hpp"

#include <blis.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "prism/core/parallel.hpp"
#include "prism/core/runtime.hpp"

namespace prism::ops {

namespace {

// A (rows, cols) operand as BLIS will see it: a size-1 dim's stride is irrelevant, so it is
// replaced by one that makes the layout look dense (BLIS rejects zero or inconsistent strides).
struct Mat {
    std::int64_t rows, cols, rs, cs;
};

Mat normalize(std::int64_t rows, std::int64_t cols, std::int64_t rs, std::int64_t cs) {
    if (rows == 1 && cols == 1) return {rows, cols, cols, 1};
    if (rows == 1) rs = cs * cols;
    if (cols == 1) cs = rs * rows;
    return {rows, cols, rs, cs};
}

// True when BLIS can read the operand directly and fast: one unit stride, the other covering it.
bool unit_strided(const Mat& m) {
    if (m.cs == 1 && m.rs >= std::max<std::int64_t>(m.cols, 1)) return true;
    if (m.rs == 1 && m.cs >= std::max<std::int64_t>(m.rows, 1)) return true;
    return false;
}

// Row-major copy of a strided operand (for zero, negative or general strides).
template <class T>
std::vector<T> pack(const T* p, const Mat& m) {
    std::vector<T> out(static_cast<std::size_t>(m.rows * m.cols));
    for (std::int64_t i = 0; i < m.rows; ++i)
        for (std::int64_t j = 0; j < m.cols; ++j) out[i * m.cols + j] = p[i * m.rs + j * m.cs];
    return out;
}

template <class T>
void blis_call(std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A, std::int64_t rsa,
               std::int64_t csa, const T* B, std::int64_t rsb, std::int64_t csb, T beta, T* C, std::int64_t rsc,
               std::int64_t csc) {
    // BLIS's typed API takes non-const pointers even for inputs it only reads.
    if constexpr (std::is_same_v<T, float>) {
        bli_sgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, M, N, K, &alpha, const_cast<T*>(A), rsa, csa,
                  const_cast<T*>(B), rsb, csb, &beta, C, rsc, csc);
    } else {
        bli_dgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, M, N, K, &alpha, const_cast<T*>(A), rsa, csa,
                  const_cast<T*>(B), rsb, csb, &beta, C, rsc, csc);
    }
}

}  // namespace

template <class T>
void gemm(std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A, std::int64_t rsa, std::int64_t csa,
          const T* B, std::int64_t rsb, std::int64_t csb, T beta, T* C, std::int64_t rsc, std::int64_t csc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {  // C = beta * C; beta == 0 overwrites (never reads C)
        for (std::int64_t i = 0; i < M; ++i)
            for (std::int64_t j = 0; j < N; ++j) {
                T& c = C[i * rsc + j * csc];
                c = beta == T(0) ? T(0) : beta * c;
            }
        return;
    }
    runtime::init_blis();
    const Mat a = normalize(M, K, rsa, csa), b = normalize(K, N, rsb, csb), c = normalize(M, N, rsc, csc);
    std::vector<T> ta, tb, tc;
    const T* pa = A;
    const T* pb = B;
    Mat ma = a, mb = b;
    if (!unit_strided(a)) {
        ta = pack(A, a);
        pa = ta.data();
        ma = {M, K, K, 1};
    }
    if (!unit_strided(b)) {
        tb = pack(B, b);
        pb = tb.data();
        mb = {K, N, N, 1};
    }
    if (unit_strided(c)) {
        blis_call<T>(M, N, K, alpha, pa, ma.rs, ma.cs, pb, mb.rs, mb.cs, beta, C, c.rs, c.cs);
        return;
    }
    // C with general strides: compute into a dense copy, then scatter back.
    tc = beta == T(0) ? std::vector<T>(static_cast<std::size_t>(M * N)) : pack(static_cast<const T*>(C), c);
    blis_call<T>(M, N, K, alpha, pa, ma.rs, ma.cs, pb, mb.rs, mb.cs, beta, tc.data(), N, 1);
    for (std::int64_t i = 0; i < M; ++i)
        for (std::int64_t j = 0; j < N; ++j) C[i * c.rs + j * c.cs] = tc[i * N + j];
}

// Slices of the inner dimension when it is split: a constant, so results do not depend on the
// thread count; 2 keeps the results (and speed) of the 2-thread runs in docs/results.md.
constexpr std::int64_t kSplitK = 2;

// The product split into `blocks` blocks of rows (M >= N) or columns, run in parallel; every
// result element is the same as one unsplit call's.
template <class T>
void gemm_blocks(std::int64_t blocks, std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A,
                 std::int64_t rsa, std::int64_t csa, const T* B, std::int64_t rsb, std::int64_t csb, T beta, T* C,
                 std::int64_t rsc, std::int64_t csc) {
    if (blocks <= 1) {
        gemm<T>(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc);
        return;
    }
    // Blocks are whole micro-panels of the skx kernels (MR = 32 rows for float, 16 for double).
    const std::int64_t align = std::is_same_v<T, float> ? 32 : 16;
    auto block_of = [&](std::int64_t n) {
        const std::int64_t per = (n + blocks - 1) / blocks;
        return (per + align - 1) / align * align;
    };
    if (M >= N) {
        parallel_for(0, M, block_of(M), [&](std::int64_t lo, std::int64_t hi) {
            gemm<T>(hi - lo, N, K, alpha, A + lo * rsa, rsa, csa, B, rsb, csb, beta, C + lo * rsc, rsc, csc);
        });
    } else {
        parallel_for(0, N, block_of(N), [&](std::int64_t lo, std::int64_t hi) {
            gemm<T>(M, hi - lo, K, alpha, A, rsa, csa, B + lo * csb, rsb, csb, beta, C + lo * csc, rsc, csc);
        });
    }
}

// C = alpha * sum_p A[:, Kp] B[Kp, :] + beta * C over kSplitK slices Kp of the inner dimension.
// Slice 0 accumulates into C itself (with beta); the others into dense (M, N) partials, which are
// then added to C in order 1, 2, ... (the result depends on the shape alone, not on threads).
template <class T>
void gemm_split_k(std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A, std::int64_t rsa,
                  std::int64_t csa, const T* B, std::int64_t rsb, std::int64_t csb, T beta, T* C, std::int64_t rsc,
                  std::int64_t csc) {
    const std::int64_t parts = kSplitK;
    const std::int64_t inner = std::max<std::int64_t>(1, runtime::num_threads() / parts);  // blocks per slice
    std::vector<std::vector<T>> partial(static_cast<std::size_t>(parts - 1));
    parallel_for(0, parts, 1, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t p = lo; p < hi; ++p) {
            const std::int64_t k0 = p * K / parts, k1 = (p + 1) * K / parts;
            const T* a = A + k0 * csa;
            const T* b = B + k0 * rsb;
            if (p == 0) {
                gemm_blocks<T>(inner, M, N, k1 - k0, alpha, a, rsa, csa, b, rsb, csb, beta, C, rsc, csc);
            } else {
                auto& c = partial[static_cast<std::size_t>(p - 1)];
                c.assign(static_cast<std::size_t>(M * N), T(0));
                gemm_blocks<T>(inner, M, N, k1 - k0, alpha, a, rsa, csa, b, rsb, csb, T(0), c.data(), N, 1);
            }
        }
    });
    // C += partials, rows in parallel
    parallel_for(0, M, std::max<std::int64_t>(1, (M + parts - 1) / parts), [&](std::int64_t lo, std::int64_t hi) {
        for (const auto& c : partial)
            for (std::int64_t i = lo; i < hi; ++i)
                for (std::int64_t j = 0; j < N; ++j) C[i * rsc + j * csc] += c[i * N + j];
    });
}

template <class T>
void gemm_parallel(std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A, std::int64_t rsa,
                   std::int64_t csa, const T* B, std::int64_t rsb, std::int64_t csb, T beta, T* C, std::int64_t rsc,
                   std::int64_t csc) {
    const std::int64_t threads = runtime::num_threads();
    const bool big = M * N * std::max<std::int64_t>(K, 1) >= kGemmMinParallelMacs;
    // The K split is taken by shape alone, also on one thread (see the top of the file).
    if (big && K >= 4 * std::max(M, N) && M >= N) {
        gemm_split_k<T>(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc);
    } else if (big && K >= 4 * std::max(M, N)) {
        // Wide and short (M < N): BLIS's kernels run the transposed problem C^T = B^T A^T
        // (N >= M rows) 25-50% faster (measured at 192x768 and 128x512, K 4096-6400), so it
        // is computed into a dense (N, M) buffer and added back transposed.
        std::vector<T> ct(static_cast<std::size_t>(N * M));
        gemm_split_k<T>(N, M, K, alpha, B, csb, rsb, A, csa, rsa, T(0), ct.data(), M, 1);
        parallel_for(0, M, std::max<std::int64_t>(1, (M + kSplitK - 1) / kSplitK), [&](std::int64_t lo, std::int64_t hi) {
            for (std::int64_t i = lo; i < hi; ++i)
                for (std::int64_t j = 0; j < N; ++j) {
                    T& c = C[i * rsc + j * csc];
                    c = ct[j * M + i] + (beta == T(0) ? T(0) : beta * c);
                }
        });
    } else {
        gemm_blocks<T>(big ? threads : 1, M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc);
    }
}

template <class T>
void gemm_reference(std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A, std::int64_t rsa,
                    std::int64_t csa, const T* B, std::int64_t rsb, std::int64_t csb, T beta, T* C, std::int64_t rsc,
                    std::int64_t csc) {
    for (std::int64_t i = 0; i < M; ++i)
        for (std::int64_t j = 0; j < N; ++j) {
            double acc = 0;  // double accumulator: the reference should be the more accurate side
            for (std::int64_t k = 0; k < K; ++k) acc += double(A[i * rsa + k * csa]) * double(B[k * rsb + j * csb]);
            T& c = C[i * rsc + j * csc];
            c = static_cast<T>(alpha * acc + (beta == T(0) ? T(0) : beta * c));
        }
}

#define PRISM_GEMM_INSTANTIATE(T)                                                                                   \
    template void gemm<T>(std::int64_t, std::int64_t, std::int64_t, T, const T*, std::int64_t, std::int64_t,       \
                          const T*, std::int64_t, std::int64_t, T, T*, std::int64_t, std::int64_t);                \
    template void gemm_parallel<T>(std::int64_t, std::int64_t, std::int64_t, T, const T*, std::int64_t,            \
                                   std::int64_t, const T*, std::int64_t, std::int64_t, T, T*, std::int64_t,        \
                                   std::int64_t);                                                                  \
    template void gemm_reference<T>(std::int64_t, std::int64_t, std::int64_t, T, const T*, std::int64_t,           \
                                    std::int64_t, const T*, std::int64_t, std::int64_t, T, T*, std::int64_t,       \
                                    std::int64_t);
PRISM_GEMM_INSTANTIATE(float)
PRISM_GEMM_INSTANTIATE(double)
#undef PRISM_GEMM_INSTANTIATE

}  // namespace prism::ops
