// The attention options of `train vit`, `train gpt` and `study oversmoothing`, derived from the
// attention registry (nn/attention_registry.hpp): one option per parameter of any kind, with
// its help text (the kinds that take it, the default for the command's task) and its range, so
// a kind registered before the command line is built gets its options everywhere:
//
//     --alpha FLOAT:finite          neutreno: weight of V^0 - V^l (default 0.6)
//     --rotate-clip TEXT:LO,HI finite, >= 0   spectral-rotate: LO,HI: clip the magnitudes r ...
//
// Values are checked while CLI11 parses (a usage error naming the range), then by
// models::parse_attention_options for the chosen kind (an option the kind does not take names
// the kinds it applies to).
#pragma once
#include <CLI/CLI.hpp>
#include <map>
#include <optional>
#include <string>

#include "prism/models/attention_spec.hpp"

namespace prism::cli {

struct AttentionFlags {
    std::string kind;    // --attention KIND ("" = not given)
    std::string layers;  // --attention-layers FIRST,END ("" = not given)
    std::map<std::string, std::string> values;  // --<parameter> TEXT by name ("" = not given)
    std::map<std::string, bool> flags;          // --<flag parameter>

    models::AttentionOptions given() const;  // the parameters set on the command line
    bool any() const;                        // --attention, --attention-layers or a parameter given
};

// "standard | spectral-smooth | ... | svformer": the registered kinds.
std::string attention_kinds_help();

// --<parameter> for every parameter of every registered kind; `task`: the defaults the help
// shows (std::nullopt: both, for a command that trains either).
void add_attention_param_options(CLI::App* cmd, AttentionFlags& a, std::optional<nn::Task> task);

// --attention KIND, --attention-layers FIRST,END and every parameter, for a command training one model.
void add_attention_options(CLI::App* cmd, AttentionFlags& a, nn::Task task);

// The spec of those options, std::nullopt when none was given. Throws UsageError for an option the
// kind does not take and for --attention-layers beyond `depth` (`depth_from`: "--depth" or
// "preset vit-micro").
std::optional<models::AttentionSpec> attention_spec_from(const AttentionFlags& a, nn::Task task, std::int64_t depth,
                                                         const std::string& depth_from);

}  // namespace prism::cli
