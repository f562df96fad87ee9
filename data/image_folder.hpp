// An image folder in torchvision's ImageFolder layout: one subfolder per class (sorted names
// give the labels), PNG / JPEG / BMP files inside, decoded with stb_image, converted to
// `channels` and resized (bilinear) to (height, width).
//
//     root/cat/001.png, root/cat/002.jpg, root/dog/a.bmp  -> classes {"cat", "dog"}
#pragma once
#include <cstdint>
#include <string>

#include "prism/data/dataset.hpp"

namespace prism::data {

struct ImageFolderOptions {
    std::int64_t channels = 3;  // 1 (gray) or 3 (RGB)
    std::int64_t height = 32, width = 32;
};

ImageDataset load_image_folder(const std::string& root, const ImageFolderOptions& opt = {});

// The largest image file read (stb_image takes sizes as int).
inline constexpr std::uint64_t kMaxImageBytes = std::uint64_t(1) << 30;

// Decodes one image file (PNG/JPEG/BMP/...) to (channels, height, width) uint8. Only regular
// files: a FIFO, a directory or a file above kMaxImageBytes is an error naming the file.
std::vector<std::uint8_t> load_image(const std::string& path, const ImageFolderOptions& opt);

}  // namespace prism::data
