#include "prism/core/rng.hpp"

#include <cmath>

#include "prism/core/parallel.hpp"

namespace prism {

namespace {

inline void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
    const std::uint64_t p = static_cast<std::uint64_t>(a) * b;
    hi = static_cast<std::uint32_t>(p >> 32);
    lo = static_cast<std::uint32_t>(p);
}

constexpr double kTwoPi = 6.283185307179586476925286766559;

inline double u53(std::uint32_t a, std::uint32_t b) {
    const std::uint64_t x = (static_cast<std::uint64_t>(a) << 32 | b) >> 11;
    return static_cast<double>(x) * 0x1.0p-53;
}
inline float u24(std::uint32_t a) { return static_cast<float>(a >> 8) * 0x1.0p-24f; }

// Runs body(i) for i in [0, n) in parallel; each i depends only on its own counter.
template <class F> void fill_parallel(std::int64_t n, F&& body) {
    parallel_for(0, n, 1 << 14, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t i = lo; i < hi; ++i) body(i);
    });
}

}  // namespace

std::array<std::uint32_t, 4> Generator::block(std::uint64_t counter) const {
    std::array<std::uint32_t, 4> c = {static_cast<std::uint32_t>(counter), static_cast<std::uint32_t>(counter >> 32),
                                      0x243F6A88u, 0x85A308D3u};
    std::uint32_t k0 = static_cast<std::uint32_t>(seed_), k1 = static_cast<std::uint32_t>(seed_ >> 32);
    for (int r = 0; r < 10; ++r) {
        std::uint32_t hi0, lo0, hi1, lo1;
        mulhilo(0xD2511F53u, c[0], hi0, lo0);
        mulhilo(0xCD9E8D57u, c[2], hi1, lo1);
        c = {hi1 ^ c[1] ^ k0, lo1, hi0 ^ c[3] ^ k1, lo0};
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    return c;
}

void Generator::uniform(float* out, std::int64_t n) {
    const std::uint64_t base = offset_;
    fill_parallel(n, [&](std::int64_t i) { out[i] = u24(block(base + i)[0]); });
    offset_ += n;
}

void Generator::uniform(double* out, std::int64_t n) {
    const std::uint64_t base = offset_;
    fill_parallel(n, [&](std::int64_t i) {
        auto b = block(base + i);
        out[i] = u53(b[0], b[1]);
    });
    offset_ += n;
}

void Generator::normal(double* out, std::int64_t n) {
    const std::uint64_t base = offset_;
    fill_parallel(n, [&](std::int64_t i) {
        auto b = block(base + i);
        const double u1 = 1.0 - u53(b[0], b[1]);  // (0, 1]: log is finite
        const double u2 = u53(b[2], b[3]);
        out[i] = std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
    });
    offset_ += n;
}

void Generator::normal(float* out, std::int64_t n) {
    const std::uint64_t base = offset_;
    fill_parallel(n, [&](std::int64_t i) {
        auto b = block(base + i);
        const double u1 = 1.0 - u53(b[0], b[1]);
        const double u2 = u53(b[2], b[3]);
        out[i] = static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2));
    });
    offset_ += n;
}

double Generator::next_double() {
    auto b = block(offset_++);
    return u53(b[0], b[1]);
}

std::uint64_t Generator::next_u64() {
    auto b = block(offset_++);
    return static_cast<std::uint64_t>(b[0]) << 32 | b[1];
}

std::int64_t Generator::randint(std::int64_t n) {
    // Lemire-style rejection-free enough for n << 2^64: multiply-high of a 64-bit draw.
    const unsigned __int128 p = static_cast<unsigned __int128>(next_u64()) * static_cast<std::uint64_t>(n);
    return static_cast<std::int64_t>(p >> 64);
}

Generator& default_generator() {
    static Generator g(0);
    return g;
}

void manual_seed(std::uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace prism
