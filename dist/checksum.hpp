// Cheap checksums that tell whether ranks hold bitwise the same values, and the check that
// compares them across ranks naming the first entry that differs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "prism/dist/communicator.hpp"

namespace prism::dist {

// FNV-1a over the bit patterns of x[0..n) (so -0.0 != 0.0 and NaNs are told apart): equal
// checksums mean equal bits with overwhelming probability.
std::uint64_t checksum(const float* x, std::int64_t n);

// Compares checksums[i] (one per names[i]) across all ranks. Throws SameOnEveryRank on the first
// i where some rank differs from rank 0: "<what>: 'blocks.3.attn.qkv.weight' differs between
// rank 0 and rank 1 (checksums ... and ...)". Every rank throws the same message.
void check_same(Communicator& comm, const std::vector<std::string>& names, const std::vector<std::uint64_t>& checksums,
                const std::string& what);

}  // namespace prism::dist
