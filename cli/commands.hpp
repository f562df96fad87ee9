// Registration of every `prism` subcommand. Each cmd_*.cpp defines one register_* function.
#pragma once
#include <CLI/CLI.hpp>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace prism::cli {

void register_commands(CLI::App& app);

// The values a command's options are bound to. CLI11 keeps each option's address and runs the
// command's callback inside app.parse(), after register_* has returned, so the values cannot live
// on register_*'s stack. command_state<T>(args...) makes one that lives until the program exits
// (owned by a static list, so a leak checker sees every one freed or reachable).
std::vector<std::shared_ptr<void>>& command_states();
template <class T, class... Args>
T* command_state(Args&&... args) {
    auto value = std::make_shared<T>(std::forward<Args>(args)...);
    command_states().push_back(value);
    return value.get();
}

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

// Runs body; an exception becomes one line "prism: error: <command>: ..." (report_exception).
int guarded(const std::function<int()>& body);

// Prints one line for a failed command and returns its exit status: 2 for a UsageError
// (cli/options.hpp), 1 for anything else. Running out of memory names the size options of the
// command; no message names an internal class (std::bad_alloc, nlohmann's exceptions).
int report_exception(std::exception_ptr e);

// The final line about checkpoints: "checkpoints: DIR/last.safetensors, DIR/best.safetensors"
// naming only the files written since `since`, or "no checkpoint written to DIR".
std::string checkpoints_line(const std::string& dir, std::filesystem::file_time_type since);

// Applies --threads (0 = leave the default).
void apply_threads(int threads);
// True when --threads or PRISM_NUM_THREADS chose the thread count.
bool threads_given();

}  // namespace prism::cli
