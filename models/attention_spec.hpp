// AttentionSpec: which attention kind a model uses, on which blocks, with which parameters, as
// stored in the checkpoint config:
//
//     {"kind": "spectral-sharpen", "clip": [-1, 0], "layers": [0, 6]}
//     {"kind": "neutreno", "clip": null, "layers": null, "alpha": 0.4}
//
// "layers" is a half-open block range [first, end); null means every block. Blocks outside the
// range use "standard". The other entries are the kind's parameters as it registers them
// (nn/attention_registry.hpp): numbers by key, a range parameter K as K: [lo, hi] ("clip" is
// written even when null, as every checkpoint so far has it). A parameter the kind does not take
// is an error, and the ones left out get the kind's defaults for the model's task.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "prism/nn/attention_registry.hpp"

namespace prism::models {

struct AttentionSpec {
    std::string kind = "standard";
    std::optional<std::pair<std::int64_t, std::int64_t>> layers;  // [first, end)
    // As nn::AttentionConfig::params: alpha, lambda1, ..., a range K as K_lo and K_hi.
    std::map<std::string, double> params;

    bool applies_to(std::int64_t layer) const {
        return !layers || (layer >= layers->first && layer < layers->second);
    }
    // A range parameter, e.g. pair("clip"): (params clip_lo, clip_hi) or none.
    std::optional<std::pair<double, double>> pair(const std::string& key) const;
    // The nn::AttentionConfig for block `layer` (standard outside the layer range).
    nn::AttentionConfig for_layer(std::int64_t layer, bool causal, bool qkv_bias) const;

    nlohmann::json to_json() const;
    // Throws prism::Error on bad fields, unknown kinds and parameters the kind does not take;
    // fills in the kind's defaults for `task`.
    static AttentionSpec from_json(const nlohmann::json& j, nn::Task task = nn::Task::Vision);
};

// Attention options as given on a command line: option name (without "--") -> text, e.g.
// {"alpha", "0.4"}, {"rotate-clip", "0,1"}, {"learnable-lambdas", "1"}.
using AttentionOptions = std::map<std::string, std::string>;

// From `--attention KIND --attention-layers FIRST,END` and the kind's options. Fills the kind's
// defaults for `task` into params, so the checkpoint config records them (neutreno's alpha: 0.6
// for Vision, 0.4 for Language). Throws prism::Error, listing the known kinds, for an unknown
// kind; naming the kinds it applies to and the ones KIND takes for an option KIND does not take;
// naming the valid range for a bad value (a malformed pair, LO > HI, FIRST >= END).
AttentionSpec parse_attention_options(const std::string& kind, const AttentionOptions& options = {},
                                      const std::string& layers = "", nn::Task task = nn::Task::Vision);

// Throws prism::Error unless every option in `options` is taken by one of `kinds`
// ("--alpha applies to neutreno, which is not in --attention").
void check_options_apply(const AttentionOptions& options, const std::vector<std::string>& kinds);

// "neutreno alpha 0.6; resformer lambda1 0.5, lambda2 0.5, learnable-lambdas off;
// spectral-rotate rotate-clip [0, 1]": every parameter of every spec, by option name, for reports
// ("" when none of the kinds takes any).
std::string describe_params(const std::vector<AttentionSpec>& specs);

// The options of `options` that `kind` takes.
AttentionOptions options_for(const std::string& kind, const AttentionOptions& options);

}  // namespace prism::models
