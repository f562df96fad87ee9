// `prism bench kernels`: GFLOP/s and GB/s of the kernels next to the BLIS peak.
// `prism bench vit|gpt`: training / inference throughput, MFU and per-op breakdown of the
// reference models on synthetic data.
#include <cstdio>
#include <cstdlib>

#include "../bench/bench.hpp"
#include "commands.hpp"

namespace prism::cli {

namespace {

// A usage error: one line naming the option, the value and the valid range; exit 2.
[[noreturn]] void usage(const std::string& msg) {
    std::fprintf(stderr, "prism: error: %s\n", msg.c_str());
    std::exit(2);
}

void add_model_bench(CLI::App* cmd, const char* model, const char* help) {
    auto* sub = cmd->add_subcommand(model, help);
    auto* o = command_state<bench::ModelBenchOptions>();
    o->model = model;
    sub->add_option("--steps", o->steps, "timed training steps (default 10)");
    sub->add_option("--warmup", o->warmup, "untimed warm-up steps (default 2)");
    sub->add_option("--attention", o->attention, "attention kind (default standard)");
    sub->add_option("--attention-kernel", o->attention_kernel,
                    "fused (default) or blis: one BLIS call per product and head, the kernel before issue #17");
    sub->add_option("--peak-size", o->peak_size, "n of the n^3 sgemm that measures the peak (default 2048)");
    sub->add_option("--batch", o->batch, "batch size (default 128 for vit, 32 for gpt)");
    sub->add_flag("--json", o->json, "print exactly one JSON object");
    if (o->model == "vit") {
        sub->add_option("--patch", o->patch, "patch size (default 4: 50 tokens on 28x28; 2: 197 tokens)");
        sub->add_option("--image", o->image, "image side (default 28)");
        sub->add_option("--channels", o->channels, "image channels (default 1; 3 with --image 32)");
    } else {
        sub->add_option("--context", o->context, "context length (default 128)");
    }
    sub->callback([o] {
        if (o->steps < 1 || o->steps > 100000) usage("--steps " + std::to_string(o->steps) + ": expected 1..100000");
        if (o->warmup < 0 || o->warmup > 1000) usage("--warmup " + std::to_string(o->warmup) + ": expected 0..1000");
        if (o->batch < 0 || o->batch > 65536) usage("--batch " + std::to_string(o->batch) + ": expected 1..65536");
        if (o->peak_size < 16 || o->peak_size > 8192)
            usage("--peak-size " + std::to_string(o->peak_size) + ": expected 16..8192");
        if (o->attention_kernel != "fused" && o->attention_kernel != "blis")
            usage("--attention-kernel " + o->attention_kernel + ": expected fused or blis");
        if (o->model == "vit") {
            if (o->image < 1 || o->image > 1024) usage("--image " + std::to_string(o->image) + ": expected 1..1024");
            if (o->channels < 1 || o->channels > 64)
                usage("--channels " + std::to_string(o->channels) + ": expected 1..64");
            if (o->patch < 1 || o->patch > o->image || o->image % o->patch != 0)
                usage("--patch " + std::to_string(o->patch) + ": expected a divisor of --image " +
                      std::to_string(o->image));
        } else if (o->context < 1 || o->context > 8192) {
            usage("--context " + std::to_string(o->context) + ": expected 1..8192");
        }
        std::exit(guarded([o] { return bench::run_model(*o); }));
    });
}

}  // namespace

void register_bench(CLI::App& app) {
    auto* cmd = app.add_subcommand("bench", "benchmarks: `prism bench kernels|vit|gpt|dist`");
    cmd->require_subcommand(1);
    auto* kernels = cmd->add_subcommand("kernels", "GEMM, attention and elementwise kernel throughput next to the BLIS peak");
    auto* reps = command_state<int>(5);
    kernels->add_option("--reps", *reps, "repetitions per measurement (median reported)");
    kernels->callback([reps] { std::exit(guarded([reps] { return bench::run_kernels(*reps); })); });
    add_model_bench(cmd, "vit", "train ViT-Ti on synthetic 28x28x1 images: samples/s, MFU, per-op breakdown");
    add_model_bench(cmd, "gpt", "train GPT-mini on synthetic tokens: tokens/s, generation, MFU, per-op breakdown");
    auto* d = command_state<bench::DistBenchOptions>();
    auto* dist = cmd->add_subcommand("dist", "data-parallel ViT-Ti and GPT-mini: 2 MPI ranks x 1 thread vs 1 process x 2 "
                                             "threads, and the gradient allreduce's time per step");
    dist->add_option("--model", d->model, "vit | gpt | both")->capture_default_str();
    dist->add_option("--steps", d->steps, "timed steps per run")->capture_default_str();
    dist->add_option("--warmup", d->warmup, "untimed steps per run")->capture_default_str();
    dist->add_option("--repeats", d->repeats, "runs of each layout, alternating")->capture_default_str();
    dist->add_flag("--json", d->json, "print one JSON array of the runs");
    dist->add_flag("--measure", d->measure, "one side only: this process (alone or an mpirun rank); JSON on rank 0");
    dist->callback([d] {
        if (d->model != "vit" && d->model != "gpt" && d->model != "both")
            usage("bench dist: --model: '" + d->model + "' is not valid: expected one of vit | gpt | both");
        std::exit(guarded([d] { return bench::run_dist(*d); }));
    });
}

}  // namespace prism::cli
