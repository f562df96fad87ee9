// A tiny synthetic image classification set for training tests: n images of (1, 8, 8), four
// classes (label i % 4), each a class-dependent bright row plus uniform noise.
#pragma once
#include <memory>

#include "prism/core/rng.hpp"
#include "prism/data/dataset.hpp"
#include "prism/train/vision_data.hpp"

namespace prism::test {

inline std::shared_ptr<const data::ImageDataset> synthetic_images(std::int64_t n = 64, std::uint64_t seed = 42) {
    auto ds = std::make_shared<data::ImageDataset>();
    ds->channels = 1; ds->height = 8; ds->width = 8;
    ds->classes = {"a", "b", "c", "d"};
    Generator g(seed);
    for (std::int64_t i = 0; i < n; ++i) {
        const std::int64_t y = i % 4;
        ds->labels.push_back(y);
        for (std::int64_t p = 0; p < 64; ++p)  // a class-dependent bright row plus noise
            ds->pixels.push_back(static_cast<std::uint8_t>((p / 8 == 2 * y ? 160 : 0) + g.randint(90)));
    }
    ds->source = "synthetic";
    ds->check();
    return ds;
}

// Both splits of the synthetic set, as train::load_vision_data would hand them over (no augmentation).
inline train::VisionData synthetic_vision_data(std::int64_t n_train = 80, std::int64_t n_test = 40) {
    return {"synthetic", synthetic_images(n_train, 1), synthetic_images(n_test, 2), {}};
}

}  // namespace prism::test
