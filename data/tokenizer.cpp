#include "prism/data/tokenizer.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "prism/core/error.hpp"

namespace prism::data {

std::vector<char32_t> decode_utf8(const std::string& text, const std::string& what) {
    std::vector<char32_t> out;
    out.reserve(text.size());
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    for (std::size_t i = 0; i < n;) {
        const unsigned c = s[i];
        int len;
        char32_t cp, min;
        if (c < 0x80) { out.push_back(c); ++i; continue; }
        if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min = 0x10000; }
        else throw Error("utf-8", what, ": invalid UTF-8 lead byte ", static_cast<int>(c), " at byte ", i);
        if (i + len > n) throw Error("utf-8", what, ": truncated UTF-8 sequence at byte ", i);
        for (int k = 1; k < len; ++k) {
            const unsigned cc = s[i + k];
            if ((cc & 0xC0) != 0x80) throw Error("utf-8", what, ": invalid UTF-8 continuation byte at byte ", i + k);
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            throw Error("utf-8", what, ": invalid UTF-8 sequence (overlong or out of range) at byte ", i);
        out.push_back(cp);
        i += len;
    }
    return out;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::string utf8_of(char32_t cp) {
    std::string s;
    append_utf8(s, cp);
    return s;
}

std::string describe_char(char32_t cp) {
    char code[16];
    std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
    if (cp < 0x20 || cp == 0x7F) return code;
    return "'" + utf8_of(cp) + "' (" + code + ")";
}

Tokenizer Tokenizer::byte_level() { return Tokenizer(); }

Tokenizer Tokenizer::from_chars(std::vector<char32_t> vocab) {
    Tokenizer t;
    t.kind_ = Kind::Char;
    t.vocab_ = std::move(vocab);
    for (std::size_t i = 0; i < t.vocab_.size(); ++i) {
        if (!t.index_.emplace(t.vocab_[i], static_cast<std::int32_t>(i)).second)
            throw Error("tokenizer", "character ", describe_char(t.vocab_[i]), " appears twice in the vocabulary");
    }
    if (t.vocab_.empty()) throw Error("tokenizer", "empty char vocabulary");
    return t;
}

Tokenizer Tokenizer::build_char(const std::string& text, const std::string& what) {
    const auto cps = decode_utf8(text, what);
    if (cps.empty()) throw Error("tokenizer", what, " is empty");
    std::set<char32_t> distinct(cps.begin(), cps.end());
    return from_chars(std::vector<char32_t>(distinct.begin(), distinct.end()));
}

Tokenizer Tokenizer::make(const std::string& kind, const std::string& text, const std::string& what) {
    if (kind == "byte") return byte_level();
    if (kind == "char") return build_char(text, what);
    throw Error("tokenizer", "unknown tokenizer '", kind, "' (expected char or byte)");
}

std::vector<std::int32_t> Tokenizer::encode(const std::string& text, const std::string& what) const {
    std::vector<std::int32_t> ids;
    if (kind_ == Kind::Byte) {
        ids.reserve(text.size());
        for (unsigned char c : text) ids.push_back(c);
        return ids;
    }
    const auto cps = decode_utf8(text, what);
    ids.reserve(cps.size());
    for (char32_t cp : cps) {
        auto it = index_.find(cp);
        if (it == index_.end())
            throw Error("tokenizer", what, ": character ", describe_char(cp),
                        " is not in the model's char vocabulary (", vocab_.size(), " characters)");
        ids.push_back(it->second);
    }
    return ids;
}

std::string Tokenizer::token_bytes(std::int32_t id) const {
    if (id < 0 || id >= vocab_size()) throw Error("tokenizer", "token id ", id, " out of range [0, ", vocab_size(), ")");
    if (kind_ == Kind::Byte) return std::string(1, static_cast<char>(id));
    return utf8_of(vocab_[static_cast<std::size_t>(id)]);
}

std::string Tokenizer::decode(const std::vector<std::int32_t>& ids) const {
    std::string s;
    for (auto id : ids) s += token_bytes(id);
    return s;
}

bool Tokenizer::starts_char(std::int32_t id) const {
    return kind_ == Kind::Char || (static_cast<unsigned>(id) & 0xC0u) != 0x80u;
}

nlohmann::json Tokenizer::to_json() const {
    if (kind_ == Kind::Byte) return {{"kind", "byte"}};
    nlohmann::json v = nlohmann::json::array();
    for (char32_t cp : vocab_) v.push_back(utf8_of(cp));
    return {{"kind", "char"}, {"vocab", v}};
}

Tokenizer Tokenizer::from_json(const nlohmann::json& j) {
    if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string())
        throw Error("tokenizer", "config needs an object with a string \"kind\"");
    const std::string kind = j["kind"].get<std::string>();
    if (kind == "byte") return byte_level();
    if (kind != "char") throw Error("tokenizer", "unknown tokenizer kind '", kind, "'");
    if (!j.contains("vocab") || !j["vocab"].is_array()) throw Error("tokenizer", "char tokenizer needs \"vocab\"");
    std::vector<char32_t> vocab;
    for (const auto& e : j["vocab"]) {
        if (!e.is_string()) throw Error("tokenizer", "vocab entry ", e.dump(), " is not a string");
        const auto cps = decode_utf8(e.get<std::string>(), "tokenizer vocab");
        if (cps.size() != 1) throw Error("tokenizer", "vocab entry '", e.get<std::string>(), "' is not one character");
        vocab.push_back(cps[0]);
    }
    return from_chars(std::move(vocab));
}

}  // namespace prism::data
