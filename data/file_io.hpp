// Whole-file reads for the dataset readers; gzip is detected by its magic bytes (1f 8b),
// so "train-images-idx3-ubyte" and "train-images-idx3-ubyte.gz" read the same way.
//
// Only regular files are read (core/regular_file.hpp: a FIFO, /dev/zero or a directory is an
// error naming the file), and nothing is read or decompressed beyond a cap, so a gzip bomb
// stops with an error instead of filling the memory.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "prism/core/regular_file.hpp"

namespace prism::data {

// The largest dataset file (IDX, CIFAR batch) read, compressed or decompressed.
inline constexpr std::uint64_t kMaxDatasetBytes = 16 * kGiB;
// Deflate cannot expand data by more than ~1032:1 (zlib's technical notes); a gzip file of
// M bytes that promises more than this many times M is lying.
inline constexpr std::uint64_t kMaxGzipRatio = 1032;

// The bytes of `path`; throws prism::Error("<op>", path, ": ...") if missing, unreadable, not a
// regular file, or larger than `cap`.
std::vector<std::uint8_t> read_file(const std::string& path, const char* op, std::uint64_t cap = kMaxDatasetBytes);
bool is_gzip(const std::vector<std::uint8_t>& bytes);  // starts with 1f 8b
// As read_file, but gunzips when the file starts with the gzip magic; a truncated or corrupt
// stream, or one that decompresses to more than `cap` bytes, is an error naming the file.
std::vector<std::uint8_t> read_maybe_gzip(const std::string& path, const char* op, std::uint64_t cap = kMaxDatasetBytes);
// Writes bytes, gzip-compressed when `gzip` (used by tests and tools).
void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes, bool gzip, const char* op);

// Incremental gunzip of an in-memory gzip file, for readers that learn from the first bytes
// (a header) how many more to expect and must not decompress beyond that.
class Gunzip {
   public:
    Gunzip(const std::vector<std::uint8_t>& gz, std::string path, const char* op);
    ~Gunzip();
    Gunzip(const Gunzip&) = delete;
    Gunzip& operator=(const Gunzip&) = delete;
    // Decompresses up to n bytes into dst; returns how many (< n only at the end of the stream).
    std::size_t read(std::uint8_t* dst, std::size_t n);
    std::uint64_t produced() const { return produced_; }  // bytes decompressed so far

   private:
    struct State;
    std::unique_ptr<State> s_;
    std::string path_;
    const char* op_;
    std::uint64_t produced_ = 0;
    bool done_ = false;
};

}  // namespace prism::data
