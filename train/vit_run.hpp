// run_vit: one whole ViT experiment, as `prism train vit` and the demo run it: load the data,
// build the model from a preset plus overrides, train with validation, evaluate the best
// checkpoint on the test set.
#pragma once
#include <optional>
#include <string>

#include "prism/models/vit.hpp"
#include "prism/train/classifier.hpp"
#include "prism/train/vision_data.hpp"

namespace prism::train {

struct VitRunOptions {
    std::string dataset = "fashion-mnist";
    std::string preset = "vit-micro";
    // size overrides; unset keeps the preset's value
    std::optional<std::int64_t> dim, depth, heads, patch, mlp_dim;
    std::optional<models::AttentionSpec> attention;
    std::optional<bool> qkv_bias;          // unset keeps the preset's (true)
    std::optional<std::string> init;       // "default" | "matched" (models::ViTConfig::init)
    std::optional<double> init_norm;
    // dropout overrides (timm's proj_drop_rate: attention projection and MLP; attn_drop_rate); unset keeps the preset's 0
    std::optional<double> drop, attn_drop;
    std::optional<double> drop_path;  // stochastic depth rate of the last block (timm's drop_path_rate)
    std::int64_t batch_size = 128;
    double val_fraction = 0.1;    // of the training set, stratified
    double data_fraction = 1.0;   // keep this stratified fraction of the training part
    bool augment = true;          // random crop/flip as suits the dataset (off: plain images)
    std::optional<bool> hflip;    // random horizontal flip on/off (wins over `augment`); unset: as above
    std::uint64_t seed = 0;
    // Every N steps (0: never), a {"type": "probe", "smoothing": {"cos_sim": [...], "hc_dc": [...],
    // ...}} record in metrics.jsonl: diag::smoothing_record of a fixed batch (the first 32
    // validation images, else training images, never augmented) in eval mode, layer 0 = embedding.
    std::int64_t log_smoothing = 0;
    ClassifierOptions train;      // epochs, lr, ..., out_dir, resume
};

struct VitRunResult {
    models::ViTConfig config;
    FitResult fit;
    EvalResult test;
    std::int64_t train_samples = 0;
};

// The config run_vit would build (preset + overrides + dataset shape and statistics).
models::ViTConfig make_vit_config(const VitRunOptions& o, const VisionData& data);

// The training set's augmentation: the dataset's choice (none when !o.augment), with the flip
// switched on or off when o.hflip is set.
data::Augment training_augment(const VitRunOptions& o, const VisionData& data);

VitRunResult run_vit(const VitRunOptions& o, const VisionData* preloaded = nullptr);

}  // namespace prism::train
