// Benchmarks that the `prism bench` command runs. They measure; they assert nothing.
#pragma once

namespace prism::bench {

// GEMM shapes of a transformer layer (forward and both backward products) next to the raw
// BLIS sgemm peak measured in the same run, and GB/s of elementwise and fused kernels.
int run_kernels(int reps);

}  // namespace prism::bench
