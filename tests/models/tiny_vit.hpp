// The tiny ViT several tests build (tests/cli/test_spectrum.cpp, tests/diag/test_smoothing.cpp,
// tests/diag/test_spectrum.cpp): 8x8 single-channel images in 4x4 patches, 3 classes, dim 8,
// 2 heads, mlp 16, standard attention unless the caller sets another kind.
#pragma once
#include <cstdint>

#include "prism/models/vit.hpp"

namespace prism::test {

inline models::ViTConfig tiny_vit_config(std::int64_t depth = 2) {
    models::ViTConfig c;
    c.image_size = 8; c.patch_size = 4; c.in_channels = 1; c.num_classes = 3;
    c.dim = 8; c.depth = depth; c.heads = 2; c.mlp_dim = 16;
    return c;
}

}  // namespace prism::test
