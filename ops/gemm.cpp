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

#include "prism/core/error.hpp"
#include "prism/core/parallel.hpp"
#include "prism/core/runtime.hpp"
#include "prism/core/shape.hpp"

namespace prism::ops {

namespace {

// Throws unless A (M, K) @ B (K, N) -> C (M, N) fit together, naming the three shapes.
template <class T>
void check_shapes(const char* op, const MatrixView<const T>& A, const MatrixView<const T>& B, const MatrixView<T>& C) {
    const char* problem = A.rows < 0 || A.cols < 0 || B.rows < 0 || B.cols < 0 ? "negative size"
                          : A.cols != B.rows                                   ? "A.cols != B.rows"
                          : A.rows != C.rows                                   ? "A.rows != C.rows"
                          : B.cols != C.cols                                   ? "B.cols != C.cols"
                                                                               : nullptr;
    PRISM_CHECK(!problem, op, "A ", shape_str({A.rows, A.cols}), " @ B ", shape_str({B.rows, B.cols}), " -> C ",
                shape_str({C.rows, C.cols}), ": ", problem, " (expected A (M, K), B (K, N), C (M, N))");
}

}  // namespace

template <class T>
void gemm_reference(T alpha, MatrixView<const T> A, MatrixView<const T> B, T beta, MatrixView<T> C) {
    check_shapes("gemm_reference", A, B, C);
    for (std::int64_t i = 0; i < C.rows; ++i)
        for (std::int64_t j = 0; j < C.cols; ++j) {
            double acc = 0;  // double accumulator: the reference should be the more accurate side
            for (std::int64_t k = 0; k < A.cols; ++k) acc += double(A(i, k)) * double(B(k, j));
            T& c = C(i, j);
            c = static_cast<T>(alpha * acc + (beta == T(0) ? T(0) : beta * c));
        }
}

namespace {

// The operand as BLIS will see it: a size-1 dim's stride is irrelevant, so it is replaced by
// one that makes the layout look dense (BLIS rejects zero or inconsistent strides).
template <class T> MatrixView<T> normalize(MatrixView<T> m) {
    if (m.rows == 1 && m.cols == 1) return {m.data, 1, 1, 1, 1};
    if (m.rows == 1) m.row_stride = m.col_stride * m.cols;
    if (m.cols == 1) m.col_stride = m.row_stride * m.rows;
    return m;
}

// True when BLIS can read the operand directly and fast: one unit stride, the other covering it.
template <class T> bool unit_strided(const MatrixView<T>& m) {
    if (m.col_stride == 1 && m.row_stride >= std::max<std::int64_t>(m.cols, 1)) return true;
    if (m.row_stride == 1 && m.col_stride >= std::max<std::int64_t>(m.rows, 1)) return true;
    return false;
}

// Row-major copy of a strided operand (for zero, negative or general strides).
template <class T> std::vector<T> pack(const MatrixView<const T>& m) {
    std::vector<T> out(static_cast<std::size_t>(m.rows * m.cols));
    for (std::int64_t i = 0; i < m.rows; ++i)
        for (std::int64_t j = 0; j < m.cols; ++j) out[i * m.cols + j] = m(i, j);
    return out;
}

template <class T> void blis_call(T alpha, MatrixView<const T> A, MatrixView<const T> B, T beta, MatrixView<T> C) {
    // BLIS's typed API takes non-const pointers even for inputs it only reads.
    T* a = const_cast<T*>(A.data);
    T* b = const_cast<T*>(B.data);
    if constexpr (std::is_same_v<T, float>) {
        bli_sgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, C.rows, C.cols, A.cols, &alpha, a, A.row_stride, A.col_stride,
                  b, B.row_stride, B.col_stride, &beta, C.data, C.row_stride, C.col_stride);
    } else {
        bli_dgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, C.rows, C.cols, A.cols, &alpha, a, A.row_stride, A.col_stride,
                  b, B.row_stride, B.col_stride, &beta, C.data, C.row_stride, C.col_stride);
    }
}

}  // namespace

template <class T> void gemm(T alpha, MatrixView<const T> A, MatrixView<const T> B, T beta, MatrixView<T> C) {
    check_shapes("gemm", A, B, C);
    const std::int64_t M = C.rows, N = C.cols, K = A.cols;
    if (M == 0 || N == 0) return;
    if (K == 0) {  // C = beta * C; beta == 0 overwrites (never reads C)
        for (std::int64_t i = 0; i < M; ++i)
            for (std::int64_t j = 0; j < N; ++j) {
                T& c = C(i, j);
                c = beta == T(0) ? T(0) : beta * c;
            }
        return;
    }
    runtime::init_blis();
    A = normalize(A);
    B = normalize(B);
    C = normalize(C);
    std::vector<T> ta, tb, tc;
    if (!unit_strided(A)) {
        ta = pack(A);
        A = row_major(ta.data(), M, K);
    }
    if (!unit_strided(B)) {
        tb = pack(B);
        B = row_major(tb.data(), K, N);
    }
    if (unit_strided(C)) {
        blis_call<T>(alpha, A, B, beta, C);
        return;
    }
    // C with general strides: compute into a dense copy, then scatter back.
    tc = beta == T(0) ? std::vector<T>(static_cast<std::size_t>(M * N)) : pack<T>(C);
    blis_call<T>(alpha, A, B, beta, row_major(tc.data(), M, N));
    for (std::int64_t i = 0; i < M; ++i)
        for (std::int64_t j = 0; j < N; ++j) C(i, j) = tc[i * N + j];
}

// Slices of the inner dimension when it is split: a constant, so results do not depend on the
// thread count; 2 keeps the results (and speed) of the 2-thread runs in docs/results.md.
constexpr std::int64_t kSplitK = 2;

// The product split into `blocks` blocks of rows (M >= N) or columns, run in parallel; every
// result element is the same as one unsplit call's.
template <class T>
void gemm_blocks(std::int64_t blocks, T alpha, MatrixView<const T> A, MatrixView<const T> B, T beta, MatrixView<T> C) {
    if (blocks <= 1) {
        gemm<T>(alpha, A, B, beta, C);
        return;
    }
    // Blocks are whole micro-panels of the skx kernels (MR = 32 rows for float, 16 for double).
    const std::int64_t align = std::is_same_v<T, float> ? 32 : 16;
    auto block_of = [&](std::int64_t n) {
        const std::int64_t per = (n + blocks - 1) / blocks;
        return (per + align - 1) / align * align;
    };
    if (C.rows >= C.cols) {
        parallel_for(0, C.rows, block_of(C.rows), [&](std::int64_t lo, std::int64_t hi) {
            gemm<T>(alpha, A.row_range(lo, hi), B, beta, C.row_range(lo, hi));
        });
    } else {
        parallel_for(0, C.cols, block_of(C.cols), [&](std::int64_t lo, std::int64_t hi) {
            gemm<T>(alpha, A, B.col_range(lo, hi), beta, C.col_range(lo, hi));
        });
    }
}

// C = alpha * sum_p A[:, Kp] B[Kp, :] + beta * C over kSplitK slices Kp of the inner dimension.
// Slice 0 accumulates into C itself (with beta); the others into dense (M, N) partials, which are
// then added to C in order 1, 2, ... (the result depends on the shape alone, not on threads).
template <class T>
void gemm_split_k(T alpha, MatrixView<const T> A, MatrixView<const T> B, T beta, MatrixView<T> C) {
    const std::int64_t M = C.rows, N = C.cols, K = A.cols;
    const std::int64_t parts = kSplitK;
    const std::int64_t inner = std::max<std::int64_t>(1, runtime::num_threads() / parts);  // blocks per slice
    std::vector<std::vector<T>> partial(static_cast<std::size_t>(parts - 1));
    parallel_for(0, parts, 1, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t p = lo; p < hi; ++p) {
            const std::int64_t k0 = p * K / parts, k1 = (p + 1) * K / parts;
            const MatrixView<const T> a = A.col_range(k0, k1), b = B.row_range(k0, k1);
            if (p == 0) {
                gemm_blocks<T>(inner, alpha, a, b, beta, C);
            } else {
                auto& c = partial[static_cast<std::size_t>(p - 1)];
                c.assign(static_cast<std::size_t>(M * N), T(0));
                gemm_blocks<T>(inner, alpha, a, b, T(0), row_major(c.data(), M, N));
            }
        }
    });
    // C += partials, rows in parallel
    parallel_for(0, M, std::max<std::int64_t>(1, (M + parts - 1) / parts), [&](std::int64_t lo, std::int64_t hi) {
        for (const auto& c : partial)
            for (std::int64_t i = lo; i < hi; ++i)
                for (std::int64_t j = 0; j < N; ++j) C(i, j) += c[i * N + j];
    });
}

template <class T>
void gemm_parallel(T alpha, MatrixView<const T> A, MatrixView<const T> B, T beta, MatrixView<T> C) {
    check_shapes("gemm_parallel", A, B, C);
    const std::int64_t M = C.rows, N = C.cols, K = A.cols;
    const std::int64_t threads = runtime::num_threads();
    const bool big = M * N * std::max<std::int64_t>(K, 1) >= kGemmMinParallelMacs;
    // The K split is taken by shape alone, also on one thread (see the top of the file).
    if (big && K >= 4 * std::max(M, N) && M >= N) {
        gemm_split_k<T>(alpha, A, B, beta, C);
    } else if (big && K >= 4 * std::max(M, N)) {
        // Wide and short (M < N): BLIS's kernels run the transposed problem C^T = B^T A^T
        // (N >= M rows) 25-50% faster (measured at 192x768 and 128x512, K 4096-6400), so it
        // is computed into a dense (N, M) buffer and added back transposed.
        std::vector<T> ct(static_cast<std::size_t>(N * M));
        gemm_split_k<T>(alpha, B.transposed(), A.transposed(), T(0), row_major(ct.data(), N, M));
        parallel_for(0, M, std::max<std::int64_t>(1, (M + kSplitK - 1) / kSplitK), [&](std::int64_t lo, std::int64_t hi) {
            for (std::int64_t i = lo; i < hi; ++i)
                for (std::int64_t j = 0; j < N; ++j) {
                    T& c = C(i, j);
                    c = ct[j * M + i] + (beta == T(0) ? T(0) : beta * c);
                }
        });
    } else {
        gemm_blocks<T>(big ? threads : 1, alpha, A, B, beta, C);
    }
}

#define PRISM_GEMM_INSTANTIATE(T)                                                                          \
    template void gemm_reference<T>(T, MatrixView<const T>, MatrixView<const T>, T, MatrixView<T>);       \
    template void gemm<T>(T, MatrixView<const T>, MatrixView<const T>, T, MatrixView<T>);                 \
    template void gemm_parallel<T>(T, MatrixView<const T>, MatrixView<const T>, T, MatrixView<T>);
PRISM_GEMM_INSTANTIATE(float)
PRISM_GEMM_INSTANTIATE(double)
#undef PRISM_GEMM_INSTANTIATE

}  // namespace prism::ops
