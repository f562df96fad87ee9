// Memory estimates before allocating: a size that cannot fit (depth 1e12 on the command line or
// in a checkpoint's config, a batch of 1e9 images) is refused with the estimate and the memory
// available, instead of growing until the OOM killer ends the process.
//
// Sizes are multiplied with saturating arithmetic: a product that overflows 64 bits becomes
// kSaturated (2^64 - 1), which is larger than any machine's memory and prints as "more than 16 EiB".
#pragma once
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>

namespace prism {

inline constexpr std::uint64_t kSaturated = std::numeric_limits<std::uint64_t>::max();

// a * b and a + b, saturating at kSaturated instead of wrapping. Negative inputs count as 0.
std::uint64_t mul_sat(std::uint64_t a, std::uint64_t b);
std::uint64_t add_sat(std::uint64_t a, std::uint64_t b);
std::uint64_t mul_sat(std::initializer_list<std::int64_t> factors);
std::uint64_t add_sat(std::initializer_list<std::uint64_t> terms);

// Bytes this process can still allocate: MemAvailable from /proc/meminfo (sysconf's free
// physical pages when that file is missing), capped by RLIMIT_AS when one is set.
std::uint64_t available_memory_bytes();

// "1.5 GiB", "812 MiB", "more than 16 EiB" (kSaturated).
std::string format_bytes(std::uint64_t bytes);

// Throws prism::Error(op, what, " needs about <bytes>, more than the <available> available ...")
// when `bytes` exceeds the memory available. `what` names the sizes, e.g.
// "vit config (dim 192, depth 1000000000000): 3.4e16 parameters".
void check_memory(const char* op, const std::string& what, std::uint64_t bytes);

}  // namespace prism
