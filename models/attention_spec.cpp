#include "prism/models/attention_spec.hpp"
#include "prism/core/json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "prism/core/error.hpp"

namespace prism::models {

nn::AttentionConfig AttentionSpec::for_layer(std::int64_t layer, bool causal, bool qkv_bias) const {
    nn::AttentionConfig c;
    c.causal = causal;
    c.qkv_bias = qkv_bias;
    if (!applies_to(layer)) return c;
    c.kind = kind;
    c.params = params;
    if (clip) {
        c.params["clip_lo"] = clip->first;
        c.params["clip_hi"] = clip->second;
    }
    return c;
}

nlohmann::json AttentionSpec::to_json() const {
    nlohmann::json j;
    j["kind"] = kind;
    j["clip"] = clip ? nlohmann::json::array({clip->first, clip->second}) : nlohmann::json(nullptr);
    j["layers"] = layers ? nlohmann::json::array({layers->first, layers->second}) : nlohmann::json(nullptr);
    for (const auto& [k, v] : params) j[k] = v;
    return j;
}

namespace {

// A whole number in [0, 2^53]: converting anything else (1e300, inf, nan) to int64 is undefined
// or inexact, so it is refused before the cast.
bool is_index(double v) { return v >= 0 && v <= 9007199254740992.0 && v == std::floor(v); }

}  // namespace

AttentionSpec AttentionSpec::from_json(const nlohmann::json& j) {
    AttentionSpec s;
    if (j.is_string()) {  // shorthand: "attention": "standard"
        s.kind = j.get<std::string>();
        return s;
    }
    if (!j.is_object()) throw Error("attention config", "expected an object like {\"kind\": \"standard\"}, got ", dump_json(j));
    if (!j.contains("kind") || !j["kind"].is_string()) throw Error("attention config", "missing string field \"kind\"");
    s.kind = j["kind"].get<std::string>();
    for (const auto& [key, val] : j.items()) {
        if (key == "kind") continue;
        if (key == "clip" || key == "layers") {
            if (val.is_null()) continue;
            if (!val.is_array() || val.size() != 2 || !val[0].is_number() || !val[1].is_number())
                throw Error("attention config", "\"", key, "\" must be null or a pair of numbers, got ", dump_json(val));
            if (key == "clip") s.clip = std::make_pair(val[0].get<double>(), val[1].get<double>());
            else if (!is_index(val[0].get<double>()) || !is_index(val[1].get<double>()))
                throw Error("attention config", "\"layers\" must be two non-negative integers, got ", val.dump());
            else s.layers = std::make_pair(val[0].get<std::int64_t>(), val[1].get<std::int64_t>());
            continue;
        }
        if (val.is_number()) s.params[key] = val.get<double>();
        else if (val.is_boolean()) s.params[key] = val.get<bool>() ? 1.0 : 0.0;
        else if (!val.is_null()) throw Error("attention config", "field \"", key, "\" must be a number, got ", dump_json(val));
    }
    return s;
}

namespace {

// "A,B" -> (A, B); what names the option in errors.
std::pair<double, double> parse_pair(const std::string& what, const std::string& text) {
    const auto comma = text.find(',');
    auto number = [&](const std::string& part) {
        char* end = nullptr;
        const double v = std::strtod(part.c_str(), &end);
        if (part.empty() || end != part.c_str() + part.size())
            throw Error("attention options", what, " expects two numbers \"A,B\", got \"", text, "\"");
        return v;
    };
    if (comma == std::string::npos)
        throw Error("attention options", what, " expects two numbers \"A,B\", got \"", text, "\"");
    return {number(text.substr(0, comma)), number(text.substr(comma + 1))};
}

}  // namespace

bool takes_spectral_clip(const std::string& kind) {
    return kind == "spectral-smooth" || kind == "spectral-sharpen" || kind == "spectral-free";
}

AttentionSpec parse_attention_options(const std::string& kind, const std::string& clip, const std::string& layers,
                                      std::optional<double> alpha, std::optional<double> lambda1,
                                      std::optional<double> lambda2, bool learnable, double default_alpha,
                                      const std::string& rotate_clip) {
    const auto known = nn::attention_kinds();
    if (std::find(known.begin(), known.end(), kind) == known.end()) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        throw Error("attention options", "unknown attention kind '", kind, "' (known: ", list, ")");
    }
    AttentionSpec s;
    s.kind = kind;
    if (!clip.empty()) {
        if (kind == "spectral-rotate")
            throw Error("attention options", "--spectral-clip bounds real eigenvalues (spectral-smooth, -sharpen, -free); "
                        "spectral-rotate bounds its magnitudes r with --rotate-clip LO,HI");
        if (!takes_spectral_clip(kind))
            throw Error("attention options", "--spectral-clip applies to the spectral-* kinds, not ", kind);
        s.clip = parse_pair("--spectral-clip", clip);
        if (!(s.clip->first <= s.clip->second))
            throw Error("attention options", "--spectral-clip ", clip, ": LO must not exceed HI");
    }
    if (!rotate_clip.empty()) {
        if (kind != "spectral-rotate")
            throw Error("attention options", "--rotate-clip applies to spectral-rotate, not ", kind);
        s.clip = parse_pair("--rotate-clip", rotate_clip);
        if (!(s.clip->first >= 0 && s.clip->first <= s.clip->second) || !std::isfinite(s.clip->second))
            throw Error("attention options", "--rotate-clip ", rotate_clip, ": need finite 0 <= LO <= HI (magnitudes r)");
    }
    if (!layers.empty()) {
        const auto [a, b] = parse_pair("--attention-layers", layers);
        if (!is_index(a) || !is_index(b) || a >= b)
            throw Error("attention options", "--attention-layers ", layers, ": need integers 0 <= FIRST < END");
        s.layers = std::make_pair(static_cast<std::int64_t>(a), static_cast<std::int64_t>(b));
    }
    if (alpha && kind != "neutreno") throw Error("attention options", "--alpha applies to neutreno, not ", kind);
    if ((lambda1 || lambda2 || learnable) && kind != "resformer")
        throw Error("attention options", "--lambda1/--lambda2/learnable apply to resformer, not ", kind);
    if (kind == "neutreno") s.params["alpha"] = alpha.value_or(default_alpha);
    if (kind == "resformer") {
        s.params["lambda1"] = lambda1.value_or(0.5);
        s.params["lambda2"] = lambda2.value_or(0.5);
        s.params["learnable"] = learnable ? 1.0 : 0.0;
    }
    return s;
}

}  // namespace prism::models
