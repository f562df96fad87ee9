// The `prism` program: a thin layer over the library. Each subcommand lives in its own
// cli/cmd_*.cpp file, parses its options with CLI11 and calls library functions.
#include <CLI/CLI.hpp>
#include "commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"prism: train small transformers on a CPU, and study how they smooth"};
    app.require_subcommand(1);
    app.fallthrough();  // `prism train vit --threads 2` reaches this option too
    app.add_option_function<int>(
        "--threads", [](int n) { prism::cli::apply_threads(n); },
        "worker threads (default: all cores, or PRISM_NUM_THREADS)");

    prism::cli::register_commands(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    return 0;
}
