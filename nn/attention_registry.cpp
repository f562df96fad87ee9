#include "prism/nn/attention_registry.hpp"

#include <algorithm>
#include <mutex>

#include "prism/core/error.hpp"
#include "prism/nn/attention_kinds.hpp"

namespace prism::nn {

std::optional<double> AttentionParam::default_for(Task task) const {
    if (type == Type::Flag) return 0.0;
    if (task == Task::Language && language_default) return language_default;
    return default_value;
}

std::string AttentionParam::help_with_default(std::optional<Task> task) const {
    if (type == Type::Flag || !default_value) return help;
    if (task) return Error::cat(help, " (default ", *default_for(*task), ")");
    if (language_default) return Error::cat(help, " (default ", *default_value, "; language ", *language_default, ")");
    return Error::cat(help, " (default ", *default_value, ")");
}

const AttentionParam* AttentionKindInfo::param(const std::string& option) const {
    for (const auto& p : params)
        if (p.name == option) return &p;
    return nullptr;
}

std::string AttentionKindInfo::param_list() const {
    std::string s;
    for (const auto& p : params) s += (s.empty() ? "--" : ", --") + p.name;
    return s.empty() ? "no options" : s;
}

namespace {

struct Registry {
    std::mutex mu;
    std::vector<AttentionKindInfo> kinds;  // registration order
    Registry() {
        kinds.push_back({.name = "standard",
                         .summary = "softmax(q k^T / sqrt(HS)) v over NH heads (timm's Attention)",
                         .factory = [](const AttentionConfig& c, const AttentionArgs& a) {
                             return std::make_shared<MultiHeadSelfAttention>(c, a);
                         },
                         .study_default = true});
        for (auto& k : builtin_attention_kinds()) kinds.push_back(std::move(k));  // nn/attention_kinds.hpp
    }
};

Registry& registry() {
    static Registry r;
    return r;
}

std::string known_kinds(const std::vector<AttentionKindInfo>& kinds) {
    std::string s;
    for (const auto& k : kinds) s += (s.empty() ? "" : ", ") + k.name;
    return s;
}

bool same_declaration(const AttentionParam& a, const AttentionParam& b) {
    const auto& r = a.range;
    const auto& q = b.range;
    return a.type == b.type && a.help == b.help && a.default_value == b.default_value &&
           a.language_default == b.language_default && a.config_key() == b.config_key() &&
           r.describe() == q.describe() && r.integer == q.integer;
}

}  // namespace

void register_attention_kind(AttentionKindInfo info) {
    if (info.name.empty() || !info.factory)
        throw Error("register_attention_kind", "need a kind name and a factory");
    for (const auto& p : info.params) {
        if (p.name.empty() || p.name == "attention" || p.name == "attention-layers" || p.config_key() == "kind" ||
            p.config_key() == "layers")
            throw Error("register_attention_kind", info.name, ": parameter '", p.name,
                        "' is empty or named like a general attention option");
        if (p.range.integer)
            throw Error("register_attention_kind", info.name, ": --", p.name, " needs a range of reals");
    }
    auto& r = registry();
    std::lock_guard lock(r.mu);
    for (const auto& other : r.kinds) {
        if (other.name == info.name) continue;
        for (const auto& p : info.params)
            if (const auto* q = other.param(p.name); q && !same_declaration(p, *q))
                throw Error("register_attention_kind", info.name, ": --", p.name, " is declared differently by ",
                            other.name, " (kinds sharing an option declare it alike)");
    }
    const auto at = std::find_if(r.kinds.begin(), r.kinds.end(), [&](const auto& k) { return k.name == info.name; });
    if (at != r.kinds.end()) *at = std::move(info);
    else r.kinds.push_back(std::move(info));
}

std::vector<AttentionKindInfo> attention_kind_infos() {
    auto& r = registry();
    std::lock_guard lock(r.mu);
    return r.kinds;
}

AttentionKindInfo attention_kind(const std::string& name, const char* what) {
    const auto kinds = attention_kind_infos();
    for (const auto& k : kinds)
        if (k.name == name) return k;
    throw Error(what, "unknown attention kind '", name, "' (known: ", known_kinds(kinds), ")");
}

bool is_attention_kind(const std::string& name) {
    const auto kinds = attention_kind_infos();
    return std::any_of(kinds.begin(), kinds.end(), [&](const auto& k) { return k.name == name; });
}

std::vector<std::string> attention_kinds() {
    std::vector<std::string> out;
    for (const auto& k : attention_kind_infos()) out.push_back(k.name);
    return out;
}

std::vector<std::string> study_default_kinds() {
    std::vector<std::string> out;
    for (const auto& k : attention_kind_infos())
        if (k.study_default) out.push_back(k.name);
    return out;
}

std::vector<AttentionOption> attention_options() {
    std::vector<AttentionOption> out;
    for (const auto& k : attention_kind_infos())
        for (const auto& p : k.params) {
            auto at = std::find_if(out.begin(), out.end(), [&](const auto& o) { return o.param.name == p.name; });
            if (at == out.end()) out.push_back({p, {k.name}});
            else at->kinds.push_back(k.name);
        }
    return out;
}

std::string AttentionOption::help(std::optional<Task> task) const {
    std::string s;
    for (const auto& k : kinds) s += (s.empty() ? "" : ", ") + k;
    return s + ": " + param.help_with_default(task);
}

void complete_attention_params(const AttentionKindInfo& kind, std::map<std::string, double>& params, Task task,
                               const std::string& what) {
    // every key must belong to a parameter of the kind
    for (const auto& [key, value] : params) {
        const bool known = std::any_of(kind.params.begin(), kind.params.end(), [&](const AttentionParam& p) {
            const auto& k = p.config_key();
            return p.type == AttentionParam::Type::Pair ? key == k + "_lo" || key == k + "_hi" : key == k;
        });
        if (!known)
            throw Error(what.c_str(), "attention kind '", kind.name, "' takes no parameter '", key, "' (it takes ",
                        kind.param_list(), ")");
    }
    for (const auto& p : kind.params) {
        const auto& k = p.config_key();
        if (p.type == AttentionParam::Type::Pair) {
            const bool lo = params.count(k + "_lo"), hi = params.count(k + "_hi");
            if (lo != hi) throw Error(what.c_str(), kind.name, ": --", p.name, " needs both ", k, "_lo and ", k, "_hi");
            if (!lo) continue;
            const double a = params.at(k + "_lo"), b = params.at(k + "_hi");
            if (!p.range.contains(a) || !p.range.contains(b) || !(a <= b))
                throw Error(what.c_str(), kind.name, ": --", p.name, " [", a, ", ", b, "] is not valid: expected LO,HI with LO <= HI, each ",
                            p.range.expected());
            continue;
        }
        auto it = params.find(k);
        if (it == params.end()) {
            if (const auto d = p.default_for(task)) params[k] = *d;
            continue;
        }
        if (p.type == AttentionParam::Type::Flag ? !(it->second == 0 || it->second == 1) : !p.range.contains(it->second))
            throw Error(what.c_str(), kind.name, ": --", p.name, " ", it->second, " is not valid: expected ",
                        p.type == AttentionParam::Type::Flag ? std::string("0 or 1 (off / on)") : p.range.expected());
    }
}

std::shared_ptr<Attention> make_attention(const AttentionConfig& config, const AttentionArgs& args) {
    const AttentionKindInfo kind = attention_kind(config.kind, "make_attention");
    AttentionConfig c = config;
    complete_attention_params(kind, c.params, Task::Vision, "make_attention");
    return kind.factory(c, args);
}

std::shared_ptr<Attention> make_attention(const AttentionConfig& config, std::int64_t dim, std::int64_t heads,
                                          std::int64_t layer_index, Generator* gen) {
    AttentionArgs a;
    a.dim = dim;
    a.heads = heads;
    a.layer_index = layer_index;
    a.gen = gen;
    return make_attention(config, a);
}

}  // namespace prism::nn
