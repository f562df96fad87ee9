#include "prism/dist/checksum.hpp"

#include <cstdio>
#include <cstring>

namespace prism::dist {

std::uint64_t checksum(const float* x, std::int64_t n) {
    std::uint64_t h = 14695981039346656037ull;
    for (std::int64_t i = 0; i < n; ++i) {
        std::uint32_t w;
        std::memcpy(&w, x + i, sizeof w);
        h = (h ^ w) * 1099511628211ull;
    }
    return h;
}

namespace {
std::string hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}
}  // namespace

void check_same(Communicator& comm, const std::vector<std::string>& names, const std::vector<std::uint64_t>& checksums,
                const std::string& what) {
    PRISM_CHECK(names.size() == checksums.size(), "dist", what, ": ", names.size(), " names for ", checksums.size(),
                " checksums");
    const int N = comm.size();
    // every rank must compare the same number of entries: exchange the count first
    const std::uint64_t count = checksums.size();
    std::vector<std::uint64_t> counts(static_cast<std::size_t>(N));
    comm.allgather_bytes(&count, counts.data(), sizeof count, what);
    for (int r = 1; r < N; ++r)
        if (counts[r] != count) throw SameOnEveryRank("dist", what, ": rank ", r, " has ", counts[r], " parameters, rank 0 has ",
                    counts[0], " (different models on different ranks?)");
    std::vector<std::uint64_t> all(checksums.size() * static_cast<std::size_t>(N));
    comm.allgather_bytes(checksums.data(), all.data(), checksums.size() * sizeof(std::uint64_t), what);
    for (std::size_t i = 0; i < checksums.size(); ++i)
        for (int r = 1; r < N; ++r) {
            const std::uint64_t a = all[i], b = all[r * checksums.size() + i];
            if (a != b)
                throw SameOnEveryRank("dist", what, ": '", names[i], "' differs between rank 0 and rank ", r, " (checksums ",
                            hex(a), " and ", hex(b), ")");
        }
}

}  // namespace prism::dist
