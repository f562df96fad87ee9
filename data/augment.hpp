// Training augmentation on uint8 images: random crop with zero padding, then random
// horizontal flip (torchvision's RandomCrop(padding) + RandomHorizontalFlip order).
//
// Every random choice is a pure function of (seed, epoch, dataset index), never of a
// running generator, so a batch comes out bit-identical whatever the thread count, with or
// without prefetch, and after resuming from a checkpoint.
#pragma once
#include <cstdint>
#include <vector>

#include "prism/core/rng.hpp"

namespace prism::data {

struct Augment {
    int pad = 0;         // random crop offsets in [-pad, pad] (CIFAR uses 4, 28x28 sets 2); 0 = off
    bool hflip = false;  // off for digits/text, where a mirror changes the class
    bool enabled() const { return pad > 0 || hflip; }
};

struct AugmentDraw {
    int dy = 0, dx = 0;  // crop origin in the padded image, each in [0, 2*pad]
    bool flip = false;
};

// A stateless 64-bit mix (splitmix64 finaliser); used to derive independent streams.
std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b);

// The augmentation for dataset image `index` in `epoch`.
AugmentDraw draw_augment(const Augment& a, std::uint64_t seed, std::uint64_t epoch, std::uint64_t index);

// src, dst: (C, H, W). Pixels shifted in from outside the image are 0.
void augment_image(const std::uint8_t* src, std::uint8_t* dst, std::int64_t C, std::int64_t H, std::int64_t W,
                   int pad, const AugmentDraw& d);

// A permutation of [0, n): Fisher-Yates driven by Generator(mix_seed(seed, stream)).
std::vector<std::int64_t> permutation(std::int64_t n, std::uint64_t seed, std::uint64_t stream);

}  // namespace prism::data
