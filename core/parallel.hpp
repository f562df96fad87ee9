// parallel_for: the one way prism code runs loops on several cores (oneTBB underneath).
//
// Threading policy (see core/runtime.hpp): TBB owns the cores. BLIS is called
// single-threaded, from inside TBB tasks when a GEMM is big enough to split. Chunks are
// fixed by (begin, end, grain) alone, so results never depend on scheduling: a reduction
// combines its per-chunk partials in chunk order.
#pragma once
#include <cstdint>
#include <functional>

namespace prism {

// body(lo, hi) over the chunks [begin + i*grain, begin + (i+1)*grain) covering [begin, end)
// (the last one shorter). The chunks are the same on any thread count (on one thread they
// run inline, in order), so a result never depends on it.
void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain,
                  const std::function<void(std::int64_t, std::int64_t)>& body);

// Number of chunks parallel_for would use; for deterministic two-phase reductions.
std::int64_t parallel_chunks(std::int64_t n, std::int64_t grain);

}  // namespace prism
