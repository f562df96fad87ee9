// AttentionSpec: which attention kind a model uses, on which blocks, as stored in the
// checkpoint config:  {"kind": "spectral-sharpen", "clip": [-1, 0], "layers": [0, 6], ...}
// "layers" is a half-open block range [first, end); null means every block. Blocks outside
// the range use "standard". Kind-specific numbers ("alpha", "lambda1", ...) are kept as-is.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "nn/attention.hpp"

namespace prism::models {

struct AttentionSpec {
    std::string kind = "standard";
    std::optional<std::pair<double, double>> clip;              // eigenvalue range, spectral kinds
    std::optional<std::pair<std::int64_t, std::int64_t>> layers;  // [first, end)
    std::map<std::string, double> params;                       // alpha, lambda1, lambda2, ...

    bool applies_to(std::int64_t layer) const {
        return !layers || (layer >= layers->first && layer < layers->second);
    }
    // The nn::AttentionConfig for block `layer` (standard outside the layer range).
    nn::AttentionConfig for_layer(std::int64_t layer, bool causal, bool qkv_bias) const;

    nlohmann::json to_json() const;
    static AttentionSpec from_json(const nlohmann::json& j);  // throws prism::Error on bad fields
};

}  // namespace prism::models
