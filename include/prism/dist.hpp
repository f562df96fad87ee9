// <prism/dist.hpp>: every public header of the dist/ layer: the Communicator (MPI or serial),
// checksums compared across ranks, and DataParallel (gradients averaged over processes).
#pragma once
#include "prism/dist/checksum.hpp"
#include "prism/dist/communicator.hpp"
#include "prism/dist/data_parallel.hpp"
