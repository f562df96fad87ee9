#include "prism/core/memory.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "prism/core/error.hpp"

namespace prism {

std::uint64_t mul_sat(std::uint64_t a, std::uint64_t b) {
    std::uint64_t r = 0;
    return __builtin_mul_overflow(a, b, &r) ? kSaturated : r;
}

std::uint64_t add_sat(std::uint64_t a, std::uint64_t b) {
    std::uint64_t r = 0;
    return __builtin_add_overflow(a, b, &r) ? kSaturated : r;
}

std::uint64_t mul_sat(std::initializer_list<std::int64_t> factors) {
    std::uint64_t r = 1;
    for (const std::int64_t f : factors) r = mul_sat(r, f > 0 ? static_cast<std::uint64_t>(f) : 0);
    return r;
}

std::uint64_t add_sat(std::initializer_list<std::uint64_t> terms) {
    std::uint64_t r = 0;
    for (const std::uint64_t t : terms) r = add_sat(r, t);
    return r;
}

std::uint64_t available_memory_bytes() {
    std::uint64_t avail = 0;
    std::ifstream in("/proc/meminfo");
    std::string key;
    std::uint64_t kib = 0;
    std::string unit;
    while (in >> key >> kib) {
        std::getline(in, unit);
        if (key == "MemAvailable:") {
            avail = mul_sat(kib, 1024);
            break;
        }
    }
    if (avail == 0) {
        const long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        if (pages > 0 && page > 0) avail = mul_sat(static_cast<std::uint64_t>(pages), static_cast<std::uint64_t>(page));
    }
    rlimit rl{};
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (avail == 0 || rl.rlim_cur < avail))
        avail = rl.rlim_cur;
    return avail == 0 ? kSaturated : avail;  // unknown: do not refuse
}

std::string format_bytes(std::uint64_t bytes) {
    if (bytes == kSaturated) return "more than 16 EiB";
    const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024 && u < 6) {
        v /= 1024;
        ++u;
    }
    char buf[48];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

void check_memory(const char* op, const std::string& what, std::uint64_t bytes) {
    const std::uint64_t avail = available_memory_bytes();
    if (bytes <= avail) return;
    throw Error(op, what, bytes == kSaturated ? " needs " : " needs about ", format_bytes(bytes), ", more than the ",
                format_bytes(avail),
                " of memory available (MemAvailable in /proc/meminfo)");
}

}  // namespace prism
