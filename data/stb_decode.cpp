// stb_image (Debian's libstb-dev header) compiled into prism rather than taken from libstb.so:
//  - only the decoders of the formats prism documents (PNG, JPEG, BMP): Debian's 2.27 has
//    memory errors in others (a 16-bit PNM overflowed a heap buffer; found by fuzz/);
//  - calloc as its allocator: 2.27 decodes a JPEG scan that names a Huffman table the file never
//    defined from uninitialised memory; under ASan's fill pattern that indexed a 257-entry table
//    at 991 (found by fuzz/, `regress_jpeg_undefined_huffman_table`; upstream 2.28 bounds-checks
//    the index). Zeroed, an undefined table is empty: its codes decode as 0 and read no bits.
// STB_IMAGE_STATIC keeps every stbi_* function private to this file.
#include "stb_decode.hpp"

#include <cstdlib>

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_MALLOC(size) std::calloc(1, size)
#define STBI_REALLOC(p, size) std::realloc(p, size)
#define STBI_FREE(p) std::free(p)
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"  // the stbi_* entry points this file does not call
#endif
#include <stb/stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace prism::data::detail {

bool stb_info(const std::uint8_t* bytes, std::size_t n, int* width, int* height, int* channels) {
    return stbi_info_from_memory(bytes, static_cast<int>(n), width, height, channels) != 0;
}

std::optional<std::vector<std::uint8_t>> stb_load(const std::uint8_t* bytes, std::size_t n, int want_channels,
                                                  int* width, int* height, int* channels) {
    std::uint8_t* px = stbi_load_from_memory(bytes, static_cast<int>(n), width, height, channels, want_channels);
    if (!px) return std::nullopt;
    std::vector<std::uint8_t> out;
    if (*width > 0 && *height > 0)
        out.assign(px, px + static_cast<std::size_t>(*width) * static_cast<std::size_t>(*height) * want_channels);
    stbi_image_free(px);
    return out;
}

const char* stb_failure_reason() { return stbi_failure_reason(); }

}  // namespace prism::data::detail
