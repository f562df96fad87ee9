// IDX files (the MNIST family's format): a 4-byte magic 00 00 <type> <ndim>, ndim big-endian
// uint32 sizes, then the elements row-major. Files may be gzipped (detected by magic).
//
//     auto train = prism::data::load_fashion_mnist(true);   // 60000 x (1, 28, 28), 10 classes
//     auto test  = prism::data::load_idx_dir("/data/mnist", false);  // t10k-* files
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "prism/data/dataset.hpp"

namespace prism::data {

// An IDX array of unsigned bytes (type 0x08, the only type image sets use).
struct IdxArray {
    std::vector<std::int64_t> dims;
    std::vector<std::uint8_t> data;  // row-major, prod(dims) bytes
};

IdxArray read_idx(const std::string& path);
void write_idx(const std::string& path, const IdxArray& a, bool gzip);

// Images (N, H, W) or (N, H, W, C) + labels (N) -> dataset. Empty `classes` names them "0".."K-1".
ImageDataset load_idx(const std::string& images_path, const std::string& labels_path,
                      std::vector<std::string> classes = {});

// The train (or t10k/test) images + labels IDX pair in `dir`, with or without .gz, named like
// train-images-idx3-ubyte / train-images.idx3-ubyte / t10k-labels-idx1-ubyte.gz.
ImageDataset load_idx_dir(const std::string& dir, bool train, std::vector<std::string> classes = {});

// Debian's dataset-fashion-mnist package location.
inline const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
const std::vector<std::string>& fashion_mnist_classes();  // "T-shirt/top", "Trouser", ...
ImageDataset load_fashion_mnist(bool train, const std::string& dir = kFashionMnistDir);

}  // namespace prism::data
