// Test-time corruptions of CIFAR-10-C (Hendrycks & Dietterich, "Benchmarking Neural Network
// Robustness to Common Corruptions and Perturbations", ICLR 2019) at severities 1..5, with the
// per-severity constants of the published CIFAR-10-C generator,
// github.com/hendrycks/robustness ImageNet-C/create_c/make_cifar_c.py (see corruption_constants();
// tests/data/test_corruptions.cpp lists that file's numbers). They are the 32x32 constants and
// are used unchanged for 28x28 images too; elastic_transform's are fractions of the image side.
//
// Implemented, by the paper's families:
//   noise    gaussian_noise, shot_noise, impulse_noise
//   blur     defocus_blur, motion_blur, and gaussian_blur (one of CIFAR-10-C's extra four)
//   digital  contrast, elastic_transform, pixelate, jpeg_compression
//   weather  brightness only
// Not implemented: the weather corruptions snow, frost (needs the authors' frost photos) and
// fog, glass_blur and zoom_blur, and the extras speckle_noise, spatter and saturate. Where this
// code differs from the published one (float math, stb's JPEG, ...): docs/corruptions.md.
//
// They act on float images in [0, 1] (C, H, W), C = 1 or 3, *before* normalisation, and keep
// values in [0, 1]. They are deterministic: the randomness of image `index` (noise, motion
// angle, elastic field) is a pure function of (seed, corruption, index), the same at every
// severity, so severity k applies the same noise pattern as severity k - 1, only stronger.
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

// gaussian_noise, shot_noise, impulse_noise, gaussian_blur, contrast, brightness, pixelate,
// defocus_blur, motion_blur, jpeg_compression, elastic_transform
const std::vector<std::string>& corruption_names();

// The names, comma-separated, and what is left out: for CLI help and error messages.
std::string corruption_help();

// The constants of `name` at `severity` exactly as make_cifar_c.py lists them (c = [...][severity - 1]):
//   gaussian_noise {std}, shot_noise {photons per unit}, impulse_noise {fraction of values},
//   gaussian_blur {sigma}, defocus_blur {radius, alias_blur}, motion_blur {radius, sigma},
//   contrast {factor}, brightness {HSV value shift}, pixelate {size factor},
//   jpeg_compression {quality}, elastic_transform {alpha, sigma, affine} as fractions of the side.
// Throws prism::Error for an unknown name or a severity outside 1..5.
const std::vector<double>& corruption_constants(const std::string& name, int severity);

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
