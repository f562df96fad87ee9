// <prism/data.hpp>: every public header of the data/ layer: datasets (IDX, CIFAR, image folders,
// text), tokenizers, the loader, augmentation, corruptions.
#pragma once
#include "prism/data/augment.hpp"
#include "prism/data/cifar.hpp"
#include "prism/data/corruptions.hpp"
#include "prism/data/dataset.hpp"
#include "prism/data/file_io.hpp"
#include "prism/data/idx.hpp"
#include "prism/data/image_folder.hpp"
#include "prism/data/loader.hpp"
#include "prism/data/split.hpp"
#include "prism/data/text.hpp"
#include "prism/data/tokenizer.hpp"
