// MpiCommunicator: Communicator over MPI_COMM_WORLD. Each collective is started non-blocking
// (MPI_Iallreduce, MPI_Iallgather, MPI_Ibcast, MPI_Ibarrier) and polled with MPI_Test until it
// completes or the deadline passes, so a dead or hung rank becomes CollectiveTimeout, not a hang.
#include "prism/dist/mpi_communicator.hpp"

// The C API only: the deprecated C++ bindings warn under -Wextra and are not used.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>

namespace prism::dist {

namespace {

std::string mpi_error(int rc) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) return "MPI error " + std::to_string(rc);
    return std::string(text, static_cast<std::size_t>(len));
}

class MpiCommunicator final : public Communicator {
   public:
    MpiCommunicator() {
        int provided = 0;
        const int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
        if (rc != MPI_SUCCESS) throw Error("dist", "MPI_Init_thread failed: ", mpi_error(rc));
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
        std::atexit([] {  // normal exit only; an error path calls abort() instead
            int finalized = 0;
            MPI_Finalized(&finalized);
            if (!finalized) MPI_Finalize();
        });
    }

    int rank() const override { return rank_; }
    int size() const override { return size_; }
    std::string backend() const override { return "mpi"; }

    void allreduce_sum(float* data, std::int64_t n, const std::string& what) override {
        wait(start_allreduce_sum(data, n, what));
    }

    void allgather(const float* send, float* recv, std::int64_t n, const std::string& what) override {
        wait(start_allgather(send, recv, n, what));
    }

    Request start_allreduce_sum(float* data, std::int64_t n, const std::string& what) override {
        MPI_Request req;
        check(MPI_Iallreduce(MPI_IN_PLACE, data, count(n, what), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &req), what);
        return keep(req, what);
    }

    Request start_allgather(const float* send, float* recv, std::int64_t n, const std::string& what) override {
        MPI_Request req;
        check(MPI_Iallgather(send, count(n, what), MPI_FLOAT, recv, count(n, what), MPI_FLOAT, MPI_COMM_WORLD, &req),
              what);
        return keep(req, what);
    }

    bool test(Request r) override {
        auto it = pending_.find(r);
        if (it == pending_.end()) return true;
        int done = 0;
        check(MPI_Test(&it->second.req, &done, MPI_STATUS_IGNORE), it->second.what);
        if (done) pending_.erase(it);
        return done != 0;
    }

    void wait(Request r) override {
        auto it = pending_.find(r);
        if (it == pending_.end()) return;
        const Pending p = it->second;
        pending_.erase(it);
        MPI_Request req = p.req;
        wait(req, p.what);
    }

    void allgather_bytes(const void* send, void* recv, std::size_t bytes, const std::string& what) override {
        MPI_Request req;
        const int c = count(static_cast<std::int64_t>(bytes), what);
        check(MPI_Iallgather(send, c, MPI_BYTE, recv, c, MPI_BYTE, MPI_COMM_WORLD, &req), what);
        wait(req, what);
    }

    void broadcast(void* data, std::size_t bytes, int root, const std::string& what) override {
        MPI_Request req;
        check(MPI_Ibcast(data, count(static_cast<std::int64_t>(bytes), what), MPI_BYTE, root, MPI_COMM_WORLD, &req),
              what);
        wait(req, what);
    }

    void barrier(const std::string& what) override {
        MPI_Request req;
        check(MPI_Ibarrier(MPI_COMM_WORLD, &req), what);
        wait(req, what);
    }

    [[noreturn]] void abort(int code) override {
        std::fflush(stdout);
        std::fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, code);
        std::_Exit(code);  // MPI_Abort does not return; this is for the compiler
    }

   private:
    int count(std::int64_t n, const std::string& what) const {
        PRISM_CHECK(n >= 0 && n <= INT_MAX, "dist", what, ": ", n, " elements is more than one MPI call takes (",
                    INT_MAX, ")");
        return static_cast<int>(n);
    }

    void check(int rc, const std::string& what) const {
        if (rc != MPI_SUCCESS) throw Error("dist", "rank ", rank_, ": ", what, " failed: ", mpi_error(rc));
    }

    // Polls `req` until done or the deadline. MPI progresses a non-blocking collective only
    // inside MPI calls, so the loop keeps calling MPI_Test, yielding the core between tests for
    // the first second (a large allreduce needs many progress calls: sleeping there made a 21 MB
    // allreduce several times slower), then sleeping between tests, up to 10 ms when a rank has
    // waited for long (the study's final gather), so a waiting rank leaves the cores to the ranks
    // still computing.
    void wait(MPI_Request& req, const std::string& what) {
        using clock = std::chrono::steady_clock;
        const auto t0 = clock::now();
        for (;;) {
            int done = 0;
            check(MPI_Test(&req, &done, MPI_STATUS_IGNORE), what);
            if (done) return;
            const double waited = std::chrono::duration<double>(clock::now() - t0).count();
            if (timeout_s_ > 0 && waited > timeout_s_)
                throw CollectiveTimeout("dist", "rank ", rank_, " of ", size_, ": ", what, " did not finish within ",
                                        timeout_s_, " s (--collective-timeout): another rank is dead or hung");
            if (waited > 1.0) {
                const double pause = std::clamp(waited / 1000, 1e-4, 1e-2);
                std::this_thread::sleep_for(std::chrono::duration<double>(pause));
            } else {
                std::this_thread::yield();
            }
        }
    }

    struct Pending {
        MPI_Request req;
        std::string what;
    };
    Request keep(MPI_Request req, const std::string& what) {
        pending_[next_id_] = {req, what};
        return next_id_++;
    }

    int rank_ = 0, size_ = 1;
    std::map<Request, Pending> pending_;  // started, not yet seen complete
    Request next_id_ = 1;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_world() { return std::make_unique<MpiCommunicator>(); }

}  // namespace prism::dist
