#include "prism/data/idx.hpp"

#include <algorithm>
#include <filesystem>

#include "prism/data/file_io.hpp"

namespace fs = std::filesystem;

namespace prism::data {

IdxArray read_idx(const std::string& path) {
    const std::vector<std::uint8_t> b = read_maybe_gzip(path, "read_idx");
    if (b.size() < 4 || b[0] != 0 || b[1] != 0)
        throw Error("read_idx", path, ": wrong IDX magic (expected 00 00 <type> <ndim>)");
    if (b[2] != 0x08)
        throw Error("read_idx", path, ": IDX element type 0x", std::hex, int(b[2]), std::dec,
                    " not supported (only unsigned byte 0x08)");
    const int ndim = b[3];
    if (ndim < 1 || ndim > 4) throw Error("read_idx", path, ": wrong IDX magic: ", ndim, " dims");
    if (b.size() < 4 + 4 * std::size_t(ndim)) throw Error("read_idx", path, ": truncated header");
    IdxArray a;
    std::size_t n = 1;
    for (int d = 0; d < ndim; ++d) {
        const std::uint8_t* p = b.data() + 4 + 4 * d;
        const std::uint32_t s = (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
        a.dims.push_back(s);
        if (__builtin_mul_overflow(n, std::size_t{s}, &n))  // a wrapped product could match a short file
            throw Error("read_idx", path, ": dims overflow (no file has that many bytes)");
    }
    const std::size_t head = 4 + 4 * std::size_t(ndim);
    if (b.size() - head != n)
        throw Error("read_idx", path, ": header promises ", n, " bytes of data, file has ", b.size() - head,
                    b.size() - head < n ? " (truncated)" : " (trailing bytes)");
    a.data.assign(b.begin() + head, b.end());
    return a;
}

void write_idx(const std::string& path, const IdxArray& a, bool gzip) {
    std::vector<std::uint8_t> b = {0, 0, 0x08, static_cast<std::uint8_t>(a.dims.size())};
    for (auto s : a.dims)
        for (int k = 3; k >= 0; --k) b.push_back(static_cast<std::uint8_t>((std::uint64_t(s) >> (8 * k)) & 0xff));
    b.insert(b.end(), a.data.begin(), a.data.end());
    write_file(path, b, gzip, "write_idx");
}

ImageDataset load_idx(const std::string& images_path, const std::string& labels_path,
                      std::vector<std::string> classes) {
    IdxArray im = read_idx(images_path), lb = read_idx(labels_path);
    if (im.dims.size() != 3 && im.dims.size() != 4)
        throw Error("load_idx", images_path, ": images must have 3 dims (N, H, W) or 4 (N, H, W, C), got ",
                    im.dims.size());
    if (lb.dims.size() != 1) throw Error("load_idx", labels_path, ": labels must have 1 dim, got ", lb.dims.size());
    if (im.dims[0] != lb.dims[0])
        throw Error("load_idx", images_path, " has ", im.dims[0], " images but ", labels_path, " has ", lb.dims[0],
                    " labels (count mismatch)");
    if (im.dims[0] == 0) throw Error("load_idx", images_path, ": no images");
    for (std::size_t d = 1; d < im.dims.size(); ++d)  // with N >= 1 and these >= 1, H*W*C <= the file size
        if (im.dims[d] == 0) throw Error("load_idx", images_path, ": image dim ", d, " is 0");
    ImageDataset ds;
    ds.source = images_path;
    ds.height = im.dims[1], ds.width = im.dims[2];
    ds.channels = im.dims.size() == 4 ? im.dims[3] : 1;
    const std::int64_t N = im.dims[0], C = ds.channels, HW = ds.height * ds.width;
    if (C == 1) {
        ds.pixels = std::move(im.data);
    } else {  // (N, H, W, C) -> (N, C, H, W)
        ds.pixels.resize(im.data.size());
        for (std::int64_t i = 0; i < N; ++i)
            for (std::int64_t k = 0; k < HW; ++k)
                for (std::int64_t c = 0; c < C; ++c)
                    ds.pixels[(i * C + c) * HW + k] = im.data[(i * HW + k) * C + c];
    }
    ds.labels.assign(lb.data.begin(), lb.data.end());
    const std::int64_t k = *std::max_element(ds.labels.begin(), ds.labels.end()) + 1;
    if (classes.empty())
        for (std::int64_t c = 0; c < k; ++c) classes.push_back(std::to_string(c));
    if (static_cast<std::int64_t>(classes.size()) < k)
        throw Error("load_idx", labels_path, ": label ", k - 1, " but only ", classes.size(), " class names");
    ds.classes = std::move(classes);
    return ds;
}

// The first file in `dir` whose name starts with one of `prefixes` and contains `kind`.
static std::string find_idx(const std::string& dir, const std::vector<std::string>& prefixes, const std::string& kind) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    for (const auto& p : prefixes)
        for (const auto& n : names)
            if (n.rfind(p, 0) == 0 && n.find(kind) != std::string::npos) return (fs::path(dir) / n).string();
    return {};
}

ImageDataset load_idx_dir(const std::string& dir, bool train, std::vector<std::string> classes) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw Error("load_idx_dir", dir, ": not a directory (missing dataset dir)");
    const std::vector<std::string> pre = train ? std::vector<std::string>{"train"}
                                               : std::vector<std::string>{"t10k", "test"};
    const std::string im = find_idx(dir, pre, "images"), lb = find_idx(dir, pre, "labels");
    if (im.empty() || lb.empty())
        throw Error("load_idx_dir", dir, ": no ", pre[0], "-images-idx3-ubyte / ", pre[0],
                    "-labels-idx1-ubyte files (.gz or plain) found (empty dataset dir?)");
    return load_idx(im, lb, std::move(classes));
}

const std::vector<std::string>& fashion_mnist_classes() {
    static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                   "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return names;
}

ImageDataset load_fashion_mnist(bool train, const std::string& dir) {
    return load_idx_dir(dir, train, fashion_mnist_classes());
}

}  // namespace prism::data
