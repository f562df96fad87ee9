#include "prism/data/augment.hpp"

#include <numeric>

namespace prism::data {

std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b) {
    std::uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

AugmentDraw draw_augment(const Augment& a, std::uint64_t seed, std::uint64_t epoch, std::uint64_t index) {
    AugmentDraw d;
    if (!a.enabled()) return d;
    // One Philox block per (epoch, image): counter = index in the epoch's own stream.
    const Generator g(mix_seed(mix_seed(seed, 0xA46u), epoch));
    const auto w = g.block(index);
    const std::uint32_t span = 2u * static_cast<std::uint32_t>(a.pad) + 1u;
    d.dy = static_cast<int>(w[0] % span);
    d.dx = static_cast<int>(w[1] % span);
    d.flip = a.hflip && (w[2] & 1u);
    return d;
}

void augment_image(const std::uint8_t* src, std::uint8_t* dst, std::int64_t C, std::int64_t H, std::int64_t W,
                   int pad, const AugmentDraw& d) {
    for (std::int64_t c = 0; c < C; ++c)
        for (std::int64_t y = 0; y < H; ++y) {
            const std::int64_t sy = y + d.dy - pad;
            std::uint8_t* out = dst + (c * H + y) * W;
            for (std::int64_t x = 0; x < W; ++x) {
                const std::int64_t cx = d.flip ? W - 1 - x : x;  // flip after crop
                const std::int64_t sx = cx + d.dx - pad;
                out[x] = (sy >= 0 && sy < H && sx >= 0 && sx < W) ? src[(c * H + sy) * W + sx] : 0;
            }
        }
}

std::vector<std::int64_t> permutation(std::int64_t n, std::uint64_t seed, std::uint64_t stream) {
    std::vector<std::int64_t> p(n);
    std::iota(p.begin(), p.end(), 0);
    Generator g(mix_seed(seed, stream));
    for (std::int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[g.randint(i + 1)]);
    return p;
}

}  // namespace prism::data
