// `prism bench kernels`: GFLOP/s and GB/s of the kernels next to the raw BLIS peak.
#include "../bench/bench.hpp"
#include "commands.hpp"

namespace prism::cli {

void register_bench(CLI::App& app) {
    auto* cmd = app.add_subcommand("bench", "benchmarks: `prism bench kernels`");
    cmd->require_subcommand(1);
    auto* kernels = cmd->add_subcommand("kernels", "GEMM and elementwise kernel throughput next to the BLIS peak");
    auto* reps = new int(5);
    kernels->add_option("--reps", *reps, "repetitions per measurement (median reported)");
    kernels->callback([reps] { std::exit(guarded([reps] { return bench::run_kernels(*reps); })); });
}

}  // namespace prism::cli
