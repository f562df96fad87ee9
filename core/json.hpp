// JSON text that is always valid UTF-8.
//
// nlohmann::json::dump() throws type_error 316 on a string that is not valid UTF-8: a
// byte-level GPT's generated sample, a path or an image-folder class name in another
// encoding. Every prism dump goes through dump_json, which writes each invalid byte
// sequence as U+FFFD (the replacement character) instead, so a metrics.jsonl record, a
// checkpoint's config or a --json line is always written and always parses.
#pragma once
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "prism/core/error.hpp"

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

// `v` (the field `key` of a `where` JSON object) as an int64. It must be an integer that fits
// int64, or a float that is a whole number within +-2^53 (where floats still hold integers exactly). nlohmann's own get<int64_t>() casts a float
// such as 1e300, inf or 2.5 straight to int64 (undefined behaviour, or silently truncated):
// a checkpoint's config or train_state is outside input, so it is refused with the value.
inline std::int64_t json_int(const nlohmann::json& v, const std::string& where, const std::string& key) {
    if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<std::int64_t>();
    if (v.is_number_unsigned() && v.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX))
        return static_cast<std::int64_t>(v.get<std::uint64_t>());
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (std::abs(d) <= 9007199254740992.0 && d == std::floor(d)) return static_cast<std::int64_t>(d);
    }
    throw Error(where.c_str(), "\"", key, "\" must be a whole number (an int64, or a float within +-2^53), got ", dump_json(v));
}

// j[key] through json_int; j.at() semantics (a missing key throws nlohmann's out_of_range).
inline std::int64_t json_int_at(const nlohmann::json& j, const std::string& key, const std::string& where) {
    return json_int(j.at(key), where, key);
}

}  // namespace prism
