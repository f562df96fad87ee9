#include "prism/data/image_folder.hpp"

#include <stb/stb_image.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "prism/core/parallel.hpp"
#include "prism/data/file_io.hpp"

namespace fs = std::filesystem;

namespace prism::data {

static bool is_image_file(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

std::vector<std::uint8_t> load_image(const std::string& path, const ImageFolderOptions& opt) {
    const std::vector<std::uint8_t> bytes = read_file(path, "load_image");
    int w = 0, h = 0, c = 0;
    const int want = opt.channels == 1 ? 1 : 3;  // stb converts channels for us
    std::uint8_t* px = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &c, want);
    if (!px) {
        const char* why = stbi_failure_reason();
        throw Error("load_image", path, ": cannot decode image (", why ? why : "unknown reason", ")");
    }
    if (w <= 0 || h <= 0) {  // stb accepts a PNM whose size field is not a number as 0 rows
        stbi_image_free(px);
        throw Error("load_image", path, ": image has no pixels (", w, "x", h, ")");
    }
    // stb gives (H, W, C) interleaved; convert_image wants (C, H, W).
    std::vector<std::uint8_t> chw(static_cast<std::size_t>(want) * h * w);
    for (int k = 0; k < h * w; ++k)
        for (int ch = 0; ch < want; ++ch) chw[static_cast<std::size_t>(ch) * h * w + k] = px[k * want + ch];
    stbi_image_free(px);
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
