// CIFAR-10 and CIFAR-100, binary versions (www.cs.toronto.edu/~kriz/cifar.html).
//   CIFAR-10: each record is 1 label byte + 3072 pixel bytes (3, 32, 32), in data_batch_1.bin ..
//   data_batch_5.bin (train) and test_batch.bin (test); class names one per line in batches.meta.txt.
//   CIFAR-100: each record is 1 coarse label byte (0..19), 1 fine label byte (0..99) + 3072 pixel
//   bytes, in train.bin (50000 records) and test.bin (10000); names one per line in
//   fine_label_names.txt and coarse_label_names.txt.
#pragma once
#include <string>
#include <vector>

#include "prism/data/dataset.hpp"

namespace prism::data {

const std::vector<std::string>& cifar10_classes();  // airplane, automobile, ...

// Reads the batches in `dir` (data_batch_1..5.bin for train, test_batch.bin for test); names
// come from batches.meta.txt when present, else cifar10_classes(). Missing train batches
// after the first are allowed (subsets), a missing first one is an error.
ImageDataset load_cifar10(const std::string& dir, bool train);

// One batch file -> images appended to `ds` (ds.channels etc. are set to (3, 32, 32)).
void read_cifar10_batch(const std::string& path, ImageDataset& ds);

enum class Cifar100Labels { kFine, kCoarse };  // 100 classes, or the 20 superclasses

const std::vector<std::string>& cifar100_fine_classes();    // apple, aquarium_fish, ...
const std::vector<std::string>& cifar100_coarse_classes();  // aquatic_mammals, fish, ...

// Reads train.bin or test.bin in `dir` with the fine or coarse labels; names come from
// fine_label_names.txt / coarse_label_names.txt when present, else the lists above.
ImageDataset load_cifar100(const std::string& dir, bool train, Cifar100Labels labels = Cifar100Labels::kFine);

// One CIFAR-100 file -> images appended to `ds` (ds.channels etc. are set to (3, 32, 32)).
void read_cifar100_file(const std::string& path, Cifar100Labels labels, ImageDataset& ds);

// What follows "cifar100:" in a dataset spec: DIR, DIR:fine or DIR:coarse.
struct Cifar100Spec {
    std::string dir;
    Cifar100Labels labels = Cifar100Labels::kFine;
};
Cifar100Spec parse_cifar100_spec(const std::string& rest);

}  // namespace prism::data
