// The `prism` program: a thin layer over the library. Each subcommand lives in its own
// cli/cmd_*.cpp file, parses its options with CLI11 and calls library functions.
//
// Exit status: 0 done; 1 runtime error (a bad file, a checkpoint that does not fit, ...; one
// line naming the file or module path); 2 usage error (a bad option, value, command or
// environment variable; one line naming it, the value and the valid range).
#include <CLI/CLI.hpp>
#include <iostream>
#include <new>
#include <stdexcept>
#include <vector>

#include "commands.hpp"
#include "options.hpp"
#include "prism/core/error.hpp"

namespace {

std::string known_commands(const CLI::App& cmd) {
    std::string list;
    for (const CLI::App* sub : cmd.get_subcommands([](const CLI::App*) { return true; }))
        list += (list.empty() ? "" : ", ") + sub->get_name();
    return list;
}

// The deepest command given on the command line ("train" for `prism train foo`).
const CLI::App* deepest(const CLI::App& app) {
    const CLI::App* cur = &app;
    while (!cur->get_subcommands().empty()) cur = cur->get_subcommands().front();
    return cur;
}

// One line for a CLI11 parse error: the command, what was wrong, where to look.
std::string usage_message(const CLI::App& app, const CLI::ParseError& e) {
    const CLI::App* cmd = deepest(app);
    const std::string path = prism::cli::command_path(app);
    const std::string prog = path.empty() ? "prism" : "prism " + path;
    // A command that needs a subcommand got none, or an unknown word: name it, list the known ones.
    if (cmd->get_require_subcommand_min() > 0 && cmd->get_subcommands().empty()) {
        const auto extra = app.remaining(true);
        const std::string known = "; known commands of `" + prog + "`: " + known_commands(*cmd);
        if (!extra.empty() && extra.front().rfind("-", 0) != 0)
            return "unknown command '" + (path.empty() ? "" : path + " ") + extra.front() + "'" + known;
        return "`" + prog + "` needs a command" + known;
    }
    std::string what = e.what();
    return (path.empty() ? "" : path + ": ") + what + " (see `" + prog + " --help`)";
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"prism: train small transformers on a CPU, and study how they smooth"};
    app.require_subcommand(1);
    app.fallthrough();  // `prism train vit --threads 2` reaches this option too
    app.add_option_function<int>(
        "--threads", [](int n) { prism::cli::apply_threads(n); },
        "worker threads (default: all cores, or PRISM_NUM_THREADS)");

    prism::cli::register_commands(app);
    prism::cli::attach_option_checks(app);
    // Every failure, also in option callbacks that run while parsing, ends here with one line.
    // Commands run inside app.parse (their callbacks exit through prism::cli::guarded).
    try {
        prism::cli::apply_environment();
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {  // --help
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "prism: error: " << usage_message(app, e) << "\n";
        return 2;
    } catch (const std::logic_error& e) {  // out_of_range, invalid_argument: from CLI11's own parsing
        const std::string flag = prism::cli::bad_flag_value(app, std::vector<std::string>(argv + 1, argv + argc));
        const std::string path = prism::cli::command_path(app);
        std::cerr << "prism: error: " << (path.empty() ? "" : path + ": ")
                  << (flag.empty() ? std::string("an option value CLI11 cannot read (") + e.what() + ")" : flag) << "\n";
        return 2;
    } catch (...) {
        return prism::cli::report_exception(std::current_exception());
    }
    return 0;
}
