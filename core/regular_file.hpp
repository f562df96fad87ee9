// Opening user-named files safely: only regular files, and only up to a size cap.
//
// A path from the command line may name anything. A FIFO blocks open() until some writer
// appears (forever, usually); /dev/zero or /dev/urandom read without end; a directory opens
// and then fails with an obscure error; a 100 GiB file is read into memory. Every reader of a
// user-named file (data/ datasets and texts, io/ checkpoints) therefore stat()s the path
// first and opens it only when it is a regular file no larger than the reader's cap:
//
//     const auto bytes = prism::read_regular_file(path, "load_image", 1 * prism::kGiB);
//     // -> "load_image: /tmp/pipe: is not a regular file (FIFO)"
//     // -> "load_image: /data/x.png: is a directory"
//     // -> "load_image: /data/huge.png: is 3221225472 bytes, larger than the 1 GiB cap"
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace prism {

inline constexpr std::uint64_t kGiB = std::uint64_t(1) << 30;
inline constexpr std::uint64_t kNoSizeCap = ~std::uint64_t(0);

// "FIFO", "directory", "character device", ... for a stat() st_mode.
const char* file_type_name(unsigned mode);
// "16 GiB" when `bytes` is a whole number of GiB, else "123 bytes".
std::string size_cap_str(std::uint64_t bytes);

// stat()s `path` (following symlinks) and returns its size; throws prism::Error(op, path, ...)
// when it is missing ("cannot open: no such file or directory"), a directory ("is a
// directory"), anything else that is not a regular file ("is not a regular file (FIFO)"),
// or larger than `cap` bytes ("is N bytes, larger than the 16 GiB cap").
std::uint64_t check_regular_file(const std::string& path, const char* op, std::uint64_t cap = kNoSizeCap);

// check_regular_file, then open read-only; the descriptor is fstat()ed again (the path may
// have been replaced in between; O_NONBLOCK keeps even that open from blocking on a FIFO).
// Returns an open file descriptor the caller closes; `size` receives the file's size.
int open_regular_file(const std::string& path, const char* op, std::uint64_t cap, std::uint64_t* size);

// The whole contents of a regular file of at most `cap` bytes.
std::vector<std::uint8_t> read_regular_file(const std::string& path, const char* op, std::uint64_t cap = kNoSizeCap);

}  // namespace prism
