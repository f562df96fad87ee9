#include "prism/data/image_folder.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "prism/core/parallel.hpp"
#include "prism/data/file_io.hpp"
#include "image_decode.hpp"

namespace fs = std::filesystem;

namespace prism::data {

static bool is_image_file(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

// Only the formats prism documents (PNG, JPEG, BMP) reach the decoders, recognised by their first
// bytes: Debian's stb_image 2.27 has memory errors in its other decoders (a 16-bit PNM, P5 with
// maxval 256, overflowed a heap buffer in stbi__convert_16_to_8; found by fuzz/).
static bool is_png_jpeg_bmp(const std::vector<std::uint8_t>& b) {
    return (b.size() >= 4 && b[0] == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') ||
           detail::is_jpeg(b.data(), b.size()) || (b.size() >= 2 && b[0] == 'B' && b[1] == 'M');
}

static bool is_png(const std::vector<std::uint8_t>& b) {
    static const std::uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    return b.size() >= 8 && std::equal(sig, sig + 8, b.begin());
}

// One walk over a PNG's chunks up to IEND, before stb sees the file:
//  - stb_image trusts a chunk's length before it checks the bytes exist: an 83-byte file
//    declaring a 1.4 GB IDAT chunk made it allocate 1.4 GB (found by fuzz/). Every chunk must
//    fit in the file, else false.
//  - A zero-length IDAT chunk is valid PNG (no data), but when it comes before any non-empty one,
//    Debian's stb_image 2.27 copies its 0 bytes into a buffer it has not allocated yet:
//    memcpy(NULL, ..., 0), undefined behaviour (UBSan, found by fuzz/: `regress_png_empty_idat`).
//    Such chunks are dropped (12 bytes each: length, type, CRC), which leaves the image unchanged.
// Not a PNG: true, untouched.
static bool png_chunks_fit_without_empty_idat(std::vector<std::uint8_t>& b) {
    if (!is_png(b)) return true;
    for (std::size_t pos = 8; pos + 8 <= b.size();) {
        const std::size_t len =
            (std::size_t(b[pos]) << 24) | (std::size_t(b[pos + 1]) << 16) | (std::size_t(b[pos + 2]) << 8) | b[pos + 3];
        if (len > b.size() - pos - 8) return false;  // data (+ CRC) runs past the end of the file
        const auto type = b.begin() + pos + 4;
        if (std::equal(type, type + 4, "IEND")) break;
        if (len == 0 && std::equal(type, type + 4, "IDAT")) {
            b.erase(b.begin() + pos, b.begin() + std::min(b.size(), pos + 12));
            continue;
        }
        pos += 12 + len;
    }
    return true;
}

// An uncompressed BMP holds its pixels as rows of ceil(width x bits / 32) 4-byte words from the
// offset in its header; stb reads rows past the end of the file as zeros. A 56-byte BMP declaring
// 1,372,160 x 35 pixels decoded to 144 MB of zeros and took 30 s under ASan (found by fuzz/): the
// pixel data must be in the file. (stb refuses RLE and reads every other compression value as
// plain rows: a 40-byte BMP with compression 0xff7f0000 and 37 x 8,388,807 1-bit pixels, the
// second finding, `regress_bmp_odd_compression`.)
static bool bmp_pixels_fit(const std::vector<std::uint8_t>& b) {
    if (b.size() < 2 || b[0] != 'B' || b[1] != 'M') return true;  // not a BMP
    if (b.size() < 26) return false;                                 // no room for the headers
    auto u16 = [&](std::size_t x) { return std::uint32_t(b[x]) | (std::uint32_t(b[x + 1]) << 8); };
    auto u32 = [&](std::size_t x) { return u16(x) | (u16(x + 2) << 16); };
    const std::uint64_t offset = u32(10), header = u32(14);
    std::int64_t width = 0, height = 0, bits = 0;
    if (header == 12) {  // BITMAPCOREHEADER: 16-bit sizes
        width = u16(18), height = u16(20), bits = u16(24);
    } else {             // BITMAPINFOHEADER and later: signed 32-bit sizes (height < 0: top-down rows)
        if (b.size() < 34) return false;
        width = std::int32_t(u32(18)), height = std::int32_t(u32(22)), bits = u16(28);
        // stb refuses only RLE (1, 2); any other compression value it decodes as plain rows
        if (u32(30) == 1 || u32(30) == 2) return true;
    }
    if (width <= 0 || height == 0 || bits <= 0) return true;  // stb refuses these itself
    const std::uint64_t row = (static_cast<std::uint64_t>(width) * bits + 31) / 32 * 4;  // < 2^53
    const std::uint64_t rows = static_cast<std::uint64_t>(height < 0 ? -height : height);
    return offset <= b.size() && row * rows <= b.size() - offset;  // row, rows < 2^48: no overflow
}

// Every 8x8 block of a JPEG's first component costs at least one bit of coded data (its DC
// Huffman code; progressive files too), so a W x H JPEG has at least ceil(W/8) ceil(H/8) / 8
// bytes. Checked from the header alone, before any decoding: a 689-byte JPEG declaring 252 x 65526
// pixels took 6.5 s under ASan in stb's decoder, which read the missing data as zeros (a fuzz/
// slow unit). (libjpeg, prism's JPEG decoder now, refuses a file whose data ends early too.)
static std::uint64_t jpeg_min_bytes(int w, int h) {
    return (static_cast<std::uint64_t>(w + 7) / 8) * (static_cast<std::uint64_t>(h + 7) / 8) / 8;
}
static bool jpeg_data_covers(const std::vector<std::uint8_t>& b, int w, int h) {
    return !detail::is_jpeg(b.data(), b.size()) || b.size() >= jpeg_min_bytes(w, h);
}

// Larger images are refused before decoding: stb allocates width x height x channels from the
// header alone, so a few bytes could otherwise ask for gigabytes. 8192 x 8192 is far beyond any
// image a small model trains on (they are resized to tens of pixels).
constexpr std::int64_t kMaxImagePixels = std::int64_t{8192} * 8192;

std::vector<std::uint8_t> load_image(const std::string& path, const ImageFolderOptions& opt) {
    std::vector<std::uint8_t> bytes = read_file(path, "load_image", kMaxImageBytes);
    if (!is_png_jpeg_bmp(bytes)) throw Error("load_image", path, ": cannot decode image (not a PNG, JPEG or BMP file)");
    if (!png_chunks_fit_without_empty_idat(bytes))
        throw Error("load_image", path, ": cannot decode image (corrupt PNG: a chunk runs past the end of the file)");
    if (!bmp_pixels_fit(bytes))
        throw Error("load_image", path, ": cannot decode image (corrupt BMP: its pixel rows run past the end of the file)");
    detail::DecodedImage img;
    if (const std::string why = detail::image_info(bytes.data(), bytes.size(), img); !why.empty())
        throw Error("load_image", path, ": cannot decode image (", why, ")");  // no size: the cap cannot be checked
    const int iw = img.width, ih = img.height;
    if (std::int64_t{iw} * ih > kMaxImagePixels)
        throw Error("load_image", path, ": image is ", iw, "x", ih, " pixels, more than the ", kMaxImagePixels,
                    " (8192x8192) prism decodes");
    if (!jpeg_data_covers(bytes, iw, ih))
        throw Error("load_image", path, ": cannot decode image (corrupt JPEG: ", iw, "x", ih, " pixels need at least ",
                    jpeg_min_bytes(iw, ih), " bytes of coded data, the file has ", bytes.size(), "; truncated?)");
    const int want = opt.channels == 1 ? 1 : 3;  // the decoder converts channels for us
    if (const std::string why = detail::decode_image(bytes.data(), bytes.size(), want, img); !why.empty())
        throw Error("load_image", path, ": cannot decode image (", why, ")");
    const int w = img.width, h = img.height;
    if (w <= 0 || h <= 0) throw Error("load_image", path, ": image has no pixels (", w, "x", h, ")");
    // decoded as (H, W, C) interleaved; convert_image wants (C, H, W).
    std::vector<std::uint8_t> chw(static_cast<std::size_t>(want) * h * w);
    for (int k = 0; k < h * w; ++k)
        for (int ch = 0; ch < want; ++ch) chw[static_cast<std::size_t>(ch) * h * w + k] = img.pixels[k * want + ch];
    std::vector<std::uint8_t> out(opt.channels * opt.height * opt.width);
    convert_image(chw.data(), want, h, w, out.data(), opt.channels, opt.height, opt.width);
    return out;
}

ImageDataset load_image_folder(const std::string& root, const ImageFolderOptions& opt) {
    if (!(opt.channels == 1 || opt.channels == 3) || opt.height <= 0 || opt.width <= 0)
        throw Error("load_image_folder", root, ": bad target shape (", opt.channels, ", ", opt.height, ", ", opt.width,
                    "); channels must be 1 or 3");
    std::error_code ec;
    if (!fs::is_directory(root, ec)) throw Error("load_image_folder", root, ": not a directory (missing dataset dir)");
    ImageDataset ds;
    ds.source = root;
    ds.channels = opt.channels, ds.height = opt.height, ds.width = opt.width;
    for (const auto& e : fs::directory_iterator(root))
        if (e.is_directory()) ds.classes.push_back(e.path().filename().string());
    std::sort(ds.classes.begin(), ds.classes.end());
    if (ds.classes.empty()) throw Error("load_image_folder", root, ": no class subfolders (empty dataset dir)");
    std::vector<std::string> files;
    for (std::size_t k = 0; k < ds.classes.size(); ++k) {
        const fs::path dir = fs::path(root) / ds.classes[k];
        std::vector<std::string> mine;
        for (const auto& e : fs::directory_iterator(dir))
            if (e.is_regular_file() && is_image_file(e.path())) mine.push_back(e.path().string());
        if (mine.empty())
            throw Error("load_image_folder", dir.string(), ": class folder '", ds.classes[k],
                        "' has no images (.png/.jpg/.jpeg/.bmp)");
        std::sort(mine.begin(), mine.end());
        for (auto& f : mine) files.push_back(std::move(f)), ds.labels.push_back(static_cast<std::int64_t>(k));
    }
    const std::int64_t n = static_cast<std::int64_t>(files.size()), m = ds.image_numel();
    ds.pixels.resize(n * m);
    // Decode in parallel; report the first failing file in order so the error is deterministic.
    std::vector<std::string> errors(n);
    parallel_for(0, n, 16, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t i = lo; i < hi; ++i) try {
                auto img = load_image(files[i], opt);
                std::copy(img.begin(), img.end(), ds.pixels.begin() + i * m);
            } catch (const std::exception& e) {
                errors[i] = e.what();
            }
    });
    for (std::int64_t i = 0; i < n; ++i)
        if (!errors[i].empty()) throw Error("load_image_folder", errors[i]);
    return ds;
}

}  // namespace prism::data
