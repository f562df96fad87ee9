// CIFAR-10 binary version: each record is 1 label byte + 3072 pixel bytes (3, 32, 32),
// in data_batch_1.bin .. data_batch_5.bin (train) and test_batch.bin (test); class names
// one per line in batches.meta.txt.
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

}  // namespace prism::data
