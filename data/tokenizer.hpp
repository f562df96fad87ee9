// Tokenizers for language models: byte-level (256 symbols, any file) and char-level (the
// sorted distinct Unicode code points of a corpus; the vocabulary goes into the checkpoint).
//
//     auto tok = data::Tokenizer::build_char(text, "kjv.txt");   // vocab from the corpus
//     std::vector<std::int32_t> ids = tok.encode("In the beginning");
//     std::string s = tok.decode(ids);                          // round trip
//     nlohmann::json j = tok.to_json();   // {"kind": "char", "vocab": ["\n", " ", "!", ...]}
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

namespace prism::data {

// UTF-8 helpers. decode_utf8 throws prism::Error naming `what` (the file) and the byte offset
// of the first invalid sequence (overlong forms and surrogates are invalid).
std::vector<char32_t> decode_utf8(const std::string& text, const std::string& what);
void append_utf8(std::string& out, char32_t cp);
std::string utf8_of(char32_t cp);
// "'e' (U+0065)", or "U+000A" for control characters: used in error messages.
std::string describe_char(char32_t cp);

class Tokenizer {
   public:
    enum class Kind { Byte, Char };

    static Tokenizer byte_level();
    // Vocabulary = sorted distinct code points of text; `what` names the file in errors.
    static Tokenizer build_char(const std::string& text, const std::string& what);
    static Tokenizer from_chars(std::vector<char32_t> vocab);  // sorted or not; ids in the given order
    // "char" | "byte" (for the CLI); char builds from text.
    static Tokenizer make(const std::string& kind, const std::string& text, const std::string& what);

    Kind kind() const { return kind_; }
    std::string kind_name() const { return kind_ == Kind::Byte ? "byte" : "char"; }
    std::int64_t vocab_size() const { return kind_ == Kind::Byte ? 256 : static_cast<std::int64_t>(vocab_.size()); }
    const std::vector<char32_t>& vocab() const { return vocab_; }

    // Errors name `what` and the offending character (char: not in the vocabulary / bad UTF-8).
    std::vector<std::int32_t> encode(const std::string& text, const std::string& what = "text") const;
    std::string decode(const std::vector<std::int32_t>& ids) const;
    // Bytes of one token (byte: 1 byte, maybe part of a multi-byte char; char: its UTF-8).
    std::string token_bytes(std::int32_t id) const;
    // Characters a token completes: 1 for char tokens; for bytes, 1 unless it is a UTF-8
    // continuation byte (10xxxxxx). Used for bits per character.
    bool starts_char(std::int32_t id) const;

    nlohmann::json to_json() const;
    static Tokenizer from_json(const nlohmann::json& j);  // throws prism::Error on bad fields

   private:
    Kind kind_ = Kind::Byte;
    std::vector<char32_t> vocab_;
    std::unordered_map<char32_t, std::int32_t> index_;
};

}  // namespace prism::data
