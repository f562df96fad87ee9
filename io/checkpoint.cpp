#include "prism/io/checkpoint.hpp"
#include "prism/core/json.hpp"

#include "prism/io/safetensors.hpp"

namespace prism::io {

void save_checkpoint(const std::string& path, const nn::Module& model, const nlohmann::json& config,
                     const std::vector<std::pair<std::string, Tensor>>& optim_state,
                     const nlohmann::json& train_state) {
    std::vector<std::pair<std::string, Tensor>> tensors;
    for (auto& kv : model.named_parameters()) tensors.push_back(kv);
    for (auto& kv : model.named_buffers()) tensors.push_back(kv);
    for (auto& kv : optim_state) tensors.push_back(kv);
    std::map<std::string, std::string> meta{{"format", "prism-checkpoint-1"}};
    if (!config.is_null()) meta["config"] = dump_json(config);
    if (!train_state.is_null()) meta["train_state"] = dump_json(train_state);
    save_safetensors(path, tensors, meta);
}

Checkpoint load_checkpoint(const std::string& path) {
    SafetensorsFile f = load_safetensors(path);
    Checkpoint c;
    c.path = path;
    auto parse = [&](const char* key) -> nlohmann::json {
        auto it = f.metadata.find(key);
        if (it == f.metadata.end()) return nullptr;
        // Nesting is bounded: configs are a few levels deep, and nlohmann's dump() in later error
        // messages recurses once per level (a 100000-deep "attention" overflowed the stack).
        constexpr int kMaxDepth = 64;
        nlohmann::json::parser_callback_t cb = [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
            if (depth > kMaxDepth)
                throw Error("load_checkpoint", path, ": metadata \"", key, "\" is nested deeper than ", kMaxDepth,
                            " levels");
            return true;
        };
        try {
            return nlohmann::json::parse(it->second, cb);
        } catch (const nlohmann::json::exception& e) {
            throw Error("load_checkpoint", path, ": metadata \"", key, "\" is not valid JSON: ", e.what());
        }
    };
    c.config = parse("config");
    c.train_state = parse("train_state");
    for (auto& [name, t] : f.tensors) {
        if (name.rfind("optim.", 0) == 0) c.optim.emplace_back(name, t);
        else c.model[name] = t;
    }
    return c;
}

}  // namespace prism::io
