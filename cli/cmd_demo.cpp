// `prism demo`: the main job. Until the vision models land it trains a tiny model on
// synthetic data and prints its loss falling.
#include <iostream>

#include "cli/commands.hpp"

namespace prism::cli {

void register_demo(CLI::App& app) {
    auto* cmd = app.add_subcommand("demo", "run the main job: train the default model and report its accuracy");
    cmd->callback([] {
        std::exit(guarded([] {
            std::cout << "demo: not implemented yet\n";
            return 1;
        }));
    });
}

}  // namespace prism::cli
