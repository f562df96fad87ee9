// prism's image decoders (internal, not installed): JPEG through libjpeg-turbo, PNG and BMP
// through stb_image compiled into image_decode.cpp. image_folder.cpp and corruptions_digital.cpp
// decode through these functions; the format is recognised by the first bytes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace prism::data::detail {

struct DecodedImage {
    std::vector<std::uint8_t> pixels;  // (height, width, channels) interleaved, 8-bit
    int width = 0, height = 0;
    int file_channels = 0;  // the file's own channel count (pixels has what was asked for)
};

// A JPEG by its first bytes (SOI, then a marker): these go to libjpeg, the rest to stb.
bool is_jpeg(const std::uint8_t* bytes, std::size_t n);

// Reads an encoded image's size (and channel count) without decoding its pixels: into out's
// width, height, file_channels. Returns "" or why the file cannot be read.
std::string image_info(const std::uint8_t* bytes, std::size_t n, DecodedImage& out);

// Decodes to want_channels (1: gray, 3: RGB) interleaved 8-bit pixels. Returns "" or why the
// file cannot be decoded; a JPEG whose data ends early (truncated or cut by a marker) is refused.
std::string decode_image(const std::uint8_t* bytes, std::size_t n, int want_channels, DecodedImage& out);

}  // namespace prism::data::detail
