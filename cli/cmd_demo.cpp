// `prism demo`: the main job. Trains the vit-micro preset on Fashion-MNIST and prints its
// test accuracy (target: >= 88% in under 10 minutes on 2 cores).
#include <cstdio>

#include "commands.hpp"
#include "prism/train/vit_run.hpp"

namespace prism::cli {

void register_demo(CLI::App& app) {
    auto* cmd = app.add_subcommand("demo", "train vit-micro on Fashion-MNIST and report its test accuracy");
    auto* out = command_state<std::string>("runs/demo");
    cmd->add_option("--out", *out, "directory for checkpoints and metrics.jsonl")->capture_default_str();
    cmd->callback([out] {
        std::exit(guarded([out] {
            train::VitRunOptions o;
            o.dataset = "fashion-mnist";
            o.preset = "vit-micro";
            o.batch_size = 128;
            o.val_fraction = 1.0 / 12;  // 5000 of the 60000 training images
            o.train.epochs = 8;
            o.augment = false;  // a short schedule fits plain images faster
            o.train.lr = 1.5e-3;
            o.train.min_lr = 1e-5;
            o.train.weight_decay = 0.05;
            o.train.warmup_epochs = 0.5;
            o.train.label_smoothing = 0.0;
            o.train.grad_clip = 1.0;
            o.train.out_dir = *out;
            o.train.overwrite = true;  // every demo is a fresh run (the previous one's files are replaced)
            std::printf("prism demo: training vit-micro on Fashion-MNIST (%lld epochs); checkpoints in %s\n",
                        static_cast<long long>(o.train.epochs), out->c_str());
            auto r = train::run_vit(o);
            std::printf("demo: test accuracy %.2f%% on %lld Fashion-MNIST test images, trained in %.0f s\n",
                        r.test.accuracy * 100, static_cast<long long>(r.test.samples), r.fit.seconds);
            return 0;
        }));
    });
}

}  // namespace prism::cli
