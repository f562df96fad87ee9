// Internal (not installed): the MPI implementation of Communicator, compiled only when meson
// found MPI (PRISM_HAVE_MPI). communicator.cpp's world() is its one user.
#pragma once
#include <memory>

#include "prism/dist/communicator.hpp"

namespace prism::dist {

// MPI_Init_thread (FUNNELED: only the main thread calls MPI; TBB's workers never do),
// MPI_ERRORS_RETURN on MPI_COMM_WORLD, MPI_Finalize at normal exit.
std::unique_ptr<Communicator> make_mpi_world();

}  // namespace prism::dist
