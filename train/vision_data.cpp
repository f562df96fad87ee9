#include "prism/train/vision_data.hpp"

#include "prism/core/error.hpp"
#include "prism/data/cifar.hpp"
#include "prism/data/idx.hpp"
#include "prism/data/image_folder.hpp"
#include "prism/data/split.hpp"

namespace prism::train {

VisionData load_vision_data(const std::string& spec, std::uint64_t seed) {
    VisionData d;
    d.spec = spec;
    const auto colon = spec.find(':');
    const std::string kind = spec.substr(0, colon);
    const std::string dir = colon == std::string::npos ? "" : spec.substr(colon + 1);
    auto need_dir = [&] {
        if (dir.empty()) throw Error("dataset", "'", spec, "' needs a directory: ", kind, ":DIR");
    };
    if (kind == "fashion-mnist") {
        d.train = std::make_shared<data::ImageDataset>(data::load_fashion_mnist(true));
        d.test = std::make_shared<data::ImageDataset>(data::load_fashion_mnist(false));
        d.augment = {2, false};
    } else if (kind == "mnist") {
        need_dir();
        d.train = std::make_shared<data::ImageDataset>(data::load_idx_dir(dir, true));
        d.test = std::make_shared<data::ImageDataset>(data::load_idx_dir(dir, false));
        d.augment = {2, false};
    } else if (kind == "cifar10") {
        need_dir();
        d.train = std::make_shared<data::ImageDataset>(data::load_cifar10(dir, true));
        d.test = std::make_shared<data::ImageDataset>(data::load_cifar10(dir, false));
        d.augment = {4, true};
    } else if (kind == "cifar100") {  // cifar100:DIR (100 fine classes) or cifar100:DIR:coarse (20)
        need_dir();
        const data::Cifar100Spec c = data::parse_cifar100_spec(dir);
        d.train = std::make_shared<data::ImageDataset>(data::load_cifar100(c.dir, true, c.labels));
        d.test = std::make_shared<data::ImageDataset>(data::load_cifar100(c.dir, false, c.labels));
        d.augment = {4, true};
    } else if (kind == "folder") {
        need_dir();
        auto all = data::load_image_folder(dir);
        // hold out 20% (stratified by the split helper's shuffle) as the test set
        auto split = data::train_val_split(all, 0.2, seed);
        d.train = std::make_shared<data::ImageDataset>(all.subset(split.train));
        d.test = std::make_shared<data::ImageDataset>(all.subset(split.val));
        d.augment = {0, true};
    } else {
        throw Error("dataset", "unknown dataset '", spec, "' (expected fashion-mnist, mnist:DIR, cifar10:DIR, cifar100:DIR[:coarse] or folder:DIR)");
    }
    return d;
}

}  // namespace prism::train
