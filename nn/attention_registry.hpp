// The attention registry: one source of truth for every attention kind (issue 16). A kind
// registers its name, a one-line summary, its factory and the parameters it takes, each with a
// type, a default (and the language models' default where it differs), a valid range and a
// help line. Everything else is derived from that entry:
//
//     the command line   `--alpha`, `--rotate-clip`, ... with their --help text and ranges
//                        (cli/attention_options.hpp), the same for `train vit`, `train gpt` and
//                        `study oversmoothing`
//     model configs      models::parse_attention_options / AttentionSpec::from_json check the
//                        options of a kind and record its defaults in the checkpoint config
//     make_attention     fills the defaults and refuses parameters the kind does not take
//     the study          its list of known methods and its default grid (study_default)
//
// So adding a kind touches nn/ only (docs/tour/07-new-kind.md):
//
//     AttentionKindInfo neutreno_kind() {
//         return {.name = "neutreno",
//                 .summary = "standard attention plus alpha (V^0 - V^l) in layers l >= 1",
//                 .factory = [](const AttentionConfig& c, const AttentionArgs& a) {
//                     return std::make_shared<NeutrenoAttention>(c, a); },
//                 .params = {{.name = "alpha", .help = "weight of V^0 - V^l",
//                             .default_value = 0.6, .language_default = 0.4}},
//                 .study_default = true};
//     }
//
// and one line in builtin_attention_kinds() (nn/attention_kinds.cpp); a program can also call
// register_attention_kind(...) itself before parsing options.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "prism/core/value_range.hpp"
#include "prism/nn/attention.hpp"

namespace prism::nn {

// What a model is for; a few defaults differ (NeuTRENO's alpha: 0.6 for images, 0.4 for text).
enum class Task { Vision, Language };

struct AttentionParam {
    enum class Type {
        Number,  // `--alpha 0.4`: one number in `range`
        Pair,    // `--rotate-clip 0,1`: "LO,HI", both in `range`, LO <= HI
        Flag,    // `--learnable-lambdas`: on or off (1 / 0 in the config), default off
    };
    std::string name{};  // the option (`--<name>` on the command line) and, unless `key` is set, the config key
    Type type = Type::Number;
    std::string help{};  // one line, without the kinds or the default (added where shown)
    std::optional<double> default_value{};   // Number: recorded in the config when not given (none: left out)
    std::optional<double> language_default{};  // Task::Language's default, when it differs
    ValueRange range = any_finite_number();  // Number: the value; Pair: each end
    // Where the value lives in AttentionConfig::params and in the checkpoint's attention config,
    // when not `name`: --learnable-lambdas is "learnable". A Pair with key K is the params
    // K_lo, K_hi and the checkpoint entry K: [lo, hi].
    std::string key{};

    const std::string& config_key() const { return key.empty() ? name : key; }
    std::optional<double> default_for(Task task) const;  // Flag: 0
    // "weight of V^0 - V^l (default 0.6)"; no task: "(default 0.6; language 0.4)"
    std::string help_with_default(std::optional<Task> task) const;
};

struct AttentionKindInfo {
    std::string name{};     // "neutreno": `--attention neutreno`, AttentionConfig::kind, Attention::kind()
    std::string summary{};  // one line: what the kind changes
    AttentionFactory factory{};
    std::vector<AttentionParam> params{};
    bool study_default = false;  // in `prism study oversmoothing`'s default list of methods

    const AttentionParam* param(const std::string& name) const;  // by option name; nullptr when not taken
    std::string param_list() const;  // "--alpha" / "--lambda1, --lambda2, --learnable-lambdas" / "no options"
};

// Adds a kind, or replaces the one of that name. Throws prism::Error for an entry without a name
// or factory, a parameter named like a general option (attention, attention-layers) or a key
// named kind/layers, and for an option another kind declares with a different type, range or help
// (kinds that share an option, like --spectral-clip, declare it alike).
void register_attention_kind(AttentionKindInfo info);

// The registered kinds in registration order ("standard" first, then builtin_attention_kinds()).
std::vector<AttentionKindInfo> attention_kind_infos();
// One kind; throws prism::Error starting with `what`, naming the known kinds, when there is no such kind.
AttentionKindInfo attention_kind(const std::string& name, const char* what = "attention");
bool is_attention_kind(const std::string& name);
// The kinds of `prism study oversmoothing`'s default grid, in registration order.
std::vector<std::string> study_default_kinds();

// Checks `params` against the parameters `kind` takes and fills in the missing defaults for
// `task`: every key is one the kind takes (a Pair K as K_lo and K_hi, both or neither), numbers
// lie in their range, pairs have LO <= HI, flags are 0 or 1. Throws prism::Error starting with
// `what` and naming the kind, the parameter and what it takes.
void complete_attention_params(const AttentionKindInfo& kind, std::map<std::string, double>& params, Task task,
                               const std::string& what);

// One option as the command line shows it: the parameter and every kind that takes it.
struct AttentionOption {
    AttentionParam param;
    std::vector<std::string> kinds;
    std::string help(std::optional<Task> task) const;  // "neutreno: weight of V^0 - V^l (default 0.4)"
};
// Every parameter option of every kind, each once, in registration order.
std::vector<AttentionOption> attention_options();

}  // namespace prism::nn
