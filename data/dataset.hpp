// ImageDataset: a whole image classification set held in memory as uint8 pixels.
//
// prism tensors have no uint8 dtype, and a float32 copy of a dataset is 4x larger, so the
// pixels stay here as bytes, (N, C, H, W) row-major, and batches are made on demand as
// float32 tensors (B, C, H, W) scaled to [0, 1] and normalised (data/loader.hpp).
//
//     auto ds = prism::data::load_fashion_mnist(true);   // 60000 x (1, 28, 28)
//     auto norm = prism::data::compute_mean_std(ds);      // per channel, in [0, 1] units
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "prism/core/tensor.hpp"

namespace prism::data {

struct ImageDataset {
    std::int64_t channels = 0, height = 0, width = 0;  // C, H, W of every image
    std::vector<std::uint8_t> pixels;   // (N, C, H, W)
    std::vector<std::int64_t> labels;   // (N), in [0, classes.size())
    std::vector<std::string> classes;   // class names, index = label
    std::string source;                 // where it came from (for error messages)

    std::int64_t size() const { return static_cast<std::int64_t>(labels.size()); }
    std::int64_t image_numel() const { return channels * height * width; }  // C*H*W
    std::int64_t num_classes() const { return static_cast<std::int64_t>(classes.size()); }
    const std::uint8_t* image(std::int64_t i) const { return pixels.data() + i * image_numel(); }

    // Throws prism::Error if pixels/labels/classes disagree.
    void check() const;
    // The images at `indices`, in that order (same classes).
    ImageDataset subset(const std::vector<std::int64_t>& indices) const;
    // Images i .. i+n as a float32 tensor (n, C, H, W) in [0, 1] (no normalisation).
    Tensor to_tensor(std::int64_t start, std::int64_t n) const;
    // How many images each class has.
    std::vector<std::int64_t> class_counts() const;
};

// Throws prism::Error(op, where, ": label L of image i is outside [0, K) ...") for the first
// label outside [0, num_classes).
void check_labels(const std::vector<std::int64_t>& labels, std::int64_t num_classes, const std::string& where,
                  const char* op);

// Per-channel mean and standard deviation of the pixels in [0, 1] units.
struct Normalization {
    std::vector<float> mean, std;  // (C) each; empty = no normalisation
};
Normalization compute_mean_std(const ImageDataset& ds);

// Convert every image to `channels` (1 <-> 3 by luma / replication) and resize it to
// (height, width) with bilinear interpolation. A no-op copy when nothing changes.
ImageDataset convert(const ImageDataset& ds, std::int64_t channels, std::int64_t height, std::int64_t width);

// One image (C, H, W) -> (out_c, out_h, out_w), uint8 in and out.
void convert_image(const std::uint8_t* src, std::int64_t c, std::int64_t h, std::int64_t w, std::uint8_t* dst,
                   std::int64_t out_c, std::int64_t out_h, std::int64_t out_w);

}  // namespace prism::data
