// The fuzz build's stand-in for bench/kernels.cpp (clang 14 cannot compile its lambdas that
// capture structured bindings). The argv target never runs a command, so this never runs.
#include <cstdio>

#include "../bench/bench.hpp"

namespace prism::bench {

int run_kernels(int) {
    std::fprintf(stderr, "prism fuzz build: no benchmarks\n");
    return 1;
}

}  // namespace prism::bench
