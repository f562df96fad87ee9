// Valid values of every option of every `prism` command and of its environment variables, in
// one declarative table (options.cpp), checked while CLI11 parses the command line, so before
// any command starts work, and shown in --help:
//
//   --depth INT:>= 1               number of blocks
//   --lr FLOAT:finite, >= 0=0.001  peak learning rate
//
// A bad value is a usage error: exit status 2 and one line naming the option, the value and the
// valid range,
//
//   prism: error: train vit: --lr: 'nan' is not valid: expected a finite number >= 0
//
// A new numeric option needs a row in the table (tests/cli/test_cli_options.cpp checks that every
// INT/FLOAT option of every command shows a range in its --help).
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "prism/core/value_range.hpp"
#include "prism/models/attention_spec.hpp"

namespace prism::cli {

// A bad command line or environment variable: `prism: error: <message>`, exit status 2.
class UsageError : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

// A range of numbers (core/value_range.hpp), shared with the attention parameters' ranges.
using Range = ValueRange;
using prism::any_finite_number;
using prism::integer_at_least;
using prism::integer_in;
using prism::number_at_least;
using prism::number_in;

// CLI11 validators: a range; a comma-separated list of values in a range (not empty); one of
// `choices`; a "LO,HI" pair of numbers in a range with LO <= HI.
CLI::Validator in_range(const Range& r);
CLI::Validator list_in_range(const Range& r);
CLI::Validator one_of(const std::vector<std::string>& choices);
CLI::Validator pair_in_range(const Range& r);

// Attaches the table's check to every option of `app` and of all its subcommands.
void attach_option_checks(CLI::App& app);

// CLI11 2.1 reads the value of a negated flag (`--no-hflip=VALUE`) with std::stoll while parsing,
// before any check runs: a value past 64 bits escapes app.parse as std::out_of_range (found by
// fuzz/). Names the first `--flag=VALUE` in args whose value no flag takes, as a usage message
// ("--no-hflip: '2444...' is not valid: ..."), or "" when there is none.
std::string bad_flag_value(const CLI::App& app, const std::vector<std::string>& args);

// Runs `parse` (a library parser of option text, e.g. models::parse_attention_options) and turns
// its prism::Error into a UsageError: the text came from the command line.
template <class F> auto usage_checked(F&& parse) -> decltype(parse()) {
    try {
        return parse();
    } catch (const std::exception& e) {
        throw UsageError(e.what());
    }
}

// --attention-layers FIRST,END must lie within the model's depth (`depth_from`: "--depth" or
// "preset vit-micro"); throws UsageError naming both.
void check_attention_layers(const models::AttentionSpec& spec, const std::string& text, std::int64_t depth,
                            const std::string& depth_from);

// Checks and applies the environment variables prism reads (PRISM_NUM_THREADS); throws UsageError.
void apply_environment();

// The command being run, e.g. "train vit" ("" before a command is recognised).
std::string command_path(const CLI::App& app);

}  // namespace prism::cli
