// Text corpora for language models: load a UTF-8 file (or the King James Bible, cached),
// tokenize, split contiguously into train/validation, and draw random training windows.
//
//     auto corpus = data::load_corpus("kjv");                       // or a file path
//     auto tok = data::Tokenizer::make("char", corpus.text, corpus.name);
//     data::TextSplit split = data::split_tokens(tok.encode(corpus.text, corpus.name), 0.1);
//     data::WindowSampler s(split.train, 128, 1337);
//     auto [x, y] = s.batch(step, 32);    // x, y (B, T) int64, y = x shifted by one
//
// Window i of step s starts at a pure function of (seed, s, i) (Philox counter), so the data
// order needs no state in a checkpoint: a resumed run draws exactly the same batches.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "prism/core/tensor.hpp"

namespace prism::data {

struct Corpus {
    std::string text;
    std::string name;  // the file path (or the cache path of "kjv") for error messages
};

// The largest text file read (as bytes; a char-level tokenizer makes 4x as many token bytes).
inline constexpr std::uint64_t kMaxTextBytes = std::uint64_t(4) << 30;
// Reads a whole regular file; errors name the file when it is missing, empty, a directory,
// not a regular file (a FIFO, /dev/zero) or larger than kMaxTextBytes.
std::string read_text_file(const std::string& path);

// The King James Bible from Debian's bible-kjv (`bible -f "Gen 1:1-Rev 22:21"`), extracted
// once into $XDG_CACHE_HOME/prism/kjv.txt (or ~/.cache/prism/kjv.txt), written atomically.
// Returns the cache path; throws a clear error when the `bible` program is missing.
std::string kjv_path();

// "kjv" -> the cached KJV text; anything else -> that file.
Corpus load_corpus(const std::string& spec);

struct TextSplit {
    std::vector<std::int32_t> train, val;
};
// Contiguous split: the last val_fraction of the tokens are validation.
TextSplit split_tokens(const std::vector<std::int32_t>& tokens, double val_fraction);

class WindowSampler {
   public:
    // Throws naming `what` when tokens are fewer than context + 1.
    WindowSampler(const std::vector<std::int32_t>& tokens, std::int64_t context, std::uint64_t seed,
                  const std::string& what = "corpus");
    // Start of window i of step `step` in [0, tokens - context - 1].
    std::int64_t window_start(std::int64_t step, std::int64_t i) const;
    // x (B, T), y (B, T) int64: tokens[start .. start+T) and tokens[start+1 .. start+T+1).
    std::pair<Tensor, Tensor> batch(std::int64_t step, std::int64_t batch_size) const;

   private:
    const std::vector<std::int32_t>* tokens_;
    std::int64_t context_;
    std::uint64_t seed_;
};

// Deterministic non-overlapping windows covering every token of `tokens` as a target once:
// window k predicts tokens[k*T+1 .. min((k+1)*T, n-1)] (the last one may be shorter).
// Returns (start, length) pairs; length = inputs in the window.
std::vector<std::pair<std::int64_t, std::int64_t>> eval_windows(std::int64_t n_tokens, std::int64_t context);

}  // namespace prism::data
