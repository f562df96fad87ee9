#include "models/attention_spec.hpp"

#include "core/error.hpp"

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
    if (layers) c.params["first_layer"] = static_cast<double>(layers->first);
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

AttentionSpec AttentionSpec::from_json(const nlohmann::json& j) {
    AttentionSpec s;
    if (j.is_string()) {  // shorthand: "attention": "standard"
        s.kind = j.get<std::string>();
        return s;
    }
    if (!j.is_object()) throw Error("attention config", "expected an object like {\"kind\": \"standard\"}, got ", j.dump());
    if (!j.contains("kind") || !j["kind"].is_string()) throw Error("attention config", "missing string field \"kind\"");
    s.kind = j["kind"].get<std::string>();
    for (const auto& [key, val] : j.items()) {
        if (key == "kind") continue;
        if (key == "clip" || key == "layers") {
            if (val.is_null()) continue;
            if (!val.is_array() || val.size() != 2 || !val[0].is_number() || !val[1].is_number())
                throw Error("attention config", "\"", key, "\" must be null or a pair of numbers, got ", val.dump());
            if (key == "clip") s.clip = std::make_pair(val[0].get<double>(), val[1].get<double>());
            else s.layers = std::make_pair(val[0].get<std::int64_t>(), val[1].get<std::int64_t>());
            continue;
        }
        if (val.is_number()) s.params[key] = val.get<double>();
        else if (val.is_boolean()) s.params[key] = val.get<bool>() ? 1.0 : 0.0;
        else if (!val.is_null()) throw Error("attention config", "field \"", key, "\" must be a number, got ", val.dump());
    }
    return s;
}

}  // namespace prism::models
