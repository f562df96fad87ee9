// GEMM through BLIS on strided matrices: C = alpha * A @ B + beta * C.
//
// A (M, K), B (K, N) and C (M, N) are MatrixViews: a pointer, a shape and a stride per dim,
// so any of them can be a padded buffer, a block of a bigger matrix or a transposed operand
// (the same memory with the strides swapped, A.transposed()): no copies. M, N and K come
// from the views; shapes that do not fit throw prism::Error naming all three. float and
// double.
// examples/tour/kernel.cpp calls all three versions on row-major matrices.
#pragma once
#include <cstdint>

namespace prism::ops {

// A (rows, cols) matrix in memory owned elsewhere: element (i, j) is
// data[i * row_stride + j * col_stride] (strides in elements). MatrixView<const T> for an
// operand that is only read; a MatrixView<T> converts to it.
template <class T> struct MatrixView {
    T* data;
    std::int64_t rows, cols;
    std::int64_t row_stride, col_stride;

    T& operator()(std::int64_t i, std::int64_t j) const { return data[i * row_stride + j * col_stride]; }
    // (cols, rows): the transpose, the same memory with the strides swapped. (Not t(): that
    // name is Tensor's differentiable transpose, which ops/ never calls.)
    MatrixView transposed() const { return {data, cols, rows, col_stride, row_stride}; }
    // (end - begin, cols): rows [begin, end). col_range likewise gives (rows, end - begin).
    MatrixView row_range(std::int64_t begin, std::int64_t end) const {
        return {data + begin * row_stride, end - begin, cols, row_stride, col_stride};
    }
    MatrixView col_range(std::int64_t begin, std::int64_t end) const {
        return {data + begin * col_stride, rows, end - begin, row_stride, col_stride};
    }
    operator MatrixView<const T>() const { return {data, rows, cols, row_stride, col_stride}; }
};

// A dense row-major (rows, cols) matrix: row_stride = cols, col_stride = 1.
template <class T> MatrixView<T> row_major(T* data, std::int64_t rows, std::int64_t cols) {
    return {data, rows, cols, cols, 1};
}

// Plain triple loop with a double accumulator, the reference the tests compare BLIS against.
template <class T>
void gemm_reference(T alpha, MatrixView<const T> A, MatrixView<const T> B, T beta, MatrixView<T> C);

// One single-threaded BLIS call; safe inside parallel_for (attention per batch and head).
template <class T> void gemm(T alpha, MatrixView<const T> A, MatrixView<const T> B, T beta, MatrixView<T> C);

// Below this many multiply-adds (M*N*K) splitting a product over threads costs more (task
// start, duplicate packing) than it saves.
inline constexpr std::int64_t kGemmMinParallelMacs = std::int64_t(1) << 21;

// The same product split into blocks of rows or columns run in parallel with TBB when it is
// big enough; for weight GEMMs (batch*tokens rows). Do not call from inside parallel_for.
// The result depends on the shape only, never on the thread count (ops/gemm.cpp).
template <class T>
void gemm_parallel(T alpha, MatrixView<const T> A, MatrixView<const T> B, T beta, MatrixView<T> C);

}  // namespace prism::ops
