#include "prism/core/parallel.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include "prism/core/runtime.hpp"

namespace prism {

std::int64_t parallel_chunks(std::int64_t n, std::int64_t grain) {
    if (n <= 0) return 0;
    if (grain < 1) grain = 1;
    return (n + grain - 1) / grain;
}

void parallel_for(std::int64_t begin, std::int64_t end, std::int64_t grain,
                  const std::function<void(std::int64_t, std::int64_t)>& body) {
    const std::int64_t n = end - begin;
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    const std::int64_t chunks = parallel_chunks(n, grain);
    if (chunks == 1) {
        body(begin, end);
        return;
    }
    if (runtime::num_threads() == 1) {
        // The same chunks, in order, without TBB: a reduction that keeps one partial per chunk
        // then sums exactly as on many threads (one body call over the whole range would not).
        for (std::int64_t c = 0; c < chunks; ++c) {
            const std::int64_t lo = begin + c * grain;
            body(lo, std::min(end, lo + grain));
        }
        return;
    }
    runtime::ensure_thread_limit();
    tbb::parallel_for(
        tbb::blocked_range<std::int64_t>(0, chunks, 1),
        [&](const tbb::blocked_range<std::int64_t>& r) {
            for (std::int64_t c = r.begin(); c < r.end(); ++c) {
                const std::int64_t lo = begin + c * grain;
                body(lo, std::min(end, lo + grain));
            }
        },
        tbb::simple_partitioner());
}

}  // namespace prism
