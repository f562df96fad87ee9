#include "commands.hpp"

#include <iostream>

#include "prism/core/error.hpp"
#include "prism/core/runtime.hpp"

namespace prism::cli {

void register_commands(CLI::App& app) {
    register_info(app);
    register_demo(app);
    register_bench(app);
    register_spectrum(app);
    register_study(app);
    auto* train_cmd = app.add_subcommand("train", "train a model: `prism train vit ...`");
    train_cmd->require_subcommand(1);
    auto* eval_cmd = app.add_subcommand("eval", "evaluate a checkpoint: `prism eval vit ...`");
    eval_cmd->require_subcommand(1);
    register_vit(app, train_cmd, eval_cmd);
    register_gpt(app, train_cmd, eval_cmd);
}

int guarded(const std::function<int()>& body) {
    try {
        return body();
    } catch (const prism::Error& e) {
        std::cerr << "prism: error: " << e.what() << "\n";
    } catch (const std::exception& e) {
        std::cerr << "prism: error: " << e.what() << "\n";
    }
    return 1;
}

void apply_threads(int threads) {
    if (threads > 0) runtime::set_num_threads(threads);
}

}  // namespace prism::cli
