// Tour chapter 2 (docs/tour/02-kernel.md): one kernel three ways: the plain reference loop,
// one BLIS call, and the same product split over threads by TBB.
//
// C = A @ B with A (M, K) and B (K, N) at a transformer's MLP shape (M = 1024 tokens,
// K = 192, N = 768), in float32. Prints each version's time (best of 10 runs for the fast
// ones) and GFLOP/s and the largest
// difference from the reference; prints "kernel: ok" (exit 0) when both fast versions agree
// with the reference to 1e-3 relative.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <prism/prism.hpp>
#include <vector>

#include "prism/ops/gemm.hpp"

using Clock = std::chrono::steady_clock;

// Best of `reps` runs: on a shared machine the fastest run is the one least disturbed.
template <class F> static double seconds(F&& f, int reps = 1) {
    double best = 1e30;
    for (int r = 0; r < reps; ++r) {
        const auto t0 = Clock::now();
        f();
        best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    return best;
}

int main() {
    const std::int64_t M = 1024, K = 192, N = 768;
    prism::Generator g(0);
    const auto A = prism::Tensor::randn({M, K}, g).to_vector<float>();
    const auto B = prism::Tensor::randn({K, N}, g).to_vector<float>();
    std::vector<float> ref(M * N), blis(M * N), par(M * N);
    // Row-major views: (rows, cols) with row stride = cols and column stride 1.
    const auto a = prism::ops::row_major(A.data(), M, K), b = prism::ops::row_major(B.data(), K, N);
    // One untimed call first: BLIS sets itself up and the output pages get mapped.
    prism::ops::gemm<float>(1.f, a, b, 0.f, prism::ops::row_major(blis.data(), M, N));
    const double t_ref = seconds([&] {
        prism::ops::gemm_reference<float>(1.f, a, b, 0.f, prism::ops::row_major(ref.data(), M, N));
    });
    const double t_blis = seconds([&] {
        prism::ops::gemm<float>(1.f, a, b, 0.f, prism::ops::row_major(blis.data(), M, N));
    }, 10);
    const double t_par = seconds([&] {
        prism::ops::gemm_parallel<float>(1.f, a, b, 0.f, prism::ops::row_major(par.data(), M, N));
    }, 10);
    double scale = 0, err_blis = 0, err_par = 0;
    for (std::int64_t i = 0; i < M * N; ++i) {
        scale = std::max(scale, double(std::fabs(ref[i])));
        err_blis = std::max(err_blis, double(std::fabs(blis[i] - ref[i])));
        err_par = std::max(err_par, double(std::fabs(par[i] - ref[i])));
    }
    const double flop = 2.0 * M * N * K;
    std::printf("reference loop   %8.2f ms  %7.1f GFLOP/s\n", t_ref * 1e3, flop / t_ref * 1e-9);
    std::printf("one BLIS call    %8.2f ms  %7.1f GFLOP/s  max diff %.2e\n", t_blis * 1e3, flop / t_blis * 1e-9,
                err_blis);
    std::printf("BLIS blocks, TBB %8.2f ms  %7.1f GFLOP/s  max diff %.2e  (%d threads)\n", t_par * 1e3,
                flop / t_par * 1e-9, err_par, prism::runtime::num_threads());
    const bool ok = err_blis <= 1e-3 * scale && err_par <= 1e-3 * scale;
    std::printf("kernel: %s\n", ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
