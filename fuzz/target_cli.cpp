// The `prism` program's argv parser as a fuzz target (fuzz/targets.hpp: `cli`).
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "options.hpp"
#include "prism/core/error.hpp"
#include "targets.hpp"

namespace prism::fuzz {

namespace {

// Every command's action becomes a no-op: parsing and validation run, nothing is trained.
void disarm(CLI::App& app) {
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        sub->callback([] {});
        disarm(*sub);
    }
}

// The program's app as cli/main.cpp builds it, built once (commands register for the whole
// process lifetime) and cleared before each parse.
CLI::App& app() {
    static CLI::App* a = [] {
        auto* app = new CLI::App{"prism"};
        app->require_subcommand(1);
        app->fallthrough();
        app->add_option_function<int>("--threads", [](int n) { cli::apply_threads(n); }, "worker threads");
        cli::register_commands(*app);
        cli::attach_option_checks(*app);  // the range and flag checks, as main() attaches them
        disarm(*app);
        return app;
    }();
    return *a;
}

}  // namespace

void cli(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> args = {"prism"};
    std::string cur;
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == 0) args.push_back(std::move(cur)), cur.clear();
        else cur += static_cast<char>(data[i]);
    }
    if (!cur.empty()) args.push_back(std::move(cur));
    std::vector<const char*> argv;
    for (const auto& s : args) argv.push_back(s.c_str());
    CLI::App& a = app();
    a.clear();
    try {
        a.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::Error&) {  // usage errors, --help
    } catch (const Error&) {
    } catch (const std::logic_error&) {  // main() reports these as a bad flag value (exit 2)
        if (cli::bad_flag_value(a, std::vector<std::string>(args.begin() + 1, args.end())).empty()) throw;
    }
}

}  // namespace prism::fuzz
