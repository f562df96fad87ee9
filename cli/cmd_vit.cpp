// `prism train vit`, `prism eval vit`, `prism predict`: the vision commands.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "prism/autograd/functions.hpp"
#include "prism/core/json.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "attention_options.hpp"
#include "commands.hpp"
#include "dist_options.hpp"
#include "options.hpp"
#include "prism/data/corruptions.hpp"
#include "prism/data/image_folder.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/train/out_dir.hpp"
#include "prism/train/vit_run.hpp"

namespace prism::cli {

namespace {

struct TrainVitArgs {
    train::VitRunOptions run;
    std::int64_t dim = 0, depth = 0, heads = 0, patch = 0, mlp_dim = 0;
    AttentionFlags attention;  // --attention, --attention-layers, --alpha, ... (cli/attention_options.hpp)
    DistArgs dist;
};

void print_run(const train::VitRunResult& r, const std::string& out_dir, std::filesystem::file_time_type started) {
    // best_val_accuracy < 0: no validation ran (no validation set, or stopped before an epoch end)
    char best_val[32] = "none";
    if (r.fit.best_val_accuracy >= 0) std::snprintf(best_val, sizeof best_val, "%.2f%%", r.fit.best_val_accuracy * 100);
    std::printf("test accuracy %.2f%% (loss %.4f) on %lld images; best val accuracy %s; %lld steps in %.0f s\n",
                r.test.accuracy * 100, r.test.loss, static_cast<long long>(r.test.samples), best_val,
                static_cast<long long>(r.fit.steps), r.fit.seconds);
    if (!out_dir.empty()) std::printf("%s\n", checkpoints_line(out_dir, started).c_str());
}

std::unique_ptr<models::ViT> load_vit(const std::string& path) {
    io::Checkpoint ck = io::load_checkpoint(path);
    if (ck.config.is_null()) throw Error("checkpoint", path, " has no \"config\" metadata: cannot rebuild the model");
    auto model = std::make_unique<models::ViT>(models::ViTConfig::from_json(ck.config));
    model->load_state_dict(ck.model);
    model->eval();
    return model;
}

}  // namespace

void add_vit_train_options(CLI::App* cmd, train::VitRunOptions& o, std::int64_t* sizes[5]) {
    cmd->add_option("--dataset", o.dataset, "fashion-mnist[:DIR] | mnist:DIR | cifar10:DIR | cifar100:DIR[:coarse] (CIFAR's binary versions) | folder:DIR")->capture_default_str();
    cmd->add_option("--preset", o.preset, "vit-micro | vit-tiny | vit-small")->capture_default_str();
    cmd->add_option("--dim", *sizes[0], "embedding width (overrides the preset)");
    cmd->add_option("--depth", *sizes[1], "number of blocks");
    cmd->add_option("--heads", *sizes[2], "attention heads");
    cmd->add_option("--patch", *sizes[3], "patch size");
    cmd->add_option("--mlp-dim", *sizes[4], "MLP hidden width");
    cmd->add_option("--drop", o.drop, "dropout after the attention projection and in the MLP (timm's proj_drop_rate; default 0)");
    cmd->add_option("--attn-drop", o.attn_drop, "dropout on the attention weights (timm's attn_drop_rate; default 0)");
    cmd->add_option("--drop-path", o.drop_path,
                    "stochastic depth: the last block drops its residual branches with this probability, "
                    "earlier blocks linearly less (timm's drop_path_rate; default 0)");
    cmd->add_option("--epochs", o.train.epochs)->capture_default_str();
    cmd->add_option("--batch-size", o.batch_size)->capture_default_str();
    cmd->add_option("--lr", o.train.lr, "peak learning rate")->capture_default_str();
    cmd->add_option("--min-lr", o.train.min_lr, "cosine floor")->capture_default_str();
    cmd->add_option("--weight-decay", o.train.weight_decay)->capture_default_str();
    cmd->add_option("--warmup-epochs", o.train.warmup_epochs)->capture_default_str();
    cmd->add_option("--label-smoothing", o.train.label_smoothing)->capture_default_str();
    cmd->add_option("--grad-clip", o.train.grad_clip, "global L2 norm clip (0 = off)")->capture_default_str();
    cmd->add_option("--data-fraction", o.data_fraction, "keep this stratified fraction of the training set")
        ->capture_default_str();
    cmd->add_option("--val-fraction", o.val_fraction, "held out from the training set for validation")
        ->capture_default_str();
    cmd->add_option("--seed", o.seed)->capture_default_str();
    cmd->add_flag("!--no-augment", o.augment, "train on plain images (no random crop/flip)");
    cmd->add_flag("--hflip,!--no-hflip", o.hflip,
                  "random horizontal flip during training, also with --no-augment (default: on for cifar10 "
                  "and folders, off for digits and Fashion-MNIST)");
    cmd->add_option("--out", o.train.out_dir, "directory for checkpoints and metrics.jsonl")->capture_default_str();
    cmd->add_flag("--resume", o.train.resume,
                  "continue from OUT/last.safetensors; model, data and training settings must match the stored ones "
                  "(may change: --epochs, --max-steps, --save-every, --threads, --log-smoothing, --skip-nonfinite)");
    cmd->add_option("--max-steps", o.train.max_steps, "stop after this many steps (the run can be resumed)");
    cmd->add_option("--save-every", o.train.save_every,
                    "also save last.safetensors every N steps (default: at epoch ends), for long resumable runs");
}

void apply_sizes(train::VitRunOptions& o, std::int64_t dim, std::int64_t depth, std::int64_t heads, std::int64_t patch,
                 std::int64_t mlp_dim) {
    if (dim > 0) o.dim = dim;
    if (depth > 0) o.depth = depth;
    if (heads > 0) o.heads = heads;
    if (patch > 0) o.patch = patch;
    if (mlp_dim > 0) o.mlp_dim = mlp_dim;
}

void register_vit(CLI::App& app, CLI::App* train_cmd, CLI::App* eval_cmd) {
    // ---- prism train vit ----
    auto* a = command_state<TrainVitArgs>();
    a->run.train.out_dir = "runs/vit";
    auto* tv = train_cmd->add_subcommand("vit", "train a Vision Transformer");
    std::int64_t* sizes[5] = {&a->dim, &a->depth, &a->heads, &a->patch, &a->mlp_dim};
    add_vit_train_options(tv, a->run, sizes);
    tv->add_flag("--overwrite", a->run.train.overwrite,
                 "start afresh in an --out dir that holds a previous run (its checkpoints are removed, metrics.jsonl "
                 "emptied); without it or --resume such a dir is refused");
    tv->add_option("--log-every", a->run.train.log_every, "a step record in metrics.jsonl every N steps (0: none)")
        ->capture_default_str();
    tv->add_option("--skip-nonfinite", a->run.train.skip_nonfinite,
                   "skip up to N steps whose loss or gradient is NaN/inf (no update) instead of stopping at the first");
    tv->add_option("--log-smoothing", a->run.log_smoothing,
                   "every N steps, per-layer smoothing measures (cos sim, HC/DC, ...) of a fixed validation batch "
                   "in metrics.jsonl");
    add_attention_options(tv, a->attention, nn::Task::Vision);
    add_init_options(tv, a->run.qkv_bias, a->run.init, a->run.init_norm);
    add_dist_options(tv, a->dist);
    tv->callback([a] {
        std::exit(guarded([a] {
            const auto started = std::filesystem::file_time_type::clock::now();
            apply_sizes(a->run, a->dim, a->depth, a->heads, a->patch, a->mlp_dim);
            a->run.attention = attention_spec_from(
                a->attention, nn::Task::Vision, a->depth > 0 ? a->depth : models::ViTConfig::preset(a->run.preset).depth,
                a->depth > 0 ? "--depth" : "preset " + a->run.preset);
            a->run.train.comm = join_world(a->dist);
            a->run.train.dist = a->dist.dp;
            const bool main_rank = !a->run.train.comm || a->run.train.comm->is_main();
            if (!main_rank) a->run.train.verbose = false;
            try {
                auto r = train::run_vit(a->run);
                if (main_rank) print_run(r, a->run.train.out_dir, started);
            } catch (const train::RunConflict& e) {  // --out holds another run: a usage error
                std::cerr << "prism: error: " << e.what() << "\n";
                return end_job(2);
            }
            return 0;
        }));
    });

    // ---- prism eval vit ----
    auto* ck = command_state<std::string>();
    auto* ds = command_state<std::string>("fashion-mnist");
    auto* corr = command_state<std::string>();
    auto* json = command_state<bool>(false);
    auto* ev = eval_cmd->add_subcommand("vit", "evaluate a ViT checkpoint on a test set");
    ev->add_option("--checkpoint", *ck, "a .safetensors checkpoint")->required();
    ev->add_option("--dataset", *ds, "fashion-mnist[:DIR] | mnist:DIR | cifar10:DIR | cifar100:DIR[:coarse] (CIFAR's binary versions) | folder:DIR")->capture_default_str();
    ev->add_option("--corruption", *corr, "NAME:SEVERITY, severity 1..5, NAME one of " + data::corruption_help());
    ev->add_flag("--json", *json, "print one JSON object");
    ev->callback([=] {
        std::exit(guarded([=] {
            std::optional<data::Corruption> corruption;  // checked before any work: a usage error
            if (!corr->empty()) corruption = usage_checked([&] { return data::parse_corruption(*corr); });
            auto model_ptr = load_vit(*ck);
            models::ViT& model = *model_ptr;
            const auto data = train::load_vision_data(*ds);
            const auto& cfg = model.config;
            PRISM_CHECK(data.test->channels == cfg.in_channels && data.test->height == cfg.image_size,
                        "eval", *ck, " expects (", cfg.in_channels, ", ", cfg.image_size, ", ", cfg.image_size,
                        ") images, ", *ds, " has (", data.test->channels, ", ", data.test->height, ", ",
                        data.test->width, ")");
            PRISM_CHECK(data.test->num_classes() == cfg.num_classes, "eval", *ck, " has ", cfg.num_classes,
                        " classes, ", *ds, " has ", data.test->num_classes());
            data::LoaderOptions lo;
            lo.batch_size = 500;
            lo.shuffle = false;
            lo.norm.mean.assign(cfg.input_mean.begin(), cfg.input_mean.end());
            lo.norm.std.assign(cfg.input_std.begin(), cfg.input_std.end());
            if (corruption) lo.corruption = *corruption;
            data::DataLoader test(data.test, {}, lo);
            auto r = train::evaluate(model, [&](const Tensor& x) { return model.forward(x); }, test);
            if (*json) {
                nlohmann::json j = {{"accuracy", r.accuracy}, {"loss", r.loss}, {"samples", r.samples},
                                    {"checkpoint", *ck}, {"dataset", *ds},
                                    {"corruption", corr->empty() ? "none" : *corr}};
                std::cout << dump_json(j) << "\n";
            } else {
                std::printf("accuracy %.2f%%  loss %.4f  (%lld images%s)\n", r.accuracy * 100, r.loss,
                            static_cast<long long>(r.samples), corr->empty() ? "" : (", " + *corr).c_str());
            }
            return 0;
        }));
    });

    // ---- prism predict ----
    auto* pck = command_state<std::string>();
    auto* images = command_state<std::vector<std::string>>();
    auto* pr = app.add_subcommand("predict", "top-5 classes for each image file");
    pr->add_option("--checkpoint", *pck, "a ViT checkpoint")->required();
    pr->add_option("images", *images, "PNG/JPEG/BMP files")->required();
    pr->callback([=] {
        std::exit(guarded([=] {
            auto model_ptr = load_vit(*pck);
            models::ViT& model = *model_ptr;
            const auto& cfg = model.config;
            // image files decode to gray or RGB; other channel counts have no meaning to convert to
            PRISM_CHECK(cfg.in_channels == 1 || cfg.in_channels == 3, "predict", *pck, " expects ", cfg.in_channels,
                        "-channel images; predict feeds 1 (gray) or 3 (RGB) channels");
            data::ImageFolderOptions io;
            io.channels = cfg.in_channels;
            io.height = io.width = cfg.image_size;
            NoGradGuard ng;
            for (const auto& path : *images) {
                const auto px = data::load_image(path, io);
                Tensor x = Tensor::empty({1, cfg.in_channels, cfg.image_size, cfg.image_size});
                PRISM_CHECK(static_cast<std::int64_t>(px.size()) == x.numel(), "predict", path, " decoded to ",
                            px.size(), " values, the model takes ", x.numel());
                float* p = x.data<float>();
                const std::int64_t hw = cfg.image_size * cfg.image_size;
                for (std::int64_t i = 0; i < x.numel(); ++i) {
                    const auto ch = i / hw;
                    p[i] = static_cast<float>((px[i] / 255.0 - cfg.input_mean[ch]) / cfg.input_std[ch]);
                }
                const auto probs = softmax(model.forward(x), -1).to_vector<float>();
                std::vector<std::int64_t> order(probs.size());
                for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
                std::sort(order.begin(), order.end(), [&](auto l, auto r) { return probs[l] > probs[r]; });
                std::printf("%s\n", path.c_str());
                for (std::size_t k = 0; k < std::min<std::size_t>(5, order.size()); ++k) {
                    const auto id = order[k];
                    const std::string name = id < static_cast<std::int64_t>(cfg.class_names.size())
                                                 ? cfg.class_names[id] : std::to_string(id);
                    std::printf("  %6.2f%%  %s\n", probs[id] * 100, name.c_str());
                }
            }
            return 0;
        }));
    });
}

}  // namespace prism::cli
