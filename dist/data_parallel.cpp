#include "prism/dist/data_parallel.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

#include "prism/autograd/backward_hooks.hpp"
#include "prism/core/rng.hpp"
#include "prism/dist/checksum.hpp"

namespace prism::dist {

namespace {
std::uint64_t mix(std::uint64_t h, std::uint64_t v) {  // splitmix64 step
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h += 0x9e3779b97f4a7c15ull;
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

std::string at_step(std::int64_t s) { return " at step " + std::to_string(s); }
}  // namespace

DataParallel::DataParallel(Communicator& comm, optim::Optimizer& opt, DataParallelOptions o)
    : comm_(comm), opt_(opt), o_(o) {
    const std::int64_t N = comm.size();
    S_ = o.micro_batches > 0 ? o.micro_batches : N;
    PRISM_CHECK(S_ % N == 0, "dist", "--micro-batches ", S_, " is not a multiple of the ", N,
                " ranks (each rank takes the same number of micro-batches)");
    if (const char* f = std::getenv("PRISM_DIST_FAULT")) {
        const std::string spec = f;
        const auto a = spec.find(':'), b = spec.rfind(':');
        PRISM_CHECK(a != std::string::npos && b > a, "dist", "PRISM_DIST_FAULT: '", spec,
                    "' is not KIND:RANK:STEP (KIND kill | hang | perturb)");
        fault_ = spec.substr(0, a);
        fault_rank_ = std::stoll(spec.substr(a + 1, b - a - 1));
        fault_step_ = std::stoll(spec.substr(b + 1));
    }
    if (local_micro_batches() > 1)
        for (std::size_t g = 0; g < opt.num_groups(); ++g) acc_.emplace_back(static_cast<std::size_t>(opt.slab_size(g)));
    // Buckets: runs of consecutive parameters of one group, from the group's last parameter back
    // (backward finishes the last layers first), each closed once it holds bucket_mb.
    const auto slots = opt.slots();
    const auto params = opt.params();  // same order as slots()
    const auto limit = static_cast<std::int64_t>(std::max(1.0, o.bucket_mb * 1e6 / sizeof(float)));
    for (std::size_t g = 0; g < opt.num_groups(); ++g) {
        std::int64_t boundary = opt.slab_size(g);  // where the bucket being filled ends
        Bucket cur;
        for (std::size_t i = slots.size(); i-- > 0;) {
            if (slots[i].group != g) continue;
            if (cur.waiting == 0) cur.group = g, cur.end = boundary;
            cur.begin = slots[i].offset;  // the padding after a parameter goes with it
            bucket_of_[params[i].get()] = buckets_.size();
            ++cur.waiting;
            if (cur.end - cur.begin >= limit || cur.begin == 0) {
                boundary = cur.begin;
                buckets_.push_back(cur);
                cur = Bucket();
            }
        }
    }
}

std::pair<std::int64_t, std::int64_t> DataParallel::rows(std::int64_t n, std::int64_t parts, std::int64_t k) {
    return {k * n / parts, (k + 1) * n / parts};
}

std::vector<double> DataParallel::step(std::int64_t global_step, std::size_t nstats,
                                       const std::function<void(std::int64_t, double*)>& micro) {
    const std::int64_t M = local_micro_batches(), k0 = first_micro_batch();
    const Generator::State base = default_generator().state();
    std::vector<double> local(nstats, 0.0);
    opt_.zero_grad();
    opt_.grads_to_slab(/*define_all=*/true);
    start_step_buckets();
    for (std::int64_t m = 0; m < M; ++m) {
        const std::int64_t k = k0 + m;
        const bool last = m == M - 1;
        if (m > 0)
            for (std::size_t g = 0; g < opt_.num_groups(); ++g)
                std::memset(opt_.grad_slab(g), 0, static_cast<std::size_t>(opt_.slab_size(g)) * sizeof(float));
        default_generator().set_state({mix(mix(base.seed, static_cast<std::uint64_t>(global_step)),
                                           static_cast<std::uint64_t>(k)), 0});
        std::vector<double> stats(nstats, 0.0);
        {
            // the last micro-batch's backward starts each bucket's reduction once its gradients are final
            std::optional<BackwardHooksScope> hooks;
            if (last && fault_step_ != global_step + 1)
                hooks.emplace(BackwardHooks{[&](TensorImpl* leaf) {
                                                const auto it = bucket_of_.find(leaf);
                                                if (it == bucket_of_.end()) return;
                                                if (--buckets_[it->second].waiting == 0) launch_ready(global_step);
                                            },
                                            [&] {
                                                for (std::size_t b = 0; b < next_launch_; ++b)
                                                    if (buckets_[b].req) comm_.test(buckets_[b].req);
                                            }});
            micro(k, stats.data());
            if (last) in_backward_ = next_launch_;
        }
        for (std::size_t i = 0; i < nstats; ++i) local[i] += stats[i];
        // backward may have replaced a grad that was not the slab's only holder: back into the slab
        opt_.grads_to_slab(/*define_all=*/true);
        if (M > 1 && !last)
            for (std::size_t g = 0; g < opt_.num_groups(); ++g) {
                const float* s = opt_.grad_slab(g);
                float* a = acc_[g].data();
                const std::int64_t n = opt_.slab_size(g);
                if (m == 0) std::memcpy(a, s, static_cast<std::size_t>(n) * sizeof(float));
                else
                    for (std::int64_t i = 0; i < n; ++i) a[i] += s[i];
            }
    }
    default_generator().set_state(base);
    inject_fault(global_step + 1);
    const auto t0 = std::chrono::steady_clock::now();
    finish_reduction(global_step);
    reduce_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (fault_ == "perturb" && fault_rank_ == comm_.rank() && fault_step_ == global_step + 1) {
        const auto slots = opt_.slots();
        opt_.grad_slab(slots.back().group)[slots.back().offset] += 1.0f;
    }
    // the stats: per-rank sums, added in rank order (the same order one process adds micro-batches)
    const int N = comm_.size();
    if (N == 1 || nstats == 0) return local;
    std::vector<double> all(nstats * static_cast<std::size_t>(N));
    comm_.allgather_bytes(local.data(), all.data(), nstats * sizeof(double), "allgather of step statistics" + at_step(global_step + 1));
    std::vector<double> total(nstats, 0.0);
    for (int r = 0; r < N; ++r)
        for (std::size_t i = 0; i < nstats; ++i) total[i] += all[r * nstats + i];
    return total;
}

void DataParallel::inject_fault(std::int64_t step) {
    if (fault_.empty() || fault_rank_ != comm_.rank() || fault_step_ != step) return;
    if (fault_ == "kill") ::raise(SIGKILL);
    if (fault_ == "hang")
        for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

void DataParallel::start_step_buckets() {
    for (auto& b : buckets_) b.waiting = 0, b.launched = false, b.req = 0;
    for (const auto& [impl, b] : bucket_of_) ++buckets_[b].waiting;
    next_launch_ = 0;
}

void DataParallel::launch_ready(std::int64_t global_step) {
    while (next_launch_ < buckets_.size() && buckets_[next_launch_].waiting <= 0) launch(buckets_[next_launch_++], global_step);
}

// This rank's final gradient for the bucket (with several micro-batches, the earlier ones' sum
// plus the last one's), then its reduction started.
void DataParallel::launch(Bucket& b, std::int64_t global_step) {
    opt_.grads_to_slab(/*define_all=*/true);  // a grad backward did not write in place: into the slab
    float* s = opt_.grad_slab(b.group) + b.begin;
    const std::int64_t n = b.end - b.begin;
    if (local_micro_batches() > 1) {
        const float* a = acc_[b.group].data() + b.begin;
        for (std::int64_t i = 0; i < n; ++i) s[i] = a[i] + s[i];
    }
    b.launched = true;
    const int N = comm_.size();
    if (N == 1) return;
    const std::string what = "allreduce of gradients" + at_step(global_step + 1);
    if (o_.deterministic_reduce) {
        b.gathered.resize(static_cast<std::size_t>(n) * N);
        b.req = comm_.start_allgather(s, b.gathered.data(), n, what);
    } else {
        b.req = comm_.start_allreduce_sum(s, n, what);
    }
}

void DataParallel::finish_reduction(std::int64_t global_step) {
    // buckets no gradient reached (unused parameters, an empty micro-batch), in the same order
    while (next_launch_ < buckets_.size()) launch(buckets_[next_launch_++], global_step);
    const int N = comm_.size();
    for (auto& b : buckets_) {
        if (N == 1) continue;
        comm_.wait(b.req);
        if (!o_.deterministic_reduce) continue;
        float* s = opt_.grad_slab(b.group) + b.begin;
        const std::int64_t n = b.end - b.begin;
        std::memcpy(s, b.gathered.data(), static_cast<std::size_t>(n) * sizeof(float));
        for (int r = 1; r < N; ++r) {
            const float* o = b.gathered.data() + static_cast<std::size_t>(r) * n;
            for (std::int64_t i = 0; i < n; ++i) s[i] += o[i];
        }
    }
}

std::int64_t DataParallel::gradient_floats() const {
    std::int64_t n = 0;
    for (std::size_t g = 0; g < opt_.num_groups(); ++g) n += opt_.slab_size(g);
    return n;
}

void DataParallel::check_parameters(const std::string& when) {
    if (comm_.size() == 1) return;
    std::vector<std::string> names;
    std::vector<std::uint64_t> sums;
    for (const auto& s : opt_.slots()) {
        names.push_back(s.name);
        sums.push_back(checksum(opt_.param_slab(s.group) + s.offset, s.numel));
    }
    check_same(comm_, names, sums, "parameters diverged " + when);
}

void DataParallel::maybe_check(std::int64_t step) {
    if (o_.check_every > 0 && step % o_.check_every == 0) check_parameters("at step " + std::to_string(step));
}

}  // namespace prism::dist
