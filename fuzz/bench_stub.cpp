// The fuzz build's stand-in for bench/kernels.cpp, bench/models.cpp and bench/dist.cpp (clang 14 cannot compile
// kernels.cpp's lambdas that capture structured bindings). The argv target never runs a
// command, so these never run.
#include <cstdio>

#include "../bench/bench.hpp"

namespace prism::bench {

int run_kernels(int) {
    std::fprintf(stderr, "prism fuzz build: no benchmarks\n");
    return 1;
}

int run_model(const ModelBenchOptions&) {
    std::fprintf(stderr, "prism fuzz build: no benchmarks\n");
    return 1;
}

int run_dist(const DistBenchOptions&) {
    std::fprintf(stderr, "prism fuzz build: no benchmarks\n");
    return 1;
}

}  // namespace prism::bench
