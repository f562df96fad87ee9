#include "prism/models/attention_spec.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "prism/core/error.hpp"
#include "prism/core/json.hpp"

namespace prism::models {

using Type = nn::AttentionParam::Type;

std::optional<std::pair<double, double>> AttentionSpec::pair(const std::string& key) const {
    nn::AttentionConfig c;
    c.kind = kind;
    c.params = params;
    return c.pair(key);
}

nn::AttentionConfig AttentionSpec::for_layer(std::int64_t layer, bool causal, bool qkv_bias) const {
    nn::AttentionConfig c;
    c.causal = causal;
    c.qkv_bias = qkv_bias;
    if (!applies_to(layer)) return c;
    c.kind = kind;
    c.params = params;
    return c;
}

nlohmann::json AttentionSpec::to_json() const {
    nlohmann::json j;
    j["kind"] = kind;
    j["clip"] = nullptr;  // every checkpoint has had it; a kind's own "clip" replaces it below
    j["layers"] = layers ? nlohmann::json::array({layers->first, layers->second}) : nlohmann::json(nullptr);
    std::map<std::string, double> rest = params;
    if (nn::is_attention_kind(kind))
        for (const auto& p : nn::attention_kind(kind).params) {
            if (p.type != Type::Pair) continue;
            const auto& k = p.config_key();
            const auto v = pair(k);
            j[k] = v ? nlohmann::json::array({v->first, v->second}) : nlohmann::json(nullptr);
            rest.erase(k + "_lo");
            rest.erase(k + "_hi");
        }
    for (const auto& [k, v] : rest) j[k] = v;
    return j;
}

namespace {

// A whole number in [0, 2^53]: converting anything else (1e300, inf, nan) to int64 is undefined
// or inexact, so it is refused before the cast.
bool is_index(double v) { return v >= 0 && v <= 9007199254740992.0 && v == std::floor(v); }

}  // namespace

AttentionSpec AttentionSpec::from_json(const nlohmann::json& j, nn::Task task) {
    AttentionSpec s;
    if (j.is_string()) {  // shorthand: "attention": "standard"
        s.kind = j.get<std::string>();
        nn::complete_attention_params(nn::attention_kind(s.kind, "attention config"), s.params, task, "attention config");
        return s;
    }
    if (!j.is_object()) throw Error("attention config", "expected an object like {\"kind\": \"standard\"}, got ", dump_json(j));
    if (!j.contains("kind") || !j["kind"].is_string()) throw Error("attention config", "missing string field \"kind\"");
    s.kind = j["kind"].get<std::string>();
    const auto info = nn::attention_kind(s.kind, "attention config");
    auto is_pair_key = [&](const std::string& key) {
        return std::any_of(info.params.begin(), info.params.end(),
                           [&](const auto& p) { return p.type == Type::Pair && p.config_key() == key; });
    };
    for (const auto& [key, val] : j.items()) {
        if (key == "kind" || (key == "clip" && val.is_null())) continue;  // every config has "clip"
        if (key == "clip" && !is_pair_key(key))
            throw Error("attention config", "attention kind '", s.kind, "' takes no parameter 'clip' (it takes ",
                        info.param_list(), ")");
        if (key == "layers" || is_pair_key(key)) {
            if (val.is_null()) continue;
            if (!val.is_array() || val.size() != 2 || !val[0].is_number() || !val[1].is_number())
                throw Error("attention config", "\"", key, "\" must be null or a pair of numbers, got ", dump_json(val));
            if (key != "layers") {
                s.params[key + "_lo"] = val[0].get<double>();
                s.params[key + "_hi"] = val[1].get<double>();
            } else if (!is_index(val[0].get<double>()) || !is_index(val[1].get<double>())) {
                throw Error("attention config", "\"layers\" must be two non-negative integers, got ", val.dump());
            } else {
                s.layers = std::make_pair(val[0].get<std::int64_t>(), val[1].get<std::int64_t>());
            }
            continue;
        }
        if (val.is_number()) s.params[key] = val.get<double>();
        else if (val.is_boolean()) s.params[key] = val.get<bool>() ? 1.0 : 0.0;
        else throw Error("attention config", "field \"", key, "\" must be a number, got ", dump_json(val));
    }
    nn::complete_attention_params(info, s.params, task, "attention config");
    return s;
}

namespace {

// "A,B" -> (A, B), each in `range` and A <= B unless !ordered; what names the option in errors.
std::pair<double, double> parse_pair(const std::string& what, const std::string& text, const ValueRange& range,
                                     bool ordered = true) {
    const std::string bad =
        Error::cat(what, ": '", text, "' is not valid: expected LO,HI with LO <= HI, each ", range.expected());
    const auto comma = text.find(',');
    if (comma == std::string::npos) throw Error("attention options", bad);
    const std::string lo = text.substr(0, comma), hi = text.substr(comma + 1);
    if (!range.check(lo).empty() || !range.check(hi).empty()) throw Error("attention options", bad);
    const double a = std::strtod(lo.c_str(), nullptr), b = std::strtod(hi.c_str(), nullptr);
    if (ordered && !(a <= b)) throw Error("attention options", bad);
    return {a, b};
}

std::string kinds_taking(const std::string& option) {
    for (const auto& o : nn::attention_options())
        if (o.param.name == option) {
            std::string s;
            for (const auto& k : o.kinds) s += (s.empty() ? "" : ", ") + k;
            return s;
        }
    return "";
}

}  // namespace

AttentionSpec parse_attention_options(const std::string& kind, const AttentionOptions& options,
                                      const std::string& layers, nn::Task task) {
    const auto info = nn::attention_kind(kind, "attention options");
    AttentionSpec s;
    s.kind = kind;
    for (const auto& [name, text] : options) {
        const nn::AttentionParam* p = info.param(name);
        if (!p) {
            const std::string takers = kinds_taking(name);
            if (takers.empty()) throw Error("attention options", "--", name, " is not an attention option");
            throw Error("attention options", "--", name, " applies to ", takers, ", not ", kind, " (", kind, " takes ",
                        info.param_list(), ")");
        }
        const std::string& key = p->config_key();
        if (p->type == Type::Pair) {
            const auto [lo, hi] = parse_pair("--" + name, text, p->range);
            s.params[key + "_lo"] = lo;
            s.params[key + "_hi"] = hi;
        } else if (p->type == Type::Flag) {
            if (text != "" && text != "1" && text != "true" && text != "0" && text != "false")
                throw Error("attention options", "--", name, ": '", text, "' is not valid: expected on or off");
            s.params[key] = text == "0" || text == "false" ? 0.0 : 1.0;
        } else {
            if (const std::string bad = p->range.check(text); !bad.empty())
                throw Error("attention options", "--", name, ": ", bad);
            s.params[key] = std::strtod(text.c_str(), nullptr);
        }
    }
    if (!layers.empty()) {
        const auto [a, b] = parse_pair("--attention-layers", layers, any_finite_number(), false);
        if (!is_index(a) || !is_index(b) || a >= b)
            throw Error("attention options", "--attention-layers ", layers, ": need integers 0 <= FIRST < END");
        s.layers = std::make_pair(static_cast<std::int64_t>(a), static_cast<std::int64_t>(b));
    }
    nn::complete_attention_params(info, s.params, task, "attention options");
    return s;
}

void check_options_apply(const AttentionOptions& options, const std::vector<std::string>& kinds) {
    for (const auto& option : options) {
        const std::string& name = option.first;  // a plain reference: clang 14 (fuzz/) cannot capture a binding
        const bool taken = std::any_of(kinds.begin(), kinds.end(), [&](const std::string& k) {
            return nn::attention_kind(k).param(name) != nullptr;
        });
        if (taken) continue;
        const std::string takers = kinds_taking(name);
        if (takers.empty()) throw Error("attention options", "--", name, " is not an attention option");
        throw Error("attention options", "--", name, " applies to ", takers, ", none of which is in --attention");
    }
}

std::string describe_params(const std::vector<AttentionSpec>& specs) {
    std::string out;
    for (const auto& s : specs) {
        std::string one;
        for (const auto& p : nn::attention_kind(s.kind).params) {
            std::string v;
            if (p.type == Type::Pair) {
                const auto r = s.pair(p.config_key());
                v = r ? Error::cat("[", r->first, ", ", r->second, "]") : "none";
            } else {
                const auto it = s.params.find(p.config_key());
                v = it == s.params.end() ? "none"
                    : p.type == Type::Flag ? (it->second != 0 ? "on" : "off")
                                           : Error::cat(it->second);
            }
            one += (one.empty() ? "" : ", ") + p.name + " " + v;
        }
        if (!one.empty()) out += (out.empty() ? "" : "; ") + s.kind + " " + one;
    }
    return out;
}

AttentionOptions options_for(const std::string& kind, const AttentionOptions& options) {
    const auto info = nn::attention_kind(kind);
    AttentionOptions out;
    for (const auto& [name, text] : options)
        if (info.param(name)) out[name] = text;
    return out;
}

}  // namespace prism::models
