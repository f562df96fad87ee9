// Index lists over a dataset: a train/validation split and a class-stratified fraction,
// both deterministic for a seed. A DataLoader (data/loader.hpp) iterates over such a list.
#pragma once
#include <cstdint>
#include <vector>

#include "prism/data/dataset.hpp"

namespace prism::data {

std::vector<std::int64_t> all_indices(const ImageDataset& ds);  // 0 .. N-1

struct Split {
    std::vector<std::int64_t> train, val;  // disjoint, each sorted ascending
};
// Stratified: each class gives round(val_fraction * its count) images to val.
Split train_val_split(const ImageDataset& ds, double val_fraction, std::uint64_t seed);

// Keeps round(fraction * n_c) (at least 1 when fraction > 0) of each class among `indices`;
// fraction 1 returns `indices` sorted. Result sorted ascending.
std::vector<std::int64_t> stratified_fraction(const ImageDataset& ds, const std::vector<std::int64_t>& indices,
                                              double fraction, std::uint64_t seed);

}  // namespace prism::data
