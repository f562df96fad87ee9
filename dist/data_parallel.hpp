// DataParallel: synchronous data-parallel training over a Communicator, PyTorch's
// DistributedDataParallel reduced to what prism's trainers need.
//
// One global step of a global batch of n samples, split into S micro-batches (S = the
// --micro-batches setting, by default one per rank; a multiple of the rank count N):
//   micro-batch k holds rows [k n / S, (k + 1) n / S) of the global batch (rows(n, S, k));
//   rank r computes micro-batches [r S/N, (r + 1) S/N), each as: zeroed grad slab ->
//     forward -> loss_k * (rows in k / n) -> backward; the slab is folded into this rank's
//     sum in order of k (with one micro-batch per rank, the slab is that sum);
//   the ranks' sums are added: MPI_Allreduce (fast, the library's order of additions), or with
//     deterministic_reduce an allgather and a sum in rank order on every rank. The slabs are
//     reduced in buckets of about bucket_mb, each started (non-blocking) during the last
//     micro-batch's backward as soon as all of its parameters' gradients are final
//     (autograd/backward_hooks.hpp), so communication overlaps the rest of backward. Buckets
//     start in one fixed order on every rank (the weight-decay group from its last parameter
//     back, then the other group), a bucket ready early waiting for the ones before it;
//   every rank then holds the gradient of the mean loss over the whole global batch, clips and
//   steps its optimizer identically, so parameters stay equal (check_parameters verifies it).
//
// What is bitwise equal (tested in tests/dist): N ranks with one micro-batch each and
// deterministic_reduce give exactly the parameters and losses of one process with
// micro_batches = N and the same global batch (the same micro-batch gradients, added in the
// same order; the thread count does not change a gradient, README "Determinism"). With several
// micro-batches per rank the per-rank sums change the association of the additions: equal
// within rounding only. Two runs with the same rank count and settings are bitwise equal in
// either reduce mode (Open MPI picks its allreduce algorithm by message size and rank count).
// A run with micro_batches 1 on one rank does not use this class at all: the trainers keep
// their plain step, bitwise what it was before dist existed.
//
// Randomness (dropout, drop-path): micro-batch k of step s draws from the default generator
// re-seeded with a hash of (its seed, s, k), and the generator is restored afterwards, so the
// masks do not depend on which rank computes which micro-batch.
//
// Fault injection for the tests (tests/dist): PRISM_DIST_FAULT=KIND:RANK:STEP makes rank RANK, in
// step STEP (1-based), kill itself (KIND kill: SIGKILL), hang (hang: stops calling MPI), or
// change one gradient value of its last parameter after the reduction (perturb: the ranks'
// parameters then differ, which check_parameters must name).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "prism/dist/communicator.hpp"
#include "prism/optim/optimizer.hpp"

namespace prism::dist {

struct DataParallelOptions {
    std::int64_t micro_batches = 0;    // per global batch over all ranks; 0: one per rank
    bool deterministic_reduce = false;  // fixed-order sum of the ranks' gradients (allgather)
    std::int64_t check_every = 100;     // compare parameter checksums every N steps (0: only at the start)
    double bucket_mb = 4;               // gradient bucket size (MB of float32) reduced as one message
};

class DataParallel {
   public:
    // Throws prism::Error when micro_batches is not a multiple of comm.size().
    DataParallel(Communicator& comm, optim::Optimizer& opt, DataParallelOptions o);

    // False for one rank with one micro-batch: the caller's plain step applies.
    bool active() const { return S_ > 1 || comm_.size() > 1; }
    std::int64_t micro_batches() const { return S_; }
    std::int64_t local_micro_batches() const { return S_ / comm_.size(); }
    std::int64_t first_micro_batch() const { return comm_.rank() * local_micro_batches(); }
    Communicator& comm() const { return comm_; }

    // Rows [first, second) of part k of parts parts of n rows: [k n / parts, (k + 1) n / parts).
    static std::pair<std::int64_t, std::int64_t> rows(std::int64_t n, std::int64_t parts, std::int64_t k);

    // One global step. micro(k, stats) runs forward and backward of global micro-batch k (one of
    // this rank's), its loss scaled by its share of the global batch, and adds its numbers to
    // stats[0 .. nstats) (e.g. the scaled loss, the correct predictions). Afterwards every
    // rank's grad slab holds the gradient of the whole global batch, and the returned vector
    // holds the stats summed over all S micro-batches in order of k (identical on every rank).
    std::vector<double> step(std::int64_t global_step, std::size_t nstats,
                             const std::function<void(std::int64_t k, double* stats)>& micro);

    // Wall time of the last step's gradient reduction after backward (the part of the allreduce
    // or allgather + sum that backward did not hide), seconds.
    double last_reduce_seconds() const { return reduce_s_; }
    // Floats one rank sends into the reduction per step (all groups' slabs, padding included).
    std::int64_t gradient_floats() const;

    // Compares a checksum of every parameter across ranks; throws naming the first (dotted
    // name) that differs. `when` goes into the message ("step 40").
    void check_parameters(const std::string& when);
    // check_parameters every check_every steps (and never at step 0 unless asked directly).
    void maybe_check(std::int64_t step);

    std::size_t num_buckets() const { return buckets_.size(); }
    // Buckets of the last step whose reduction started during backward (the rest started after it).
    std::size_t last_buckets_in_backward() const { return in_backward_; }

   private:
    struct Bucket {
        std::size_t group = 0;
        std::int64_t begin = 0, end = 0;  // floats within the group's slabs
        int waiting = 0;                  // parameters whose gradient is not final yet (this step)
        bool launched = false;
        Communicator::Request req = 0;
        std::vector<float> gathered;      // deterministic_reduce: every rank's part
    };
    void start_step_buckets();
    void launch_ready(std::int64_t global_step);           // buckets next in order whose gradients are final
    void launch(Bucket& b, std::int64_t global_step);
    void finish_reduction(std::int64_t global_step);       // launch the rest, wait, fixed-order sums
    void inject_fault(std::int64_t step);  // PRISM_DIST_FAULT (see above)

    Communicator& comm_;
    optim::Optimizer& opt_;
    DataParallelOptions o_;
    std::int64_t S_ = 1;
    std::vector<std::vector<float>> acc_;  // per group: this rank's sum over its micro-batches (when > 1)
    std::vector<Bucket> buckets_;          // in launch order
    std::size_t next_launch_ = 0, in_backward_ = 0;
    std::unordered_map<const TensorImpl*, std::size_t> bucket_of_;  // parameter -> bucket
    std::string fault_;                    // PRISM_DIST_FAULT kind, "" when unset
    std::int64_t fault_rank_ = -1, fault_step_ = -1;
    double reduce_s_ = 0;
};

}  // namespace prism::dist
