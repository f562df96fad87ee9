#include "prism/data/split.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "prism/data/augment.hpp"

namespace prism::data {

std::vector<std::int64_t> all_indices(const ImageDataset& ds) {
    std::vector<std::int64_t> v(ds.size());
    std::iota(v.begin(), v.end(), 0);
    return v;
}

// For each class, its members of `indices` in a seeded random order.
static std::vector<std::vector<std::int64_t>> shuffled_by_class(const ImageDataset& ds,
                                                                std::vector<std::int64_t> indices,
                                                                std::uint64_t seed, std::uint64_t stream) {
    std::sort(indices.begin(), indices.end());
    std::vector<std::vector<std::int64_t>> by(ds.num_classes());
    for (auto i : indices) {
        if (i < 0 || i >= ds.size()) throw Error("split", ds.source, ": index ", i, " outside dataset of ", ds.size());
        by[ds.labels[i]].push_back(i);
    }
    for (std::size_t c = 0; c < by.size(); ++c) {
        const auto p = permutation(static_cast<std::int64_t>(by[c].size()), mix_seed(seed, stream), c);
        std::vector<std::int64_t> s(by[c].size());
        for (std::size_t k = 0; k < s.size(); ++k) s[k] = by[c][p[k]];
        by[c] = std::move(s);
    }
    return by;
}

Split train_val_split(const ImageDataset& ds, double val_fraction, std::uint64_t seed) {
    if (!(val_fraction >= 0 && val_fraction < 1))
        throw Error("train_val_split", "val_fraction ", val_fraction, " must be in [0, 1)");
    Split s;
    for (const auto& cls : shuffled_by_class(ds, all_indices(ds), seed, 0x5B1)) {
        const auto nv = static_cast<std::size_t>(std::llround(val_fraction * double(cls.size())));
        s.val.insert(s.val.end(), cls.begin(), cls.begin() + nv);
        s.train.insert(s.train.end(), cls.begin() + nv, cls.end());
    }
    std::sort(s.train.begin(), s.train.end());
    std::sort(s.val.begin(), s.val.end());
    return s;
}

std::vector<std::int64_t> stratified_fraction(const ImageDataset& ds, const std::vector<std::int64_t>& indices,
                                              double fraction, std::uint64_t seed) {
    if (!(fraction > 0 && fraction <= 1))
        throw Error("stratified_fraction", "fraction ", fraction, " must be in (0, 1]");
    std::vector<std::int64_t> out;
    for (const auto& cls : shuffled_by_class(ds, indices, seed, 0xF5AC)) {
        if (cls.empty()) continue;
        const auto k = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(fraction * double(cls.size()))));
        out.insert(out.end(), cls.begin(), cls.begin() + std::min(k, cls.size()));
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace prism::data
