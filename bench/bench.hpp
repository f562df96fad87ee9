// Benchmarks that the `prism bench` command runs. They measure; they assert nothing.
#pragma once
#include <cstdint>
#include <string>

namespace prism::bench {

// GEMM shapes of a transformer layer (forward and both backward products) next to the raw
// BLIS sgemm peak measured in the same run, GB/s of elementwise and fused kernels, and the
// attention products (reference, per-head BLIS and fused kernels) at T = 50 and 197.
int run_kernels(int reps);

// `prism bench vit|gpt`: the reference models trained on synthetic data (bench/models.cpp).
//   vit: ViT-Ti, image 28x28x1, patch 4 (50 tokens with the class token), dim 192, depth 12,
//        3 heads, MLP 768, 10 classes, batch 128, AdamW, fp32.
//   gpt: GPT-mini, vocab 73, context 128, dim 256, 6 layers, 4 heads, MLP 1024, batch 32, AdamW.
struct ModelBenchOptions {
    std::string model = "vit";  // "vit" | "gpt"
    int steps = 10, warmup = 2;
    std::string attention = "standard";
    std::int64_t patch = 4, image = 28, channels = 1;  // vit
    std::int64_t context = 128;                        // gpt
    std::int64_t batch = 0;                            // 0: the reference batch (128 vit, 32 gpt)
    std::string attention_kernel = "fused";            // "fused" | "blis" (the kernel before issue #17)
    std::int64_t peak_size = 2048;                     // n of the n^3 sgemm that measures the peak
    bool json = false;                                 // exactly one JSON object on stdout
};
int run_model(const ModelBenchOptions& options);

// `prism bench dist`: the reference ViT-Ti and GPT-mini trained data-parallel with their global
// batch (128 images, 32 windows), 1 process x 2 threads against `mpirun -np 2` x 1 thread
// (alternately, `repeats` times each). Two reduction times: inside the step (it includes waiting
// for the slower rank's backward) and a bare allreduce of the gradient slab with every rank
// ready (the communication itself). --measure is one side: this process's part, JSON on rank 0.
struct DistBenchOptions {
    std::string model = "both";  // "vit" | "gpt" | "both"
    int steps = 5, warmup = 1, repeats = 2;
    bool measure = false, json = false;
};
int run_dist(const DistBenchOptions& options);

}  // namespace prism::bench
