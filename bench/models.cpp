// `prism bench vit|gpt`: a model-level training benchmark on synthetic data.
//
// Builds the reference model (ViT-Ti on 28x28x1 with patch 4, or GPT-mini with vocab 73 and
// context 128; see bench.hpp), runs `warmup` training steps (AdamW, fp32), then times `steps`
// steps, `steps` forward passes under no_grad, and for the GPT the generation of tokens with
// the KV cache. Next to it: the raw sgemm peak measured in the same run, the model FLOPs per
// step and the MFU, peak resident memory, and a per-op breakdown of a step from a few extra
// steps run with the timer registry (core/timers.hpp) on. Measures only; asserts nothing.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "bench.hpp"
#include "prism/autograd/fn_nn.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/core/rng.hpp"
#include "prism/core/runtime.hpp"
#include "prism/core/timers.hpp"
#include "prism/models/gpt.hpp"
#include "prism/models/vit.hpp"
#include "prism/ops/attention.hpp"
#include "prism/ops/gemm.hpp"
#include "prism/optim/adamw.hpp"
#include "prism/optim/param_groups.hpp"

namespace prism::bench {

namespace {

using clock_ = std::chrono::steady_clock;
double since(clock_::time_point t0) { return std::chrono::duration<double>(clock_::now() - t0).count(); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

// Raw sgemm n^3 (n = 2048) split over the threads: the machine's practical fp32 peak, GFLOP/s.
double sgemm_peak_gflops(std::int64_t n) {
    std::vector<float> a(n * n, 0.5f), b(n * n, 0.25f), c(n * n);
    std::vector<double> t;
    for (int i = 0; i < 4; ++i) {
        const auto t0 = clock_::now();
        ops::gemm_parallel<float>(1.f, ops::row_major(a.data(), n, n), ops::row_major(b.data(), n, n), 0.f,
                                  ops::row_major(c.data(), n, n));
        if (i > 0) t.push_back(since(t0));
    }
    return 2.0 * n * n * n / median(t) * 1e-9;
}

// The op kind a forward/backward label belongs to.
std::string kind_of(const std::string& op) {
    if (op == "linear" || op == "matmul") return "linear";
    if (op == "scaled_dot_product_attention") return "attention";
    if (op == "layer_norm") return "layer_norm";
    if (op == "cross_entropy" || op == "softmax" || op == "log_softmax") return "softmax_cross_entropy";
    return "elementwise";  // adds, GELU, views, embedding, dropout, ...
}

// One training step's parts; `train_step` runs them and returns (forward, backward, optimizer) seconds.
struct Workload {
    std::function<Tensor()> loss;      // forward + loss
    std::function<void()> infer;       // forward under no_grad
    optim::AdamW* opt = nullptr;
    double flops_forward = 0;          // model FLOPs of one forward pass (2 per multiply-add)
    double samples = 0, tokens = 0;    // per step
};

struct StepTimes {
    double fwd, bwd, opt;
};
StepTimes train_step(Workload& w) {
    const auto t0 = clock_::now();
    timers::mark();
    Tensor loss = w.loss();
    const double tf = since(t0);
    const auto t1 = clock_::now();
    w.opt->zero_grad();
    loss.backward();
    const double tb = since(t1);
    const auto t2 = clock_::now();
    {
        timers::Scope s("optimizer");
        w.opt->step();
    }
    return {tf, tb, since(t2)};
}

nlohmann::json run(const std::string& model, Workload& w, int steps, int warmup, double peak,
                   const std::function<nlohmann::json()>& extra) {
    for (int i = 0; i < warmup; ++i) train_step(w);
    std::vector<double> tstep, tf, tb, to;
    for (int i = 0; i < steps; ++i) {
        const auto t0 = clock_::now();
        const StepTimes s = train_step(w);
        tstep.push_back(since(t0));
        tf.push_back(s.fwd);
        tb.push_back(s.bwd);
        to.push_back(s.opt);
    }
    std::vector<double> tinf;
    {
        NoGradGuard ng;
        w.infer();
        for (int i = 0; i < steps; ++i) {
            const auto t0 = clock_::now();
            w.infer();
            tinf.push_back(since(t0));
        }
    }
    // per-op breakdown: a few more steps with the timers on
    const int prof = std::max(2, std::min(steps, 3));
    timers::reset();
    timers::enable(true);
    double pf = 0, pb = 0, po = 0;
    for (int i = 0; i < prof; ++i) {
        const StepTimes s = train_step(w);
        pf += s.fwd;
        pb += s.bwd;
        po += s.opt;
    }
    timers::enable(false);
    std::map<std::string, double> fwd_kind, bwd_kind, by_op;  // by_op: "forward/gelu" -> ms per step
    double alloc = 0, fwd_sum = 0, bwd_sum = 0;
    for (const auto& [label, sec] : timers::totals()) {
        const double ms = sec / prof * 1e3;
        by_op[label] = ms;
        if (label.rfind("forward/", 0) == 0) {
            fwd_kind[kind_of(label.substr(8))] += ms;
            fwd_sum += ms;
        } else if (label.rfind("backward/", 0) == 0) {
            bwd_kind[kind_of(label.substr(9))] += ms;
            bwd_sum += ms;
        } else if (label == "alloc") {
            alloc += ms;
        }
    }
    // backward time outside the nodes' closures: gradient accumulation and the graph walk
    bwd_kind["engine"] += std::max(0.0, pb / prof * 1e3 - bwd_sum);
    fwd_kind["other"] += std::max(0.0, pf / prof * 1e3 - fwd_sum);

    const double step = median(tstep), inf = median(tinf);
    const double flops_step = 3 * w.flops_forward;
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    nlohmann::json j = {
        {"model", model},
        {"threads", runtime::num_threads()},
        {"blis", runtime::init_blis().name},
        {"steps", steps},
        {"warmup", warmup},
        {"batch", w.samples},
        {"tokens_per_step", w.tokens},
        {"step_ms", step * 1e3},
        {"train_samples_per_s", w.samples / step},
        {"train_tokens_per_s", w.tokens / step},
        {"infer_samples_per_s", w.samples / inf},
        {"infer_tokens_per_s", w.tokens / inf},
        {"sgemm_peak_gflops", peak},
        {"model_gflop_per_step", flops_step * 1e-9},
        {"achieved_gflops", flops_step / step * 1e-9},
        {"mfu", flops_step / step * 1e-9 / peak},
        {"infer_mfu", w.flops_forward / inf * 1e-9 / peak},
        {"peak_rss_mb", ru.ru_maxrss / 1024.0},
        {"breakdown_ms",
         {{"forward", median(tf) * 1e3},
          {"backward", median(tb) * 1e3},
          {"optimizer", median(to) * 1e3},
          {"profiled_steps", prof},
          {"forward_by_kind", fwd_kind},
          {"backward_by_kind", bwd_kind},
          {"by_op", by_op},
          {"optimizer_step", po / prof * 1e3},
          {"allocation", alloc}}},
    };
    if (extra) j.update(extra());
    return j;
}

void print_text(const nlohmann::json& j) {
    std::printf("prism bench %s: %d thread(s), BLIS %s, %d timed steps after %d warm-up\n",
                j["model"].get<std::string>().c_str(), j["threads"].get<int>(), j["blis"].get<std::string>().c_str(),
                j["steps"].get<int>(), j["warmup"].get<int>());
    std::printf("  %-34s %s\n", "shape", j["shape"].dump().c_str());
    std::printf("  %-34s %.1f ms\n", "training step (median)", j["step_ms"].get<double>());
    std::printf("  %-34s %.1f samples/s  %.0f tokens/s\n", "training", j["train_samples_per_s"].get<double>(),
                j["train_tokens_per_s"].get<double>());
    std::printf("  %-34s %.1f samples/s  %.0f tokens/s\n", "inference (no_grad forward)",
                j["infer_samples_per_s"].get<double>(), j["infer_tokens_per_s"].get<double>());
    if (j.contains("generate_tokens_per_s"))
        std::printf("  %-34s %.0f tokens/s (%d tokens, KV cache)\n", "generation", j["generate_tokens_per_s"].get<double>(),
                    j["generate_tokens"].get<int>());
    std::printf("  %-34s %.1f GFLOP/s\n", "sgemm peak (same run)", j["sgemm_peak_gflops"].get<double>());
    std::printf("  %-34s %.2f GFLOP/step, %.1f GFLOP/s, MFU %.1f%% (inference %.1f%%)\n", "model FLOPs (3x forward)",
                j["model_gflop_per_step"].get<double>(), j["achieved_gflops"].get<double>(),
                100 * j["mfu"].get<double>(), 100 * j["infer_mfu"].get<double>());
    std::printf("  %-34s %.0f MB\n", "peak resident memory", j["peak_rss_mb"].get<double>());
    const auto& b = j["breakdown_ms"];
    std::printf("  step breakdown (ms): forward %.1f, backward %.1f, optimizer %.1f\n", b["forward"].get<double>(),
                b["backward"].get<double>(), b["optimizer"].get<double>());
    std::printf("  by op kind, %d profiled steps (ms per step):\n", b["profiled_steps"].get<int>());
    for (const char* phase : {"forward_by_kind", "backward_by_kind"})
        for (const auto& [k, v] : b[phase].items())
            std::printf("    %-10s %-24s %8.1f\n", phase == std::string("forward_by_kind") ? "forward" : "backward",
                        k.c_str(), v.get<double>());
    std::printf("    %-35s %8.1f\n", "optimizer (AdamW step)", b["optimizer_step"].get<double>());
    std::printf("    %-35s %8.1f  (inside the above)\n", "allocation", b["allocation"].get<double>());
}

// Per layer and token, forward: qkv 6C^2, proj 2C^2, MLP 4CM, attention scores and P v 4TC.
double block_flops(double T, double C, double M) { return T * (8 * C * C + 4 * C * M + 4 * T * C); }

}  // namespace

int run_model(const ModelBenchOptions& o) {
    runtime::init_blis();
    ops::set_attention_kernel(o.attention_kernel == "blis" ? ops::AttentionKernel::blis : ops::AttentionKernel::fused);
    const double peak = sgemm_peak_gflops(o.peak_size);
    Generator gen(1);
    nlohmann::json j;
    if (o.model == "vit") {
        models::ViTConfig cfg = models::ViTConfig::preset("vit-tiny");
        cfg.image_size = o.image;
        cfg.in_channels = o.channels;
        cfg.patch_size = o.patch;
        cfg.num_classes = 10;
        cfg.input_mean.assign(o.channels, 0.5);
        cfg.input_std.assign(o.channels, 0.5);
        cfg.attention = models::parse_attention_options(o.attention);
        cfg.validate();
        models::ViT model(cfg, &gen);
        const std::int64_t B = o.batch > 0 ? o.batch : 128;
        Tensor x = Tensor::randn({B, cfg.in_channels, cfg.image_size, cfg.image_size}, gen);
        std::vector<std::int64_t> lab(B);
        for (std::int64_t i = 0; i < B; ++i) lab[i] = i % cfg.num_classes;
        Tensor y = Tensor::from_vector<std::int64_t>(lab, {B});
        optim::AdamW opt(optim::default_param_groups(model.named_parameters(), 0.05), {.lr = 5e-4});
        const double T = cfg.num_patches() + 1, C = cfg.dim, P = cfg.patch_size;
        Workload w;
        w.loss = [&] { return cross_entropy(model(x), y); };
        w.infer = [&] { model(x); };
        w.opt = &opt;
        w.samples = B;
        w.tokens = B * T;
        w.flops_forward = B * (cfg.depth * block_flops(T, C, cfg.mlp_dim) +
                               2 * (T - 1) * cfg.in_channels * P * P * C + 2 * C * cfg.num_classes);
        j = run("vit", w, o.steps, o.warmup, peak, [&] {
            return nlohmann::json{{"shape",
                                   {{"image", cfg.image_size}, {"channels", cfg.in_channels}, {"patch", cfg.patch_size},
                                    {"tokens", T}, {"dim", cfg.dim}, {"depth", cfg.depth}, {"heads", cfg.heads},
                                    {"mlp", cfg.mlp_dim}, {"classes", cfg.num_classes}, {"batch", B},
                                    {"attention", o.attention}, {"attention_kernel", o.attention_kernel},
                                    {"parameters", model.num_parameters()}}}};
        });
    } else {
        models::GPTConfig cfg = models::GPTConfig::preset("gpt-mini");
        cfg.vocab_size = 73;
        cfg.context_length = o.context;
        cfg.attention = models::parse_attention_options(o.attention, {}, "", nn::Task::Language);
        cfg.validate();
        models::GPT model(cfg, &gen);
        const std::int64_t B = o.batch > 0 ? o.batch : 32, T = cfg.context_length;
        std::vector<std::int64_t> ids(B * T), tg(B * T);
        for (std::int64_t i = 0; i < B * T; ++i) {
            ids[i] = (i * 7 + 3) % cfg.vocab_size;
            tg[i] = (i * 7 + 10) % cfg.vocab_size;
        }
        Tensor xi = Tensor::from_vector<std::int64_t>(ids, {B, T}), yt = Tensor::from_vector<std::int64_t>(tg, {B, T});
        optim::AdamW opt(optim::default_param_groups(model.named_parameters(), 0.1), {.lr = 3e-4});
        const double C = cfg.dim;
        Workload w;
        w.loss = [&] { return model.loss(xi, yt); };
        w.infer = [&] { model(xi); };
        w.opt = &opt;
        w.samples = B;
        w.tokens = B * T;
        w.flops_forward = B * (cfg.depth * block_flops(T, C, cfg.mlp_dim) + 2.0 * T * C * cfg.vocab_size);
        j = run("gpt", w, o.steps, o.warmup, peak, [&] {
            nlohmann::json e = {{"shape",
                                 {{"vocab", cfg.vocab_size}, {"context", T}, {"dim", cfg.dim}, {"depth", cfg.depth},
                                  {"heads", cfg.heads}, {"mlp", cfg.mlp_dim}, {"batch", B},
                                  {"attention", o.attention}, {"attention_kernel", o.attention_kernel},
                                  {"parameters", model.num_parameters()}}}};
            if (model.supports_cache()) {
                models::SampleOptions so;
                so.max_new_tokens = std::min<std::int64_t>(T - 1, 127);
                so.seed = 1;
                const std::vector<std::int32_t> prompt{1};
                models::generate(model, prompt, so);  // warm-up
                const auto t0 = clock_::now();
                const auto out = models::generate(model, prompt, so);
                e["generate_tokens"] = static_cast<int>(out.size());
                e["generate_tokens_per_s"] = out.size() / since(t0);
            }
            return e;
        });
    }
    if (o.json) std::printf("%s\n", j.dump().c_str());
    else print_text(j);
    return 0;
}

}  // namespace prism::bench
