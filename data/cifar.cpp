#include "prism/data/cifar.hpp"

#include <filesystem>
#include <fstream>

#include "prism/data/file_io.hpp"

namespace fs = std::filesystem;

namespace prism::data {

const std::vector<std::string>& cifar10_classes() {
    static const std::vector<std::string> names = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                   "dog",      "frog",       "horse", "ship", "truck"};
    return names;
}

void read_cifar10_batch(const std::string& path, ImageDataset& ds) {
    constexpr std::size_t kImage = 3 * 32 * 32, kRecord = 1 + kImage;
    const std::vector<std::uint8_t> b = read_file(path, "load_cifar10");
    if (b.empty() || b.size() % kRecord != 0)
        throw Error("load_cifar10", path, ": ", b.size(), " bytes is not a whole number of ", kRecord,
                    "-byte records (truncated or not a CIFAR-10 binary batch)");
    ds.channels = 3, ds.height = 32, ds.width = 32;
    for (std::size_t r = 0; r < b.size() / kRecord; ++r) {
        const std::uint8_t* p = b.data() + r * kRecord;
        if (p[0] > 9) throw Error("load_cifar10", path, ": record ", r, " has label ", int(p[0]), " (expected 0..9)");
        ds.labels.push_back(p[0]);
        ds.pixels.insert(ds.pixels.end(), p + 1, p + kRecord);
    }
}

ImageDataset load_cifar10(const std::string& dir, bool train) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw Error("load_cifar10", dir, ": not a directory (missing dataset dir)");
    ImageDataset ds;
    ds.source = dir;
    if (train) {
        read_cifar10_batch((fs::path(dir) / "data_batch_1.bin").string(), ds);
        for (int k = 2; k <= 5; ++k) {
            const fs::path p = fs::path(dir) / ("data_batch_" + std::to_string(k) + ".bin");
            if (fs::exists(p, ec)) read_cifar10_batch(p.string(), ds);
        }
    } else {
        read_cifar10_batch((fs::path(dir) / "test_batch.bin").string(), ds);
    }
    ds.classes = cifar10_classes();
    const fs::path meta = fs::path(dir) / "batches.meta.txt";
    if (fs::exists(meta, ec)) {
        check_regular_file(meta.string(), "load_cifar10", std::uint64_t(1) << 20);  // no FIFO, no /dev/zero
        std::ifstream f(meta);
        std::vector<std::string> names;
        for (std::string line; std::getline(f, line);) {
            while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
            if (!line.empty()) names.push_back(line);
        }
        if (names.size() != 10)
            throw Error("load_cifar10", meta.string(), ": ", names.size(), " class names, expected 10");
        ds.classes = names;
    }
    return ds;
}

}  // namespace prism::data
