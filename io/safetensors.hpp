// safetensors: the checkpoint format of Hugging Face, readable by PyTorch and numpy.
//
// Layout of a file:
//   8 bytes   N, the header length, unsigned little-endian
//   N bytes   JSON header: {"<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...,
//                           "__metadata__": {"<key>": "<string value>", ...}}
//   the rest  the data area: each tensor's bytes, row-major, little-endian, at
//             [data_offsets[0], data_offsets[1]) counted from the start of the data area.
//
// Writing: F32/F64/I32/I64 (the four prism dtypes), tensors in the order given, the header
// padded with spaces to a multiple of 8 so every tensor starts 8-byte aligned. Non-contiguous
// tensors are written contiguous. The write is atomic: a temp file in the same directory is
// written, fsync'ed and renamed over the target; on failure the old file is untouched.
//
// Reading: F32/F64/I32/I64 as they are; F16 and BF16 are widened to float32, and I8, U8 and
// BOOL to int32 (prism has no narrower types). Other dtypes (I16, U16, U32, U64, F8_*) are
// rejected as unsupported. Everything in the file is validated before it is trusted: header
// length, JSON, dtypes, shapes, offsets (inside the data area, matching shape * itemsize, no
// overlap, no hole, no trailing bytes), duplicate names, metadata values being strings. Any
// problem throws prism::Error naming the file and the problem. Tensors come back in the order
// their data is stored (for files written here: the order they were saved in).
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "prism/core/tensor.hpp"

namespace prism::io {

void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

struct SafetensorsFile {
    std::string path;  // where it was loaded from, for error messages
    std::vector<std::pair<std::string, Tensor>> tensors;
    std::map<std::string, std::string> metadata;

    Tensor get(const std::string& name) const;  // throws naming the file and the key
    bool contains(const std::string& name) const;
};

SafetensorsFile load_safetensors(const std::string& path);

}  // namespace prism::io
