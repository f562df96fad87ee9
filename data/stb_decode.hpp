// prism's one door to stb_image's decoders (internal, not installed). data/stb_decode.cpp
// compiles Debian's stb_image.h into prism itself, PNG, JPEG and BMP only, with a zeroing
// allocator; image_folder.cpp and corruptions_digital.cpp decode through these three functions.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace prism::data::detail {

// Reads an encoded image's size without decoding it. False when stb cannot read it
// (stb_failure_reason() says why).
bool stb_info(const std::uint8_t* bytes, std::size_t n, int* width, int* height, int* channels);

// Decodes to (height, width, want_channels) interleaved 8-bit pixels (stb converts channels);
// *channels gets the file's own count. nullopt on failure (stb_failure_reason() says why); an
// empty vector when stb decoded no pixels (width or height 0).
std::optional<std::vector<std::uint8_t>> stb_load(const std::uint8_t* bytes, std::size_t n, int want_channels, int* width,
                                   int* height, int* channels);

// stb's reason for the last failure on this thread, or nullptr.
const char* stb_failure_reason();

}  // namespace prism::data::detail
