#include "prism/data/loader.hpp"

#include <numeric>

#include "prism/core/parallel.hpp"

namespace prism::data {

DataLoader::DataLoader(std::shared_ptr<const ImageDataset> ds, std::optional<std::vector<std::int64_t>> indices,
                       LoaderOptions opt)
    : ds_(std::move(ds)), opt_(std::move(opt)) {
    if (!ds_) throw Error("DataLoader", "null dataset");
    ds_->check();
    if (indices) {
        if (indices->empty())
            throw Error("DataLoader", ds_->source, ": empty index list (a split or fraction that kept no images)");
        indices_ = std::move(*indices);
    } else {
        indices_.resize(ds_->size());
        std::iota(indices_.begin(), indices_.end(), 0);
    }
    if (indices_.empty()) throw Error("DataLoader", ds_->source, ": empty dataset");
    for (auto i : indices_)
        if (i < 0 || i >= ds_->size())
            throw Error("DataLoader", ds_->source, ": index ", i, " outside dataset of ", ds_->size());
    if (opt_.batch_size < 1) throw Error("DataLoader", "batch_size ", opt_.batch_size, " must be >= 1");
    if (opt_.parts < 1 || opt_.part < 0 || opt_.part >= opt_.parts)
        throw Error("DataLoader", "part ", opt_.part, " of ", opt_.parts, " parts does not exist");
    const auto C = static_cast<std::size_t>(ds_->channels);
    if (!opt_.norm.mean.empty() && (opt_.norm.mean.size() != C || opt_.norm.std.size() != C))
        throw Error("DataLoader", ds_->source, ": normalisation has ", opt_.norm.mean.size(), " means and ",
                    opt_.norm.std.size(), " stds for ", C, " channels");
    for (float s : opt_.norm.std)
        if (!(s > 0)) throw Error("DataLoader", "normalisation std ", s, " must be > 0");
    if (opt_.augment.pad < 0) throw Error("DataLoader", "augment pad ", opt_.augment.pad, " must be >= 0");
    if (!opt_.corruption.none()) parse_corruption(opt_.corruption.str());  // validates name and severity
}

DataLoader::~DataLoader() { drop_pending(); }

std::int64_t DataLoader::batches_per_epoch() const {
    const std::int64_t n = size(), b = opt_.batch_size;
    return opt_.drop_last ? n / b : (n + b - 1) / b;
}

const std::vector<std::int64_t>& DataLoader::order(std::int64_t epoch) const {
    if (order_epoch_ != epoch || !order_) {
        auto o = std::make_shared<std::vector<std::int64_t>>(indices_);
        if (opt_.shuffle) {
            const auto p = permutation(size(), opt_.seed, static_cast<std::uint64_t>(epoch));
            for (std::int64_t k = 0; k < size(); ++k) (*o)[k] = indices_[p[k]];
        }
        order_ = std::move(o);
        order_epoch_ = epoch;
    }
    return *order_;
}

Batch DataLoader::make_batch(std::int64_t epoch, std::int64_t batch) const {
    if (epoch < 0 || batch < 0 || batch >= batches_per_epoch())
        throw Error("DataLoader", "batch ", batch, " of epoch ", epoch, " outside [0, ", batches_per_epoch(), ")");
    if (epoch == order_epoch_ && order_) return build(*order_, epoch, batch);
    // Another epoch: compute its order without disturbing the cached one.
    std::vector<std::int64_t> o = indices_;
    if (opt_.shuffle) {
        const auto p = permutation(size(), opt_.seed, static_cast<std::uint64_t>(epoch));
        for (std::int64_t k = 0; k < size(); ++k) o[k] = indices_[p[k]];
    }
    return build(o, epoch, batch);
}

Batch DataLoader::build(const std::vector<std::int64_t>& order, std::int64_t epoch, std::int64_t batch) const {
    const ImageDataset& ds = *ds_;
    const std::int64_t n = std::min(opt_.batch_size, size() - batch * opt_.batch_size);
    const std::int64_t start = batch * opt_.batch_size + opt_.part * n / opt_.parts;
    const std::int64_t B = batch * opt_.batch_size + (opt_.part + 1) * n / opt_.parts - start;
    const std::int64_t C = ds.channels, H = ds.height, W = ds.width, m = ds.image_numel(), HW = H * W;
    Batch out;
    out.epoch = epoch, out.batch = batch;
    out.global_size = n;
    out.first_row = start - batch * opt_.batch_size;
    out.indices.assign(order.begin() + start, order.begin() + start + B);
    out.images = Tensor::empty({B, C, H, W});
    out.labels = Tensor::empty({B}, kInt64);
    float* img = out.images.data<float>();
    std::int64_t* lab = out.labels.data<std::int64_t>();
    const bool norm = !opt_.norm.mean.empty();
    // Each image is independent and all its randomness is keyed by (seed, epoch, index).
    parallel_for(0, B, 8, [&](std::int64_t lo, std::int64_t hi) {
        std::vector<std::uint8_t> tmp(m);
        for (std::int64_t b = lo; b < hi; ++b) {
            const std::int64_t i = out.indices[b];
            lab[b] = ds.labels[i];
            const std::uint8_t* src = ds.image(i);
            if (opt_.augment.enabled()) {
                const auto d = draw_augment(opt_.augment, opt_.seed, epoch, i);
                augment_image(src, tmp.data(), C, H, W, opt_.augment.pad, d);
                src = tmp.data();
            }
            float* dst = img + b * m;
            for (std::int64_t k = 0; k < m; ++k) dst[k] = src[k] * (1.0f / 255.0f);
            // The corruption depends on the image, not the epoch: a fixed corrupted test set.
            apply_corruption(dst, C, H, W, opt_.corruption, opt_.seed, static_cast<std::uint64_t>(i));
            if (norm)
                for (std::int64_t c = 0; c < C; ++c) {
                    const float mu = opt_.norm.mean[c], inv = 1.0f / opt_.norm.std[c];
                    for (std::int64_t k = 0; k < HW; ++k) dst[c * HW + k] = (dst[c * HW + k] - mu) * inv;
                }
        }
    });
    return out;
}

bool DataLoader::next(Batch& out) {
    if (pos_.batch >= batches_per_epoch()) {
        pos_ = {pos_.epoch + 1, 0};
        return false;
    }
    if (pending_.valid() && pending_pos_.epoch == pos_.epoch && pending_pos_.batch == pos_.batch) {
        out = pending_.get();
    } else {
        drop_pending();
        out = build(order(pos_.epoch), pos_.epoch, pos_.batch);
    }
    ++pos_.batch;
    if (opt_.prefetch && pos_.batch < batches_per_epoch()) {
        (void)order(pos_.epoch);
        auto o = order_;  // the background task keeps this epoch's order alive
        const State p = pos_;
        pending_pos_ = p;
        pending_ = std::async(std::launch::async, [this, o, p] { return build(*o, p.epoch, p.batch); });
    }
    return true;
}

void DataLoader::set_state(State s) {
    if (s.epoch < 0 || s.batch < 0 || s.batch > batches_per_epoch())
        throw Error("DataLoader", "set_state: batch ", s.batch, " of epoch ", s.epoch, " outside [0, ",
                    batches_per_epoch(), "]");
    drop_pending();
    pos_ = s;
}

void DataLoader::drop_pending() {
    if (pending_.valid()) {
        try {
            pending_.get();  // wait; an error in a batch nobody will use is dropped with it
        } catch (...) {
        }
    }
    pending_pos_ = {-1, -1};
}

}  // namespace prism::data
