// GEMM through BLIS's typed API (bli_sgemm/bli_dgemm) on strided operands.
//
// BLIS is always single-threaded (core/runtime.hpp: TBB owns the cores). gemm_parallel
// splits the larger of M and N into one block per thread and runs the blocks with
// prism::parallel_for; each block is an ordinary single-threaded BLIS call.
#include "ops/gemm.hpp"

#include <blis.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "core/parallel.hpp"
#include "core/runtime.hpp"

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

// Below this many multiply-adds a split costs more (task start, duplicate packing) than it saves.
constexpr std::int64_t kMinParallelMacs = 1 << 21;

template <class T>
void gemm_parallel(std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A, std::int64_t rsa,
                   std::int64_t csa, const T* B, std::int64_t rsb, std::int64_t csb, T beta, T* C, std::int64_t rsc,
                   std::int64_t csc) {
    const std::int64_t threads = runtime::num_threads();
    if (threads <= 1 || M * N * std::max<std::int64_t>(K, 1) < kMinParallelMacs) {
        gemm<T>(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc);
        return;
    }
    // Blocks are whole micro-panels of the skx kernels (MR = 32 rows for float, 16 for double).
    const std::int64_t align = std::is_same_v<T, float> ? 32 : 16;
    auto block_of = [&](std::int64_t n) {
        const std::int64_t per = (n + threads - 1) / threads;
        return (per + align - 1) / align * align;
    };
    if (M >= N) {
        const std::int64_t grain = block_of(M);
        parallel_for(0, M, grain, [&](std::int64_t lo, std::int64_t hi) {
            gemm<T>(hi - lo, N, K, alpha, A + lo * rsa, rsa, csa, B, rsb, csb, beta, C + lo * rsc, rsc, csc);
        });
    } else {
        const std::int64_t grain = block_of(N);
        parallel_for(0, N, grain, [&](std::int64_t lo, std::int64_t hi) {
            gemm<T>(M, hi - lo, K, alpha, A, rsa, csa, B + lo * csb, rsb, csb, beta, C + lo * csc, rsc, csc);
        });
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
