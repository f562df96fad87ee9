// Fuzz targets: each takes arbitrary bytes and feeds them through one of prism's input paths
// (a file on disk, a command-line value, argv), the way a user's data reaches it.
//
//     prism::fuzz::idx(data, size);   // never crashes, hangs, leaks or trips a sanitizer
//
// The contract being fuzzed: bad input ends in a prism::Error (caught here); anything else
// escaping (another exception type, a sanitizer report, an abort) is a finding. Each
// fuzz/fuzz_<target>.cpp wraps one function for libFuzzer; tests/fuzz/test_fuzz_replay.cpp
// links the same functions into the test suite and replays every file of fuzz/corpus/<target>/.
// How to run them: fuzz/README.md.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace prism::fuzz {

// The input written to a file, loaded with io::load_checkpoint (io::load_safetensors + the
// JSON metadata), then the "config" rebuilt as a ViT or GPT config (no model is built).
void safetensors(const std::uint8_t* data, std::size_t size);
// Byte 0: bit 0 gzips the images file, bit 1 the labels file; bytes 1-2 (big-endian): the
// length L of the images file that follows; the rest is the labels file. read_idx reads
// the whole input as one file, then load_idx the (images, labels) pair.
void idx(const std::uint8_t* data, std::size_t size);
// The input is an image file (PNG, JPEG, BMP, GIF, ...) decoded by data::load_image, to 1
// channel when its last byte is odd, else 3, at 8x8.
void image(const std::uint8_t* data, std::size_t size);
// The input is a text file: data::load_corpus, the char and byte tokenizers (encode/decode
// round trips, to_json/from_json), split_tokens, WindowSampler, eval_windows; and, when it
// parses as JSON, Tokenizer::from_json of it (a checkpoint's "tokenizer").
void text(const std::uint8_t* data, std::size_t size);
// Lines of the input as command-line values: line 0 --attention, 1 --spectral-clip (--rotate-clip for spectral-rotate),
// 2 --attention-layers, 3 --alpha/--lambda1/--lambda2 numbers, 4 --depths, 5 --data-fractions,
// 6 --attention kinds list, 7 --severities, 8 --corruptions, 9 --corruption NAME:SEVERITY,
// 10 --dataset (its directory confined to a scratch folder; fashion-mnist is skipped).
void options(const std::uint8_t* data, std::size_t size);
// NUL-separated argv for the `prism` program's CLI11 parser, with every command's action
// replaced by a no-op: only parsing and option validation run.
void cli(const std::uint8_t* data, std::size_t size);

// A scratch directory for this process (created on first use, removed at exit).
const std::string& scratch_dir();
// Writes bytes to scratch_dir()/name; returns the path.
std::string write_scratch(const std::string& name, const std::uint8_t* data, std::size_t size);

}  // namespace prism::fuzz
