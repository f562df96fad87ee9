// Named image datasets, as the CLI and the study runner spell them:
//   fashion-mnist[:DIR]    Fashion-MNIST IDX files in DIR (default: Debian's dataset-fashion-mnist)
//   mnist:DIR              MNIST, or any {train,t10k}-{images,labels} IDX files in DIR
//   cifar10:DIR            CIFAR-10 binary batches in DIR
//   cifar100:DIR[:coarse]  CIFAR-100 binary train.bin / test.bin in DIR, fine (100) or coarse (20) labels
//   folder:DIR             an image folder, one subfolder per class (test split held out)
#pragma once
#include <memory>
#include <string>

#include "prism/data/augment.hpp"
#include "prism/data/dataset.hpp"

namespace prism::train {

struct VisionData {
    std::string spec;
    std::shared_ptr<const data::ImageDataset> train, test;
    data::Augment augment;  // what suits the dataset (no flips for digits or clothing crops)
};

// Loads both splits; errors name the spec and the file. A test set the model built from the
// training set cannot take (empty, another image shape, labels beyond the training classes)
// is an error here, before any training.
VisionData load_vision_data(const std::string& spec, std::uint64_t seed = 0);

}  // namespace prism::train
