#include "prism/train/vit_run.hpp"

#include <filesystem>
#include <optional>

#include "prism/data/split.hpp"
#include "prism/diag/smoothing.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/train/out_dir.hpp"

namespace prism::train {

models::ViTConfig make_vit_config(const VitRunOptions& o, const VisionData& data) {
    models::ViTConfig c = models::ViTConfig::preset(o.preset);
    if (o.dim) c.dim = *o.dim;
    if (o.depth) c.depth = *o.depth;
    if (o.heads) c.heads = *o.heads;
    if (o.patch) c.patch_size = *o.patch;
    if (o.mlp_dim) c.mlp_dim = *o.mlp_dim;
    if (o.attention) c.attention = *o.attention;
    if (o.qkv_bias) c.qkv_bias = *o.qkv_bias;
    if (o.init) c.init = *o.init;
    if (o.init_norm) c.init_norm = *o.init_norm;
    if (o.drop) c.drop = *o.drop;
    if (o.attn_drop) c.attn_drop = *o.attn_drop;
    if (o.drop_path) c.drop_path_rate = *o.drop_path;
    const auto& tr = *data.train;
    PRISM_CHECK(tr.height == tr.width, "vit", "images must be square, ", data.spec, " has ", tr.height, "x", tr.width);
    c.image_size = tr.height;
    if (c.patch_size > 0 && c.image_size % c.patch_size != 0) {  // (validate() refuses patch_size <= 0)
        std::string divisors;  // the patch sizes that would fit, e.g. "2, 4, 8, 16" for 32
        for (std::int64_t p = 2; p < c.image_size; ++p)
            if (c.image_size % p == 0) divisors += (divisors.empty() ? "" : ", ") + std::to_string(p);
        throw Error("vit", data.spec, " has ", c.image_size, "x", c.image_size, " images, not a multiple of patch size ",
                    c.patch_size, o.patch ? " (--patch)" : " (preset " + o.preset + ")",
                    divisors.empty() ? std::string() : "; pass --patch P with P one of " + divisors);
    }
    c.in_channels = tr.channels;
    // predict, the corruptions and image folders feed 1 (gray) or 3 (RGB) channels only
    PRISM_CHECK(c.in_channels == 1 || c.in_channels == 3, "vit", data.spec, " has ", c.in_channels,
                "-channel images; prism trains on 1 (gray) or 3 (RGB) channels");
    c.num_classes = tr.num_classes();
    c.class_names = tr.classes;
    const data::Normalization n = data::compute_mean_std(tr);
    c.input_mean.assign(n.mean.begin(), n.mean.end());
    c.input_std.assign(n.std.begin(), n.std.end());
    c.validate();
    return c;
}

namespace {
data::Normalization norm_of(const models::ViTConfig& c) {
    data::Normalization n;
    n.mean.assign(c.input_mean.begin(), c.input_mean.end());
    n.std.assign(c.input_std.begin(), c.input_std.end());
    return n;
}
}  // namespace

data::Augment training_augment(const VitRunOptions& o, const VisionData& data) {
    data::Augment a = o.augment ? data.augment : data::Augment{};
    if (o.hflip) a.hflip = *o.hflip;
    return a;
}

VitRunResult run_vit(const VitRunOptions& o, const VisionData* preloaded) {
    const bool main_rank = !o.train.comm || o.train.comm->is_main();
    if (main_rank)  // refuse before loading the data
        prepare_out_dir(o.train.out_dir, o.train.resume, o.train.overwrite, o.train.verbose);
    VisionData loaded;
    if (!preloaded) loaded = load_vision_data(o.dataset, o.seed);
    const VisionData& data = preloaded ? *preloaded : loaded;

    VitRunResult r;
    r.config = make_vit_config(o, data);
    r.config.check_memory(o.batch_size, /*training=*/true);  // before allocating anything large
    // Initialisation and dropout both draw from the default generator, whose state the
    // checkpoints save, so a resumed run continues the same random stream.
    prism::manual_seed(o.seed);
    models::ViT model(r.config);

    const data::Split split = data::train_val_split(*data.train, o.val_fraction, o.seed);
    const auto train_idx = data::stratified_fraction(*data.train, split.train, o.data_fraction, o.seed);
    r.train_samples = static_cast<std::int64_t>(train_idx.size());
    if (train_idx.empty())
        throw Error("vit", data.spec, ": --val-fraction ", o.val_fraction, " and --data-fraction ", o.data_fraction,
                    " leave no training images (", data.train->size(), " images: ", split.val.size(),
                    " to validation, ", split.train.size(), " to training); lower --val-fraction");

    data::LoaderOptions lo;
    lo.batch_size = o.batch_size;
    lo.seed = o.seed;
    lo.norm = norm_of(r.config);
    lo.augment = training_augment(o, data);
    if (o.train.comm) {  // each rank builds its own part of every batch
        lo.part = o.train.comm->rank();
        lo.parts = o.train.comm->size();
    }
    data::DataLoader train(data.train, train_idx, lo);
    data::LoaderOptions eo = lo;
    eo.shuffle = false;
    eo.augment = {};
    eo.batch_size = 500;
    eo.part = 0, eo.parts = 1;  // every rank validates on the whole set (same model, same result)
    const bool has_val = !split.val.empty();
    std::optional<data::DataLoader> val;
    if (has_val) val.emplace(data.train, split.val, eo);

    ClassifierOptions to = o.train;
    // what a resume must match besides the model config and fit_classifier's own settings
    to.run_config["dataset"] = data.spec;
    to.run_config["seed"] = o.seed;
    to.run_config["val_fraction"] = o.val_fraction;
    to.run_config["data_fraction"] = o.data_fraction;
    Tensor probe_images;  // (<= 32, C, H, W), fixed for the whole run
    if (o.log_smoothing > 0) {
        const std::vector<std::int64_t>& pool = has_val ? split.val : train_idx;
        data::LoaderOptions po = eo;
        po.batch_size = 32;
        po.prefetch = false;
        data::DataLoader probe_loader(data.train, pool, po);
        data::Batch pb;
        PRISM_CHECK(probe_loader.next(pb), "vit --log-smoothing", data.spec, ": no images to measure");
        probe_images = pb.images;
        to.probe_every = o.log_smoothing;
        to.probe = [&] { return nlohmann::json{{"smoothing", diag::smoothing_record(model, probe_images)}}; };
    }
    auto forward = [&](const Tensor& x) { return model.forward(x); };
    r.fit = fit_classifier(model, forward, train, has_val ? &*val : nullptr, to, r.config.to_json());

    if (!main_rank) return r;  // rank 0 reports the test accuracy
    // test accuracy of the best checkpoint (by validation accuracy), else of the final model
    const std::string best = o.train.out_dir.empty() ? "" : o.train.out_dir + "/best.safetensors";
    if (!best.empty() && std::filesystem::exists(best) && r.fit.finished)
        model.load_state_dict(io::load_checkpoint(best).model);
    data::DataLoader test(data.test, {}, eo);
    r.test = evaluate(model, forward, test);
    return r;
}

}  // namespace prism::train
