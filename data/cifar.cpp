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

namespace {
// If `path` exists: one name per non-empty line, exactly names.size() of them, replacing `names`.
void read_class_names(const std::string& path, const char* op, std::vector<std::string>& names) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return;
    check_regular_file(path, op, std::uint64_t(1) << 20);  // no FIFO, no /dev/zero
    std::ifstream f(path);
    std::vector<std::string> read;
    for (std::string line; std::getline(f, line);) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (!line.empty()) read.push_back(line);
    }
    if (read.size() != names.size())
        throw Error(op, path, ": ", read.size(), " class names, expected ", names.size());
    names = read;
}
}  // namespace

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
    read_class_names((fs::path(dir) / "batches.meta.txt").string(), "load_cifar10", ds.classes);
    return ds;
}

const std::vector<std::string>& cifar100_fine_classes() {
    static const std::vector<std::string> names = {
        "apple",      "aquarium_fish", "baby",         "bear",      "beaver",       "bed",         "bee",
        "beetle",     "bicycle",       "bottle",       "bowl",      "boy",          "bridge",      "bus",
        "butterfly",  "camel",         "can",          "castle",    "caterpillar",  "cattle",      "chair",
        "chimpanzee", "clock",         "cloud",        "cockroach", "couch",        "crab",        "crocodile",
        "cup",        "dinosaur",      "dolphin",      "elephant",  "flatfish",     "forest",      "fox",
        "girl",       "hamster",       "house",        "kangaroo",  "keyboard",     "lamp",        "lawn_mower",
        "leopard",    "lion",          "lizard",       "lobster",   "man",          "maple_tree",  "motorcycle",
        "mountain",   "mouse",         "mushroom",     "oak_tree",  "orange",       "orchid",      "otter",
        "palm_tree",  "pear",          "pickup_truck", "pine_tree", "plain",        "plate",       "poppy",
        "porcupine",  "possum",        "rabbit",       "raccoon",   "ray",          "road",        "rocket",
        "rose",       "sea",           "seal",         "shark",     "shrew",        "skunk",       "skyscraper",
        "snail",      "snake",         "spider",       "squirrel",  "streetcar",    "sunflower",   "sweet_pepper",
        "table",      "tank",          "telephone",    "television", "tiger",       "tractor",     "train",
        "trout",      "tulip",         "turtle",       "wardrobe",  "whale",        "willow_tree", "wolf",
        "woman",      "worm"};
    return names;
}

const std::vector<std::string>& cifar100_coarse_classes() {
    static const std::vector<std::string> names = {"aquatic_mammals",
                                                   "fish",
                                                   "flowers",
                                                   "food_containers",
                                                   "fruit_and_vegetables",
                                                   "household_electrical_devices",
                                                   "household_furniture",
                                                   "insects",
                                                   "large_carnivores",
                                                   "large_man-made_outdoor_things",
                                                   "large_natural_outdoor_scenes",
                                                   "large_omnivores_and_herbivores",
                                                   "medium_mammals",
                                                   "non-insect_invertebrates",
                                                   "people",
                                                   "reptiles",
                                                   "small_mammals",
                                                   "trees",
                                                   "vehicles_1",
                                                   "vehicles_2"};
    return names;
}

void read_cifar100_file(const std::string& path, Cifar100Labels labels, ImageDataset& ds) {
    constexpr std::size_t kImage = 3 * 32 * 32, kRecord = 2 + kImage;
    const std::vector<std::uint8_t> b = read_file(path, "load_cifar100");
    if (b.empty() || b.size() % kRecord != 0)
        throw Error("load_cifar100", path, ": ", b.size(), " bytes is not a whole number of ", kRecord,
                    "-byte records (truncated or not a CIFAR-100 binary file)");
    ds.channels = 3, ds.height = 32, ds.width = 32;
    const bool coarse = labels == Cifar100Labels::kCoarse;
    for (std::size_t r = 0; r < b.size() / kRecord; ++r) {
        const std::uint8_t* p = b.data() + r * kRecord;
        if (p[0] > 19 || p[1] > 99)
            throw Error("load_cifar100", path, ": record ", r, " has coarse label ", int(p[0]), " and fine label ",
                        int(p[1]), " (expected 0..19 and 0..99)");
        ds.labels.push_back(coarse ? p[0] : p[1]);
        ds.pixels.insert(ds.pixels.end(), p + 2, p + kRecord);
    }
}

ImageDataset load_cifar100(const std::string& dir, bool train, Cifar100Labels labels) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw Error("load_cifar100", dir, ": not a directory (missing dataset dir)");
    ImageDataset ds;
    ds.source = dir;
    read_cifar100_file((fs::path(dir) / (train ? "train.bin" : "test.bin")).string(), labels, ds);
    const bool coarse = labels == Cifar100Labels::kCoarse;
    ds.classes = coarse ? cifar100_coarse_classes() : cifar100_fine_classes();
    read_class_names((fs::path(dir) / (coarse ? "coarse_label_names.txt" : "fine_label_names.txt")).string(),
                     "load_cifar100", ds.classes);
    return ds;
}

Cifar100Spec parse_cifar100_spec(const std::string& rest) {
    Cifar100Spec s{rest, Cifar100Labels::kFine};
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos) return s;
    const std::string suffix = rest.substr(colon + 1);
    if (suffix == "fine" || suffix == "coarse") {
        s.dir = rest.substr(0, colon);
        s.labels = suffix == "coarse" ? Cifar100Labels::kCoarse : Cifar100Labels::kFine;
    }
    return s;
}

}  // namespace prism::data
