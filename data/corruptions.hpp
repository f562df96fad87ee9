// Test-time corruptions in the spirit of CIFAR-10-C (Hendrycks & Dietterich, 2019), at
// severities 1..5, using that paper's per-severity constants for 32x32 images. They act on
// float images in [0, 1] (C, H, W) *before* normalisation, and are deterministic: the noise
// of image `index` is a pure function of (seed, corruption, severity, index).
//
//     auto c = prism::data::parse_corruption("gaussian_noise:3");
//     prism::data::apply_corruption(img, C, H, W, c, /*seed=*/0, /*index=*/i);
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "prism/core/tensor.hpp"
#include "prism/data/dataset.hpp"

namespace prism::data {

struct Corruption {
    std::string name;   // one of corruption_names(); empty = none
    int severity = 0;   // 1..5
    bool none() const { return name.empty(); }
    std::string str() const { return none() ? "none" : name + ":" + std::to_string(severity); }
};

// gaussian_noise, shot_noise, impulse_noise, gaussian_blur, contrast, brightness, pixelate
const std::vector<std::string>& corruption_names();

// "name:severity" (e.g. "contrast:5"); "none" or "" gives no corruption. Bad specs throw
// prism::Error listing the valid names / severities.
Corruption parse_corruption(const std::string& spec);

// In place on one image (C, H, W) with values in [0, 1]; results stay in [0, 1].
void apply_corruption(float* img, std::int64_t C, std::int64_t H, std::int64_t W, const Corruption& c,
                      std::uint64_t seed, std::uint64_t index);

// images: (B, C, H, W) float32 in [0, 1] -> a corrupted copy; image b uses index first_index + b.
Tensor apply_corruption(const Tensor& images, const Corruption& c, std::uint64_t seed, std::uint64_t first_index = 0);

// A corrupted copy of a whole uint8 dataset (image i uses index i), rounded back to uint8.
ImageDataset corrupt(const ImageDataset& ds, const Corruption& c, std::uint64_t seed);

}  // namespace prism::data
