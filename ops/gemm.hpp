// GEMM through BLIS on strided matrices: C = alpha * A @ B + beta * C.
//
// A is (M, K) with row stride rsa and column stride csa, likewise B (K, N) and C (M, N).
// A transposed operand is just swapped strides: no copies. float and double.
#pragma once
#include <cstdint>

namespace prism::ops {

// One single-threaded BLIS call; safe inside parallel_for (attention per batch and head).
template <class T>
void gemm(std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A, std::int64_t rsa, std::int64_t csa,
          const T* B, std::int64_t rsb, std::int64_t csb, T beta, T* C, std::int64_t rsc, std::int64_t csc);

// Below this many multiply-adds (M*N*K) splitting a product over threads costs more (task
// start, duplicate packing) than it saves.
inline constexpr std::int64_t kGemmMinParallelMacs = std::int64_t(1) << 21;

// The same product split into blocks of rows or columns run in parallel with TBB when it is
// big enough; for weight GEMMs (batch*tokens rows). Do not call from inside parallel_for.
// The result depends on the shape only, never on the thread count (ops/gemm.cpp).
template <class T>
void gemm_parallel(std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A, std::int64_t rsa,
                   std::int64_t csa, const T* B, std::int64_t rsb, std::int64_t csb, T beta, T* C, std::int64_t rsc,
                   std::int64_t csc);

// Plain triple loop, the reference the tests compare BLIS against.
template <class T>
void gemm_reference(std::int64_t M, std::int64_t N, std::int64_t K, T alpha, const T* A, std::int64_t rsa,
                    std::int64_t csa, const T* B, std::int64_t rsb, std::int64_t csb, T beta, T* C, std::int64_t rsc,
                    std::int64_t csc);

}  // namespace prism::ops
