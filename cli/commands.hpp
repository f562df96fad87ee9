// Registration of every `prism` subcommand. Each cmd_*.cpp defines one register_* function.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

namespace prism::cli {

void register_commands(CLI::App& app);

void register_info(CLI::App& app);
void register_demo(CLI::App& app);
void register_bench(CLI::App& app);
// `spectrum`: oversmoothing diagnostics of a checkpoint (cmd_spectrum.cpp).
void register_spectrum(CLI::App& app);
// `study oversmoothing`: the oversmoothing study runner and its report (cmd_study.cpp).
void register_study(CLI::App& app);
// `train vit`, `eval vit` under the given parent commands, and `predict` on app.
void register_vit(CLI::App& app, CLI::App* train_cmd, CLI::App* eval_cmd);
// `train gpt`, `eval gpt` under the given parent commands, and `sample` on app.
void register_gpt(CLI::App& app, CLI::App* train_cmd, CLI::App* eval_cmd);

// --qkv-bias/--no-qkv-bias, --init default|matched, --init-norm X (train vit, train gpt; cmd_study.cpp).
void add_init_options(CLI::App* cmd, std::optional<bool>& qkv_bias, std::optional<std::string>& init,
                      std::optional<double>& init_norm);

// Runs body, turning a prism::Error (or any std::exception) into "prism: error: ..." and exit 1.
int guarded(const std::function<int()>& body);

// Applies --threads (0 = leave the default).
void apply_threads(int threads);

}  // namespace prism::cli
