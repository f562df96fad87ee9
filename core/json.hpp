// JSON text that is always valid UTF-8.
//
// nlohmann::json::dump() throws type_error 316 on a string that is not valid UTF-8: a
// byte-level GPT's generated sample, a path or an image-folder class name in another
// encoding. Every prism dump goes through dump_json, which writes each invalid byte
// sequence as U+FFFD (the replacement character) instead, so a metrics.jsonl record, a
// checkpoint's config or a --json line is always written and always parses.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace prism {

// j.dump(indent) with invalid UTF-8 replaced by U+FFFD (indent -1: one line). A template, so an
// nlohmann::ordered_json keeps its key order (safetensors headers list tensors in file order).
template <class Json>
std::string dump_json(const Json& j, int indent = -1) {
    return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

// `s` with every invalid UTF-8 sequence replaced by U+FFFD (valid text comes back unchanged).
inline std::string valid_utf8(const std::string& s) {
    const std::string quoted = dump_json(nlohmann::json(s));  // "\"...\"", escapes included
    return nlohmann::json::parse(quoted).get<std::string>();
}

}  // namespace prism
