#include "prism/dist/communicator.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#ifdef PRISM_HAVE_MPI
#include "prism/dist/mpi_communicator.hpp"
#endif

namespace prism::dist {

void SerialCommunicator::allgather(const float* send, float* recv, std::int64_t n, const std::string&) {
    if (recv != send) std::memmove(recv, send, static_cast<std::size_t>(n) * sizeof(float));
}

void SerialCommunicator::allgather_bytes(const void* send, void* recv, std::size_t bytes, const std::string&) {
    if (recv != send) std::memmove(recv, send, bytes);
}

void SerialCommunicator::abort(int code) {
    std::fflush(stdout);
    std::exit(code);
}

bool launched_by_mpi() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
        if (std::getenv(v)) return true;
    return false;
}

bool have_mpi() {
#ifdef PRISM_HAVE_MPI
    return true;
#else
    return false;
#endif
}

namespace {
std::unique_ptr<Communicator>& world_ptr() {
    static std::unique_ptr<Communicator> w;
    return w;
}
}  // namespace

Communicator& world() {
    auto& w = world_ptr();
    if (w) return *w;
    if (launched_by_mpi()) {
#ifdef PRISM_HAVE_MPI
        w = make_mpi_world();
#else
        throw Error("dist", "started by an MPI launcher, but this prism was built without MPI (install "
                    "libopenmpi-dev and reconfigure: meson finds it as an optional dependency)");
#endif
    } else {
        w = std::make_unique<SerialCommunicator>();
    }
    return *w;
}

bool world_is_distributed() { return world_ptr() && world_ptr()->size() > 1; }

}  // namespace prism::dist
