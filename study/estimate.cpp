#include "prism/study/estimate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "prism/autograd/functions.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/data/split.hpp"
#include "prism/optim/adamw.hpp"
#include "prism/study/study_files.hpp"

namespace prism::study {

ThroughputProbe interpolate(const std::vector<ThroughputProbe>& probes, std::int64_t depth) {
    PRISM_CHECK(!probes.empty(), "study estimate", "no throughput probes");
    if (probes.size() == 1 || depth <= probes.front().depth) {
        auto p = probes.front();
        if (probes.size() == 1 && p.depth > 0 && depth != p.depth) {  // one probe: scale by depth
            const double f = static_cast<double>(depth) / static_cast<double>(p.depth);
            p.train_step_seconds *= f;
            p.forward_sample_seconds *= f;
        }
        p.depth = depth;
        return p;
    }
    if (depth >= probes.back().depth) {
        auto a = probes[probes.size() - 2], b = probes.back();
        const double f = static_cast<double>(depth - a.depth) / static_cast<double>(b.depth - a.depth);
        return {depth, a.train_step_seconds + f * (b.train_step_seconds - a.train_step_seconds),
                a.forward_sample_seconds + f * (b.forward_sample_seconds - a.forward_sample_seconds)};
    }
    for (std::size_t i = 1; i < probes.size(); ++i)
        if (depth <= probes[i].depth) {
            const auto& a = probes[i - 1];
            const auto& b = probes[i];
            const double f = static_cast<double>(depth - a.depth) / static_cast<double>(b.depth - a.depth);
            return {depth, a.train_step_seconds + f * (b.train_step_seconds - a.train_step_seconds),
                    a.forward_sample_seconds + f * (b.forward_sample_seconds - a.forward_sample_seconds)};
        }
    return probes.back();
}

namespace {

// The training images of a run: the same split and stratified fraction run_vit draws.
std::int64_t train_samples_of(const StudyOptions& o, const train::VisionData& d, const RunKey& k) {
    const data::Split split = data::train_val_split(*d.train, o.base.val_fraction, k.seed);
    return static_cast<std::int64_t>(data::stratified_fraction(*d.train, split.train, k.data_fraction, k.seed).size());
}

std::string hm(double seconds) {
    char b[64];
    const auto m = static_cast<long long>(std::llround(seconds / 60));
    if (m >= 60) std::snprintf(b, sizeof b, "%lld h %02lld min", m / 60, m % 60);
    else if (seconds >= 60) std::snprintf(b, sizeof b, "%lld min", m);
    else std::snprintf(b, sizeof b, "%.0f s", seconds);
    return b;
}

}  // namespace

StudyEstimate estimate_from_probes(const StudyOptions& o, const train::VisionData& d,
                                   const std::vector<ThroughputProbe>& probes) {
    StudyEstimate e;
    e.probes = probes;
    std::sort(e.probes.begin(), e.probes.end(), [](auto& a, auto& b) { return a.depth < b.depth; });
    const std::int64_t n_train = d.train->size();
    const std::int64_t val = static_cast<std::int64_t>(std::llround(o.base.val_fraction * static_cast<double>(n_train)));
    const std::int64_t test = o.test_samples > 0 ? std::min(o.test_samples, d.test->size()) : d.test->size();
    const auto B = o.base.batch_size;
    std::map<std::pair<double, std::uint64_t>, std::int64_t> samples;  // (fraction, seed) -> train images
    for (const auto& k : study_grid(o)) {
        RunEstimate r;
        r.key = k;
        auto& n = samples[{k.data_fraction, k.seed}];
        if (n == 0) n = train_samples_of(o, d, k);
        r.train_samples = n;
        const auto epochs = o.epochs_for(k.data_fraction);
        r.steps = epochs * ((n + B - 1) / B);
        r.forward_samples = epochs * val + test * (1 + static_cast<std::int64_t>(o.corruptions.size()));
        const auto p = interpolate(e.probes, k.depth);
        r.seconds = static_cast<double>(r.steps) * p.train_step_seconds +
                    static_cast<double>(r.forward_samples) * p.forward_sample_seconds;
        e.seconds += r.seconds;
        e.runs.push_back(r);
    }
    return e;
}

StudyEstimate estimate_study(const StudyOptions& o, const train::VisionData& d, int probe_steps) {
    PRISM_CHECK(probe_steps >= 1, "study estimate", "probe_steps must be >= 1, got ", probe_steps);
    const auto grid = study_grid(o);
    std::set<std::int64_t> depths{*std::min_element(o.depths.begin(), o.depths.end()),
                                  *std::max_element(o.depths.begin(), o.depths.end())};
    std::vector<ThroughputProbe> probes;
    const std::string kind = o.attention.front();
    for (auto depth : depths) {
        train::VitRunOptions v = o.base;
        v.depth = depth;
        v.attention = o.attention_spec(kind);
        v.qkv_bias = o.qkv_bias;
        v.init = o.init;
        v.init_norm = o.init_norm;
        const auto cfg = train::make_vit_config(v, d);
        manual_seed(0);
        models::ViT model(cfg);
        data::LoaderOptions lo;
        lo.batch_size = o.base.batch_size;
        lo.norm.mean.assign(cfg.input_mean.begin(), cfg.input_mean.end());
        lo.norm.std.assign(cfg.input_std.begin(), cfg.input_std.end());
        lo.prefetch = false;
        data::DataLoader loader(d.train, {}, lo);
        const data::Batch b = loader.make_batch(0, 0);
        optim::AdamW opt(model.named_parameters(), {.lr = 1e-4});
        model.train();
        auto step = [&] {
            Tensor loss = cross_entropy(model.forward(b.images), b.labels);
            opt.zero_grad();
            loss.backward();
            opt.step();
        };
        using clock = std::chrono::steady_clock;
        step();  // warm-up: allocations, BLIS packing buffers
        auto t0 = clock::now();
        for (int i = 0; i < probe_steps; ++i) step();
        ThroughputProbe p;
        p.depth = depth;
        p.train_step_seconds = std::chrono::duration<double>(clock::now() - t0).count() / probe_steps;
        model.eval();
        {
            NoGradGuard ng;
            model.forward(b.images);
            t0 = clock::now();
            model.forward(b.images);
            p.forward_sample_seconds =
                std::chrono::duration<double>(clock::now() - t0).count() / static_cast<double>(b.images.size(0));
        }
        probes.push_back(p);
    }
    auto e = estimate_from_probes(o, d, probes);
    e.probe_kind = kind;
    return e;
}

std::string format_dry_run(const StudyOptions& o, const StudyEstimate& e) {
    std::ostringstream s;
    s << "dry run" << (o.preset_name.empty() ? "" : " (--" + o.preset_name + ")") << ": " << e.runs.size()
      << " runs = " << o.attention.size() << " methods x " << o.depths.size() << " depths x "
      << o.data_fractions.size() << " data fractions x " << o.seeds << " seeds\n";
    s << "methods: ";
    for (std::size_t i = 0; i < o.attention.size(); ++i) s << (i ? ", " : "") << o.attention[i];
    s << "\nqkv bias " << (o.qkv_bias ? "on" : "off") << "; init " << o.init
      << (o.init == "matched" ? " (every head's ||H||_2 = " + csv_num(o.init_norm) + ")" : "")
      << "; batch " << o.base.batch_size << "; test images " << (o.test_samples > 0 ? std::to_string(o.test_samples) : "all")
      << " x (clean + " << o.corruptions.size() << " corrupted)\n";
    s << "throughput probe (" << e.probe_kind << ", measured now):\n";
    for (const auto& p : e.probes) {
        char b[160];
        std::snprintf(b, sizeof b, "  depth %lld: %.3f s per training step (%.0f images/s), %.2f ms per forward image\n",
                      static_cast<long long>(p.depth), p.train_step_seconds,
                      static_cast<double>(o.base.batch_size) / p.train_step_seconds, p.forward_sample_seconds * 1e3);
        s << b;
    }
    s << "grid (per cell: every method x seed):\n";
    std::map<std::pair<double, std::int64_t>, std::pair<double, std::int64_t>> cells;  // -> seconds, runs
    std::map<std::pair<double, std::int64_t>, const RunEstimate*> first;
    for (const auto& r : e.runs) {
        auto& c = cells[{r.key.data_fraction, r.key.depth}];
        c.first += r.seconds;
        ++c.second;
        if (!first.count({r.key.data_fraction, r.key.depth})) first[{r.key.data_fraction, r.key.depth}] = &r;
    }
    for (double f : o.data_fractions)
        for (auto dpt : o.depths) {
            const auto& c = cells[{f, dpt}];
            const RunEstimate* r = first[{f, dpt}];
            char b[256];
            std::snprintf(b, sizeof b, "  fraction %-4s depth %-3lld %3lld runs x %lld epochs (%lld images, %lld steps): "
                          "~%s per run, %s in all\n",
                          csv_num(f).c_str(), static_cast<long long>(dpt), static_cast<long long>(c.second),
                          static_cast<long long>(o.epochs_for(f)), static_cast<long long>(r->train_samples),
                          static_cast<long long>(r->steps), hm(r->seconds).c_str(), hm(c.first).c_str());
            s << b;
        }
    s << "estimated wall time: " << hm(e.seconds) << " (" << static_cast<long long>(std::llround(e.seconds))
      << " s; training steps and evaluation passes only, at the probe's throughput)\n";
    return s.str();
}

}  // namespace prism::study
