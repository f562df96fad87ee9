// `prism bench dist`: data-parallel training of the reference shapes (bench.hpp) on this machine,
// 2 MPI ranks x 1 thread against 1 process x 2 threads, and the gradient allreduce's time per step.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench.hpp"
#include "prism/autograd/functions.hpp"
#include "prism/core/runtime.hpp"
#include "prism/dist/communicator.hpp"
#include "prism/dist/data_parallel.hpp"
#include "prism/models/gpt.hpp"
#include "prism/models/vit.hpp"
#include "prism/optim/adamw.hpp"

namespace prism::bench {

namespace {

using clock_ = std::chrono::steady_clock;

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

// One reference model with its global batch and loss on rows [lo, hi).
struct Reference {
    std::unique_ptr<nn::Module> model;
    std::function<Tensor(std::int64_t lo, std::int64_t hi)> loss;
    std::int64_t B = 0, tokens_per_sample = 1;
};

Reference make_reference(const std::string& which, Generator& gen) {
    Reference r;
    if (which == "vit") {
        models::ViTConfig cfg = models::ViTConfig::preset("vit-tiny");
        cfg.image_size = 28, cfg.in_channels = 1, cfg.patch_size = 4, cfg.num_classes = 10;
        cfg.input_mean = {0.5};
        cfg.input_std = {0.5};
        cfg.validate();
        auto m = std::make_unique<models::ViT>(cfg, &gen);
        r.B = 128;
        r.tokens_per_sample = cfg.num_patches() + 1;
        auto x = std::make_shared<Tensor>(Tensor::randn({r.B, 1, 28, 28}, gen));
        std::vector<std::int64_t> lab(r.B);
        for (std::int64_t i = 0; i < r.B; ++i) lab[i] = i % 10;
        auto y = std::make_shared<Tensor>(Tensor::from_vector<std::int64_t>(lab, {r.B}));
        models::ViT* vm = m.get();
        r.loss = [vm, x, y](std::int64_t lo, std::int64_t hi) {
            return cross_entropy(vm->forward(x->narrow(0, lo, hi - lo)), y->narrow(0, lo, hi - lo));
        };
        r.model = std::move(m);
    } else {
        models::GPTConfig cfg = models::GPTConfig::preset("gpt-mini");
        cfg.vocab_size = 73;
        cfg.validate();
        auto m = std::make_unique<models::GPT>(cfg, &gen);
        r.B = 32;
        const std::int64_t T = cfg.context_length;
        r.tokens_per_sample = T;
        std::vector<std::int64_t> ids(r.B * T), tg(r.B * T);
        for (std::int64_t i = 0; i < r.B * T; ++i) ids[i] = (i * 7 + 3) % 73, tg[i] = (i * 7 + 10) % 73;
        auto x = std::make_shared<Tensor>(Tensor::from_vector<std::int64_t>(ids, {r.B, T}));
        auto y = std::make_shared<Tensor>(Tensor::from_vector<std::int64_t>(tg, {r.B, T}));
        models::GPT* gm = m.get();
        r.loss = [gm, x, y](std::int64_t lo, std::int64_t hi) {
            return gm->loss(x->narrow(0, lo, hi - lo), y->narrow(0, lo, hi - lo));
        };
        r.model = std::move(m);
    }
    return r;
}

// This process's part of a data-parallel run (under mpirun, or alone): JSON on rank 0.
int measure(const DistBenchOptions& o) {
    runtime::init_blis();
    dist::Communicator& comm = dist::world();
    Generator gen(1);
    Reference ref = make_reference(o.model, gen);
    optim::AdamW opt(optim::default_param_groups(ref.model->named_parameters(), 0.05), {.lr = 1e-4});
    dist::DataParallel dp(comm, opt, {});
    std::vector<double> step_s, reduce_s;
    for (int i = 0; i < o.warmup + o.steps; ++i) {
        comm.barrier("bench barrier");
        const auto t0 = clock_::now();
        if (!dp.active()) {
            Tensor loss = ref.loss(0, ref.B);
            opt.zero_grad();
            loss.backward();
        } else {
            dp.step(i, 0, [&](std::int64_t k, double*) {
                const auto [lo, hi] = dist::DataParallel::rows(ref.B, dp.micro_batches(), k);
                (ref.loss(lo, hi) * (static_cast<double>(hi - lo) / ref.B)).backward();
            });
        }
        opt.step();
        if (i < o.warmup) continue;
        step_s.push_back(std::chrono::duration<double>(clock_::now() - t0).count());
        reduce_s.push_back(dp.active() ? dp.last_reduce_seconds() : 0.0);
    }
    // the reduction alone, all ranks ready (in the steps it also waits for the slowest rank's backward)
    std::vector<float> grads(static_cast<std::size_t>(dp.gradient_floats()), 1.0f);
    std::vector<double> pure_s;
    for (int i = 0; i < 5 && comm.size() > 1; ++i) {
        comm.barrier("bench barrier");
        const auto t0 = clock_::now();
        comm.allreduce_sum(grads.data(), static_cast<std::int64_t>(grads.size()), "bench allreduce");
        pure_s.push_back(std::chrono::duration<double>(clock_::now() - t0).count());
    }
    if (!comm.is_main()) return 0;
    const double step = median(step_s);
    const nlohmann::json j = {{"model", o.model},
                              {"ranks", comm.size()},
                              {"threads_per_rank", runtime::num_threads()},
                              {"global_batch", ref.B},
                              {"step_ms", step * 1e3},
                              {"samples_per_s", ref.B / step},
                              {"tokens_per_s", ref.B * ref.tokens_per_sample / step},
                              {"reduce_in_step_ms", median(reduce_s) * 1e3},
                              {"allreduce_ms", median(pure_s) * 1e3},
                              {"gradient_mb", dp.gradient_floats() * 4.0 / 1e6},
                              {"buckets", dp.num_buckets()},
                              {"buckets_started_in_backward", dp.last_buckets_in_backward()},
                              {"steps", o.steps}};
    std::printf("%s\n", j.dump().c_str());
    return 0;
}

// Runs `cmd`, returns the last line of its output that is a JSON object (null when none).
nlohmann::json last_json(const std::string& cmd) {
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) throw Error("bench dist", "cannot start: ", cmd);
    std::string out;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    const int st = pclose(p);
    nlohmann::json j;
    std::size_t pos = 0;
    while (pos < out.size()) {
        const std::size_t end = std::min(out.find('\n', pos), out.size());
        const std::string line = out.substr(pos, end - pos);
        if (!line.empty() && line[0] == '{') j = nlohmann::json::parse(line, nullptr, false);
        pos = end + 1;
    }
    if (st != 0 || j.is_null() || j.is_discarded())
        throw Error("bench dist", "`", cmd, "` failed (status ", st, "): ", out.substr(0, 2000));
    return j;
}

}  // namespace

int run_dist(const DistBenchOptions& o) {
    if (o.measure) return measure(o);
    const std::string self = "/proc/self/exe";
    char exe[4096];
    const ssize_t n = readlink(self.c_str(), exe, sizeof exe - 1);
    PRISM_CHECK(n > 0, "bench dist", "cannot find the prism program (/proc/self/exe)");
    const std::string prog(exe, static_cast<std::size_t>(n));
    const char* mpirun = std::getenv("PRISM_MPIRUN");
    const std::string launcher = mpirun ? mpirun
                                        : "mpirun --allow-run-as-root --oversubscribe --bind-to none --mca btl self,vader "
                                          "--mca btl_vader_single_copy_mechanism none";
    nlohmann::json all = nlohmann::json::array();
    const std::vector<std::string> models = o.model == "both" ? std::vector<std::string>{"vit", "gpt"}
                                                              : std::vector<std::string>{o.model};
    for (const auto& m : models) {
        const std::string args = " bench dist --measure --model " + m + " --steps " + std::to_string(o.steps) +
                                 " --warmup " + std::to_string(o.warmup) + " 2>&1";
        // alternate the two layouts (A B A B): the machine is shared and noisy
        for (int rep = 0; rep < o.repeats; ++rep) {
            all.push_back(last_json(prog + " --threads 2" + args));
            all.push_back(last_json(launcher + " -np 2 " + prog + " --threads 1" + args));
        }
    }
    if (o.json) {
        std::printf("%s\n", all.dump().c_str());
        return 0;
    }
    std::printf("%-4s %-18s %9s %11s %12s %16s %14s %12s\n", "", "layout", "step ms", "samples/s", "tokens/s",
                "reduce in step", "allreduce ms", "gradient MB");
    for (const auto& j : all) {
        const std::string layout = std::to_string(j["ranks"].get<int>()) + " rank" + (j["ranks"] == 1 ? "" : "s") +
                                   " x " + std::to_string(j["threads_per_rank"].get<int>()) + " thr";
        std::printf("%-4s %-18s %9.1f %11.1f %12.0f %16.2f %14.2f %12.1f\n", j["model"].get<std::string>().c_str(),
                    layout.c_str(), j["step_ms"].get<double>(), j["samples_per_s"].get<double>(),
                    j["tokens_per_s"].get<double>(), j["reduce_in_step_ms"].get<double>(),
                    j["allreduce_ms"].get<double>(), j["gradient_mb"].get<double>());
    }
    return 0;
}

}  // namespace prism::bench
