// JPEG through libjpeg-turbo (Debian's libjpeg62-turbo-dev); PNG and BMP through stb_image
// (Debian's libstb-dev header, compiled here rather than taken from libstb.so).
//
// Why not stb for JPEG: fuzz/ found three bugs in Debian's stb_image 2.27 JPEG decoder (a DHT
// with > 256 codes written past a 257-entry array; a scan using a Huffman table the file never
// defined, read from the previous decode's freed memory; a 32-bit shift by 34 when a marker cuts
// a block short; all fixed upstream in 2.28, after Debian 12). libjpeg-turbo is the decoder
// PIL and torchvision use, fuzzed continuously by its maintainers.
//
// stb here: PNG and BMP decoders only (STBI_ONLY_*), a zeroing allocator (uninitialised reads
// become zeros, the same every time), every stbi_* function private to this file.
#include "image_decode.hpp"

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
// jpeglib.h needs FILE and size_t declared first
#include <jerror.h>
#include <jpeglib.h>

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
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
namespace {

// ---- JPEG (libjpeg-turbo) ---------------------------------------------------------------------

// libjpeg reports a fatal error through error_exit, which must not return: it jumps back to the
// setjmp in with_jpeg. Warnings that mean the data ended early (a truncated file, or a marker in
// the middle of the coded data) are fatal too: libjpeg would fill the rest of the image with gray.
struct JpegErrors {
    jpeg_error_mgr mgr;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void jpeg_fail(j_common_ptr cinfo) {
    auto* e = reinterpret_cast<JpegErrors*>(cinfo->err);
    (*cinfo->err->format_message)(cinfo, e->message);
    std::longjmp(e->jump, 1);
}

void jpeg_message(j_common_ptr cinfo, int level) {
    const int code = cinfo->err->msg_code;
    if (level < 0 && (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER)) jpeg_fail(cinfo);
    // other warnings (e.g. extraneous bytes before a marker) are common in real files: ignored
}

// A progressive JPEG can hold thousands of tiny scans, each a pass over every coefficient (a
// few KB that take minutes: CVE-2018-11813-style). Real encoders write about 10.
constexpr int kMaxJpegScans = 100;

void jpeg_progress(j_common_ptr cinfo) {
    auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
    if (d->is_decompressor && d->input_scan_number > kMaxJpegScans) {
        auto* e = reinterpret_cast<JpegErrors*>(cinfo->err);
        std::snprintf(e->message, sizeof e->message, "more than %d progressive scans", kMaxJpegScans);
        std::longjmp(e->jump, 1);
    }
}

// Reads the header (and with want_channels > 0, the pixels) of a JPEG. Objects with destructors
// live outside the setjmp scope (out is the caller's), as longjmp skips destructors.
std::string with_jpeg(const std::uint8_t* bytes, std::size_t n, int want_channels, DecodedImage& out) {
    jpeg_decompress_struct cinfo;
    JpegErrors errors;
    jpeg_progress_mgr progress;
    cinfo.err = jpeg_std_error(&errors.mgr);
    errors.mgr.error_exit = jpeg_fail;
    errors.mgr.emit_message = jpeg_message;
    errors.message[0] = '\0';
    if (setjmp(errors.jump)) {
        jpeg_destroy_decompress(&cinfo);
        out.pixels.clear();
        return errors.message[0] ? errors.message : "corrupt JPEG";
    }
    jpeg_create_decompress(&cinfo);
    progress.progress_monitor = jpeg_progress;
    cinfo.progress = &progress;
    jpeg_mem_src(&cinfo, bytes, static_cast<unsigned long>(n));
    jpeg_read_header(&cinfo, TRUE);
    out.width = static_cast<int>(cinfo.image_width);
    out.height = static_cast<int>(cinfo.image_height);
    out.file_channels = cinfo.num_components;
    if (want_channels > 0) {
        cinfo.out_color_space = want_channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
        jpeg_start_decompress(&cinfo);
        const std::size_t row = static_cast<std::size_t>(cinfo.output_width) * cinfo.output_components;
        out.pixels.resize(row * cinfo.output_height);
        while (cinfo.output_scanline < cinfo.output_height) {
            JSAMPROW dst = out.pixels.data() + row * cinfo.output_scanline;
            jpeg_read_scanlines(&cinfo, &dst, 1);
        }
        jpeg_finish_decompress(&cinfo);
    }
    jpeg_destroy_decompress(&cinfo);
    return "";
}

// ---- PNG, BMP (stb_image) ---------------------------------------------------------------------

// Never empty (an empty string means success here): stb leaves the reason "" on some failures.
std::string stb_reason() {
    const char* why = stbi_failure_reason();
    return why && *why ? why : "corrupt or unsupported file";
}

}  // namespace

bool is_jpeg(const std::uint8_t* b, std::size_t n) { return n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF; }

std::string image_info(const std::uint8_t* bytes, std::size_t n, DecodedImage& out) {
    if (is_jpeg(bytes, n)) return with_jpeg(bytes, n, 0, out);
    if (!stbi_info_from_memory(bytes, static_cast<int>(n), &out.width, &out.height, &out.file_channels))
        return stb_reason();
    return "";
}

std::string decode_image(const std::uint8_t* bytes, std::size_t n, int want_channels, DecodedImage& out) {
    if (want_channels != 1 && want_channels != 3) return "want 1 or 3 channels";
    if (is_jpeg(bytes, n)) return with_jpeg(bytes, n, want_channels, out);
    std::uint8_t* px =
        stbi_load_from_memory(bytes, static_cast<int>(n), &out.width, &out.height, &out.file_channels, want_channels);
    if (!px) return stb_reason();
    out.pixels.assign(px, px + static_cast<std::size_t>(out.width > 0 ? out.width : 0) *
                                   static_cast<std::size_t>(out.height > 0 ? out.height : 0) * want_channels);
    stbi_image_free(px);
    return "";
}

}  // namespace prism::data::detail
