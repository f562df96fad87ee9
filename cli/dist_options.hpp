// The data-parallel options of `prism train vit|gpt` and what the commands do under mpirun.
//
//   mpirun -np 2 prism train gpt --batch-size 32 [--micro-batches 2] [--deterministic-reduce]
//
// join_world() starts the job's communicator (MPI when started by mpirun, else alone) and
// returns it for the trainer's ClassifierOptions/LMOptions::comm; end_job() is the exit path
// of a failed command: under mpirun it ends every rank (MPI_Abort), so no rank is left waiting.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>

#include "prism/dist/communicator.hpp"
#include "prism/dist/data_parallel.hpp"

namespace prism::cli {

struct DistArgs {
    dist::DataParallelOptions dp;
    double collective_timeout = 300;  // seconds
};

void add_dist_options(CLI::App* cmd, DistArgs& a);

// dist::world() with the timeout applied; nullptr when this process runs alone (one rank), so
// the trainers keep their plain single-process path unless --micro-batches asks otherwise.
// Under mpirun without --threads / PRISM_NUM_THREADS, each rank takes its share of the cores
// (cores / ranks on this host), so 2 ranks on 2 cores run 1 thread each, not 2.
dist::Communicator* join_world(const DistArgs& a);
void share_cores_between_local_ranks();

// Returns `code`, after ending the whole job when this process is one of several ranks.
int end_job(int code);

}  // namespace prism::cli
