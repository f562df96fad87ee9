#include "dist_options.hpp"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "commands.hpp"
#include "prism/core/runtime.hpp"

namespace prism::cli {

void add_dist_options(CLI::App* cmd, DistArgs& a) {
    cmd->add_option("--micro-batches", a.dp.micro_batches,
                    "split each global batch into N micro-batches whose gradients are summed (default: one per MPI "
                    "rank; a multiple of the rank count). One process with N equals N ranks bitwise under "
                    "--deterministic-reduce");
    cmd->add_flag("--deterministic-reduce", a.dp.deterministic_reduce,
                  "under mpirun: add the ranks' gradients in rank order (allgather) instead of MPI_Allreduce, so the "
                  "result does not depend on the MPI library's reduction order");
    cmd->add_option("--check-every", a.dp.check_every,
                    "under mpirun: compare parameter checksums across ranks every N steps (0: only at the start)")
        ->capture_default_str();
    cmd->add_option("--bucket-mb", a.dp.bucket_mb,
                    "under mpirun: gradients are reduced in buckets of this many MB, each started during backward as "
                    "soon as its gradients are final")
        ->capture_default_str();
    cmd->add_option("--collective-timeout", a.collective_timeout,
                    "under mpirun: seconds a collective may wait for the other ranks before the job ends with an "
                    "error naming it (0: wait for ever)")
        ->capture_default_str();
}

void share_cores_between_local_ranks() {
    if (threads_given()) return;
    const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    const int ranks_here = local ? std::atoi(local) : 1;
    if (ranks_here <= 1) return;
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    runtime::set_num_threads(std::max(1, cores / ranks_here));
}

dist::Communicator* join_world(const DistArgs& a) {
    share_cores_between_local_ranks();
    dist::Communicator& w = dist::world();
    w.set_timeout(a.collective_timeout);
    return w.size() > 1 ? &w : nullptr;
}

int end_job(int code) {
    if (dist::world_is_distributed()) dist::world().abort(code);
    return code;
}

}  // namespace prism::cli
