// DataLoader: seeded shuffling, batching, augmentation, corruption and normalisation of an
// ImageDataset, with the next batch prepared in the background while the current one trains.
//
//     auto ds = std::make_shared<const ImageDataset>(load_fashion_mnist(true));
//     auto split = train_val_split(*ds, 0.1, seed);
//     LoaderOptions o;  o.batch_size = 128;  o.seed = seed;  o.augment = {2, false};
//     o.norm = compute_mean_std(*ds);
//     DataLoader train(ds, split.train, o);
//     for (int e = 0; e < epochs; ++e)
//         for (Batch b; train.next(b);) { ... b.images (B, C, H, W), b.labels (B) ... }
//
// Batch (epoch, k) is a pure function of (dataset, indices, options, epoch, k): the same with
// or without prefetch, for any thread count, and after set_state() from a checkpoint.
#pragma once
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <vector>

#include "prism/core/tensor.hpp"
#include "prism/data/augment.hpp"
#include "prism/data/corruptions.hpp"
#include "prism/data/dataset.hpp"

namespace prism::data {

struct LoaderOptions {
    std::int64_t batch_size = 128;
    bool shuffle = true;       // a fresh seeded permutation each epoch
    bool drop_last = false;    // drop a last partial batch
    std::uint64_t seed = 0;    // shuffling, augmentation and corruption noise
    Augment augment;           // random crop / flip (training only)
    Corruption corruption;     // test-time corruption, applied in [0, 1] before normalisation
    Normalization norm;        // (x - mean[c]) / std[c]; empty = leave in [0, 1]
    bool prefetch = true;      // prepare the next batch on a background thread
    // Data-parallel training: build only part `part` of `parts` of every batch, rows
    // [part n / parts, (part + 1) n / parts) of its n rows (dist::DataParallel::rows), so each
    // rank prepares its own share. Which images a batch holds does not depend on this.
    std::int64_t part = 0, parts = 1;
};

struct Batch {
    Tensor images;                      // (B, C, H, W) float32
    Tensor labels;                      // (B) int64
    std::vector<std::int64_t> indices;  // (B) dataset indices of the images
    std::int64_t epoch = 0, batch = 0;  // which batch this is
    std::int64_t global_size = 0;       // rows of the whole batch (= B unless LoaderOptions::parts > 1)
    std::int64_t first_row = 0;         // the whole batch's row that is row 0 here
};

class DataLoader {
   public:
    // Iterates over `indices` of `ds`, or over all images when `indices` is nullopt (`{}`).
    // An empty list is an error, never "all": a split that left nothing must not silently
    // become the whole dataset (the validation images trained on).
    DataLoader(std::shared_ptr<const ImageDataset> ds, std::optional<std::vector<std::int64_t>> indices,
               LoaderOptions opt);
    DataLoader(std::shared_ptr<const ImageDataset> ds, LoaderOptions opt)
        : DataLoader(std::move(ds), std::nullopt, std::move(opt)) {}
    ~DataLoader();
    DataLoader(const DataLoader&) = delete;
    DataLoader& operator=(const DataLoader&) = delete;

    std::int64_t size() const { return static_cast<std::int64_t>(indices_.size()); }  // images per epoch
    std::int64_t batches_per_epoch() const;
    const ImageDataset& dataset() const { return *ds_; }
    const LoaderOptions& options() const { return opt_; }

    // The next batch of the current epoch into `out`; false at the end of an epoch, after
    // which the position moves to (epoch + 1, 0) so the next call starts the next epoch.
    bool next(Batch& out);

    // Any batch, computed directly (no state change).
    Batch make_batch(std::int64_t epoch, std::int64_t batch) const;

    // Resumable position: the batch next() returns next.
    struct State {
        std::int64_t epoch = 0, batch = 0;
    };
    State state() const { return pos_; }
    void set_state(State s);

   private:
    const std::vector<std::int64_t>& order(std::int64_t epoch) const;  // this epoch's index order
    Batch build(const std::vector<std::int64_t>& order, std::int64_t epoch, std::int64_t batch) const;
    void drop_pending();

    std::shared_ptr<const ImageDataset> ds_;
    std::vector<std::int64_t> indices_;
    LoaderOptions opt_;
    State pos_;
    mutable std::int64_t order_epoch_ = -1;
    mutable std::shared_ptr<const std::vector<std::int64_t>> order_;
    std::future<Batch> pending_;  // the prefetched batch `pending_pos_`
    State pending_pos_{-1, -1};
};

}  // namespace prism::data
