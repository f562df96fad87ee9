#include "commands.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <new>
#include <thread>
#include <nlohmann/json.hpp>

#include "dist_options.hpp"
#include "options.hpp"
#include "prism/core/error.hpp"
#include "prism/core/runtime.hpp"
#include "prism/dist/communicator.hpp"

namespace prism::cli {

namespace {
const CLI::App* root_app = nullptr;  // for the command's name in error messages

// The size options the running command has, for the out-of-memory message.
std::string size_options() {
    if (!root_app) return "";
    const CLI::App* cur = root_app;
    while (!cur->get_subcommands().empty()) cur = cur->get_subcommands().front();
    std::string list;
    for (const char* name : {"--batch-size", "--batch", "--dim", "--depth", "--mlp-dim", "--context", "--tokens"})
        if (cur->get_option_no_throw(name)) list += (list.empty() ? "" : ", ") + std::string(name);
    return list;
}
}  // namespace

std::vector<std::shared_ptr<void>>& command_states() {
    static std::vector<std::shared_ptr<void>> states;
    return states;
}

void register_commands(CLI::App& app) {
    root_app = &app;
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

int report_exception(std::exception_ptr e) {
    const std::string path = root_app ? command_path(*root_app) : "";
    const std::string where = path.empty() ? "" : path + ": ";
    int code = 1;
    std::string msg;
    try {
        std::rethrow_exception(e);
    } catch (const UsageError& x) {
        code = 2;
        msg = where + x.what();
    } catch (const prism::Error& x) {
        msg = x.what();
    } catch (const std::bad_alloc&) {
        const std::string opts = size_options();
        msg = where + "out of memory" + (opts.empty() ? "" : "; try smaller " + opts);
    } catch (const nlohmann::json::exception& x) {
        // "[json.exception.type_error.316] invalid UTF-8 byte ..." -> the part after the tag
        std::string w = x.what();
        const auto close = w.find("] ");
        msg = where + "JSON: " + (close == std::string::npos ? w : w.substr(close + 2));
    } catch (const std::exception& x) {
        msg = where + x.what();
    } catch (...) {
        msg = where + "unknown failure";
    }
    // one write, so the lines of several ranks never interleave; ranks other than 0 say who they are
    const std::string rank = dist::world_is_distributed() && !dist::world().is_main()
                                 ? "rank " + std::to_string(dist::world().rank()) + ": "
                                 : "";
    const std::string line = "prism: error: " + rank + msg + "\n";
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
    return code;
}

int guarded(const std::function<int()>& body) {
    try {
        return body();
    } catch (...) {
        const std::exception_ptr e = std::current_exception();
        // Under mpirun an error every rank raises alike is reported by rank 0 alone; the others
        // give it a moment to print before any of them ends the job (MPI_Abort kills every rank).
        if (dist::world_is_distributed() && !dist::world().is_main()) {
            try {
                std::rethrow_exception(e);
            } catch (const dist::SameOnEveryRank&) {
                std::this_thread::sleep_for(std::chrono::seconds(2));
                return end_job(1);
            } catch (...) {
            }
        }
        return end_job(report_exception(e));  // under mpirun: ends every rank
    }
}

std::string checkpoints_line(const std::string& dir, std::filesystem::file_time_type since) {
    std::string files;
    for (const char* name : {"last.safetensors", "best.safetensors"}) {
        const std::filesystem::path p = std::filesystem::path(dir) / name;
        std::error_code ec;
        const auto t = std::filesystem::last_write_time(p, ec);
        // 20 ms: file times come from the kernel's coarse clock, a tick behind `since`'s
        if (!ec && t >= since - std::chrono::milliseconds(20)) files += (files.empty() ? "" : ", ") + p.string();
    }
    return files.empty() ? "no checkpoint written to " + dir : "checkpoints: " + files;
}

namespace {
bool g_threads_given = false;
}

void apply_threads(int threads) {
    if (threads <= 0) return;
    runtime::set_num_threads(threads);
    g_threads_given = true;
}

bool threads_given() { return g_threads_given || std::getenv("PRISM_NUM_THREADS"); }

}  // namespace prism::cli
