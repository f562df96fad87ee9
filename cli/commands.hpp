// Registration of every `prism` subcommand. Each cmd_*.cpp defines one register_* function.
#pragma once
#include <CLI/CLI.hpp>

namespace prism::cli {

void register_commands(CLI::App& app);

void register_info(CLI::App& app);
void register_demo(CLI::App& app);
void register_bench(CLI::App& app);

// Runs body, turning a prism::Error (or any std::exception) into "prism: error: ..." and exit 1.
int guarded(const std::function<int()>& body);

// Applies --threads (0 = leave the default).
void apply_threads(int threads);

}  // namespace prism::cli
