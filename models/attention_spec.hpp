// AttentionSpec: which attention kind a model uses, on which blocks, as stored in the
// checkpoint config:  {"kind": "spectral-sharpen", "clip": [-1, 0], "layers": [0, 6], ...}
// "layers" is a half-open block range [first, end); null means every block. Blocks outside
// the range use "standard". Kind-specific numbers ("alpha", "lambda1", ...) are kept as-is.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "prism/nn/attention.hpp"

namespace prism::models {

struct AttentionSpec {
    std::string kind = "standard";
    std::optional<std::pair<double, double>> clip;              // eigenvalue range (spectral-smooth/-sharpen/-free)
                                                                // or magnitude range of r (spectral-rotate)
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

// The kinds --spectral-clip applies to (a range of real eigenvalues): spectral-smooth,
// spectral-sharpen, spectral-free. spectral-rotate bounds its magnitudes r with --rotate-clip.
bool takes_spectral_clip(const std::string& kind);

// From command-line options (`--attention KIND --spectral-clip LO,HI --attention-layers FIRST,END
// --alpha A --lambda1 L1 --lambda2 L2 --learnable-lambdas --rotate-clip LO,HI`): clip, layers and
// rotate_clip are "" or "A,B"; both clips land in AttentionSpec::clip. Fills the per-kind
// defaults into params so the checkpoint config records them:
//   neutreno: alpha (default_alpha: 0.6 vision, 0.4 language); resformer: lambda1, lambda2
//   (0.5, 0.5), learnable (0/1). Throws prism::Error, listing the known kinds, for an unknown
//   kind, and for options that do not apply to the kind (clip: takes_spectral_clip kinds;
//   rotate_clip: spectral-rotate; alpha: neutreno; lambdas/learnable: resformer), empty ranges
//   (LO > HI, FIRST >= END), a negative rotate-clip LO or malformed pairs.
AttentionSpec parse_attention_options(const std::string& kind, const std::string& clip = "",
                                      const std::string& layers = "", std::optional<double> alpha = std::nullopt,
                                      std::optional<double> lambda1 = std::nullopt,
                                      std::optional<double> lambda2 = std::nullopt, bool learnable = false,
                                      double default_alpha = 0.6, const std::string& rotate_clip = "");

}  // namespace prism::models
