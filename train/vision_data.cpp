#include "prism/train/vision_data.hpp"

#include "prism/core/error.hpp"
#include "prism/data/cifar.hpp"
#include "prism/data/idx.hpp"
#include "prism/data/image_folder.hpp"
#include "prism/data/split.hpp"

namespace prism::train {

// The model is built from the training set; a test set it cannot take (another image shape,
// labels beyond its classes, no images) is refused now rather than after the training.
static void check_test_matches_train(const VisionData& d) {
    const auto &tr = *d.train, &te = *d.test;
    if (te.size() == 0)
        throw Error("dataset", d.spec, ": the test set is empty (", tr.size(), " training images)",
                    d.spec.rfind("folder:", 0) == 0 ? "; folder: holds out 20% of each class, give a class 3+ images" : "");
    if (te.channels != tr.channels || te.height != tr.height || te.width != tr.width)
        throw Error("dataset", d.spec, ": test images ", te.source, " are (", te.channels, ", ", te.height, ", ",
                    te.width, "), training images ", tr.source, " are (", tr.channels, ", ", tr.height, ", ", tr.width,
                    ")");
    data::check_labels(te.labels, tr.num_classes(), d.spec + ": test set " + te.source + " (the training set has " +
                                                        std::to_string(tr.num_classes()) + " classes)", "dataset");
}

VisionData load_vision_data(const std::string& spec, std::uint64_t seed) {
    VisionData d;
    d.spec = spec;
    const auto colon = spec.find(':');
    const std::string kind = spec.substr(0, colon);
    const std::string dir = colon == std::string::npos ? "" : spec.substr(colon + 1);
    auto need_dir = [&] {
        if (dir.empty()) throw Error("dataset", "'", spec, "' needs a directory: ", kind, ":DIR");
    };
    if (kind == "fashion-mnist") {  // fashion-mnist:DIR reads DIR instead of Debian's copy
        const std::string from = dir.empty() ? data::kFashionMnistDir : dir;
        d.train = std::make_shared<data::ImageDataset>(data::load_fashion_mnist(true, from));
        d.test = std::make_shared<data::ImageDataset>(data::load_fashion_mnist(false, from));
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
    check_test_matches_train(d);
    return d;
}

}  // namespace prism::train
