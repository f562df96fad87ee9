// Whole-file reads for the dataset readers; gzip is detected by its magic bytes (1f 8b),
// so "train-images-idx3-ubyte" and "train-images-idx3-ubyte.gz" read the same way.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace prism::data {

// The bytes of `path`; throws prism::Error("<op>", path, ": ...") if missing or unreadable.
std::vector<std::uint8_t> read_file(const std::string& path, const char* op);
// As read_file, but gunzips when the file starts with the gzip magic; a truncated or
// corrupt stream is an error naming the file.
std::vector<std::uint8_t> read_maybe_gzip(const std::string& path, const char* op);
// Writes bytes, gzip-compressed when `gzip` (used by tests and tools).
void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes, bool gzip, const char* op);

}  // namespace prism::data
