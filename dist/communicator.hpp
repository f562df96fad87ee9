// Communicator: the processes of one data-parallel job, and the collectives they run together.
//
// Every process ("rank" 0 .. size()-1) runs the same program on its own part of the data; the
// collectives below combine their buffers. Two implementations behind one interface:
//   - MpiCommunicator (dist/mpi_communicator.cpp, built when meson finds MPI: PRISM_HAVE_MPI),
//     used when the program was started by mpirun (world() looks at the launcher's variables);
//   - SerialCommunicator: one rank, every collective a copy or nothing. A plain `prism train`
//     and every library user that never mentions dist get this one.
// So the same binary runs with or without mpirun.
//
// Failure model. A rank that dies or hangs must not leave the others waiting for ever: the MPI
// implementation returns errors instead of aborting (MPI_ERRORS_RETURN), and every collective is
// started non-blocking and polled against a deadline (set_timeout, `--collective-timeout`). A
// collective that does not finish in time throws dist::CollectiveTimeout naming the collective
// (`what`, e.g. "allreduce of gradients at step 12"); the program then calls abort(), which ends
// every rank of the job (MPI_Abort) with that one line as the explanation.
//
// Buffers are float32 (gradient slabs) or raw bytes; sizes are element counts of one rank's part.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "prism/core/error.hpp"

namespace prism::dist {

// A collective that did not complete within the timeout (a rank is dead or hung).
class CollectiveTimeout : public Error {
   public:
    using Error::Error;
};

// An error every rank raises identically (a check of data the ranks exchanged, e.g. diverged
// parameters): only rank 0 needs to report it.
class SameOnEveryRank : public Error {
   public:
    using Error::Error;
};

class Communicator {
   public:
    virtual ~Communicator() = default;

    virtual int rank() const = 0;
    virtual int size() const = 0;
    bool is_main() const { return rank() == 0; }  // the rank that writes logs and checkpoints
    virtual std::string backend() const = 0;       // "serial" | "mpi"

    // data[0..n) <- the sum over ranks of data[0..n) (MPI_SUM; the order of additions is the
    // library's: use allgather + a fixed-order sum when it must not matter).
    virtual void allreduce_sum(float* data, std::int64_t n, const std::string& what) = 0;
    // recv[r * n .. (r + 1) * n) <- rank r's send[0..n), on every rank. recv holds size() * n.
    virtual void allgather(const float* send, float* recv, std::int64_t n, const std::string& what) = 0;
    virtual void allgather_bytes(const void* send, void* recv, std::size_t bytes, const std::string& what) = 0;
    // data[0..bytes) <- root's, on every rank.
    virtual void broadcast(void* data, std::size_t bytes, int root, const std::string& what) = 0;
    virtual void barrier(const std::string& what) = 0;

    // Non-blocking forms: start now, then test() (progresses it; true once done) or wait() (until
    // done or the timeout). Buffers stay in use until then. Every rank must start the same
    // collectives in the same order; they may finish in any order.
    using Request = std::int64_t;
    virtual Request start_allreduce_sum(float* data, std::int64_t n, const std::string& what) = 0;
    virtual Request start_allgather(const float* send, float* recv, std::int64_t n, const std::string& what) = 0;
    virtual bool test(Request r) = 0;
    virtual void wait(Request r) = 0;
    // Ends every rank of the job with `code` (after this rank printed why). Serial: std::exit.
    [[noreturn]] virtual void abort(int code) = 0;

    // Seconds a collective may take before CollectiveTimeout (default 300; <= 0: wait for ever).
    void set_timeout(double seconds) { timeout_s_ = seconds; }
    double timeout() const { return timeout_s_; }

   protected:
    double timeout_s_ = 300;
};

class SerialCommunicator final : public Communicator {
   public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    std::string backend() const override { return "serial"; }
    void allreduce_sum(float*, std::int64_t, const std::string&) override {}
    void allgather(const float* send, float* recv, std::int64_t n, const std::string& what) override;
    void allgather_bytes(const void* send, void* recv, std::size_t bytes, const std::string& what) override;
    void broadcast(void*, std::size_t, int, const std::string&) override {}
    void barrier(const std::string&) override {}
    Request start_allreduce_sum(float*, std::int64_t, const std::string&) override { return 0; }
    Request start_allgather(const float* send, float* recv, std::int64_t n, const std::string& what) override {
        allgather(send, recv, n, what);
        return 0;
    }
    bool test(Request) override { return true; }
    void wait(Request) override {}
    [[noreturn]] void abort(int code) override;
};

// True when this process was started by an MPI launcher (mpirun / mpiexec / srun with PMIx).
bool launched_by_mpi();
// True when this build has MPI (meson found it: PRISM_HAVE_MPI).
bool have_mpi();

// The job's communicator, created on first use: MPI when launched_by_mpi() and have_mpi(),
// else serial. Under mpirun without MPI support in the build it throws (every rank would
// otherwise train the whole model alone and write the same files).
Communicator& world();
// True once world() has been created with more than one rank (the error path then aborts the job).
bool world_is_distributed();

}  // namespace prism::dist
