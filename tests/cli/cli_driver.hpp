// The CLI test driver: runs the built `prism` program (its path comes from the build,
// PRISM_CLI_PATH) as a user would, with arguments, environment overrides and optional standard
// input, and returns its exit status with everything it printed. Tests of bad input use it to
// check exit codes (2 = usage error, 1 = runtime error) and one-line messages.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace prism::test {

struct CliResult {
    int exit_code = -1;   // the program's exit status; 128 + N when killed by signal N
    bool signaled = false;  // killed by a signal (a crash: SIGSEGV, SIGABRT, the OOM killer's SIGKILL)
    bool timed_out = false;  // still running after the time limit (a hang)
    std::string out;      // standard output
    std::string err;      // standard error
    std::string all() const { return out + err; }
};

inline std::string cli_path() { return PRISM_CLI_PATH; }

// Quote one argument for /bin/sh.
inline std::string sh_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// Runs argv[0] with arguments argv[1..] and `env` (NAME=VALUE pairs added to the environment)
// under a `timeout` of `timeout_s` seconds (a hang sets timed_out). Standard input is /dev/null.
inline CliResult run_command(const std::vector<std::string>& argv,
                             const std::vector<std::pair<std::string, std::string>>& env = {},
                             int timeout_s = 120) {
    char tmpl[] = "/tmp/prism-cli-XXXXXX";
    const char* dir = mkdtemp(tmpl);
    const std::string out_f = std::string(dir) + "/out", err_f = std::string(dir) + "/err";
    std::string cmd = "env";
    for (const auto& [k, v] : env) cmd += " " + sh_quote(k + "=" + v);
    cmd += " timeout -k 5 " + std::to_string(timeout_s);
    for (const auto& a : argv) cmd += " " + sh_quote(a);
    cmd += " </dev/null >" + sh_quote(out_f) + " 2>" + sh_quote(err_f);
    const int st = std::system(cmd.c_str());
    CliResult r;
    if (WIFEXITED(st)) {
        r.exit_code = WEXITSTATUS(st);
        // timeout exits 124 when the limit ran out, 128 + N when the program died of signal N.
        r.timed_out = r.exit_code == 124;
        r.signaled = r.exit_code > 128;
    } else if (WIFSIGNALED(st)) {
        r.exit_code = 128 + WTERMSIG(st);
        r.signaled = true;
    }
    auto slurp = [](const std::string& f) {
        std::ifstream in(f, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    };
    r.out = slurp(out_f);
    r.err = slurp(err_f);
    std::remove(out_f.c_str());
    std::remove(err_f.c_str());
    rmdir(dir);
    return r;
}

// Runs `prism args...` (the built program) as run_command does.
inline CliResult run_cli(const std::vector<std::string>& args,
                         const std::vector<std::pair<std::string, std::string>>& env = {},
                         int timeout_s = 120) {
    std::vector<std::string> argv{cli_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, env, timeout_s);
}

}  // namespace prism::test
