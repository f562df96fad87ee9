// Filters for the blur corruptions: sparse 2-D kernels (defocus, motion), the separable
// Gaussian, bilinear sampling, and the border rules they share.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "prism/core/error.hpp"
#include "prism/data/corruptions_kernels.hpp"

namespace prism::data::kernels {

std::int64_t border_index(std::int64_t i, std::int64_t n, Border border) {
    if (i >= 0 && i < n) return i;
    if (n == 1) return 0;
    switch (border) {
        case Border::kClamp:
            return std::clamp<std::int64_t>(i, 0, n - 1);
        case Border::kReflect101: {  // period 2n - 2, edge pixels not repeated
            const std::int64_t p = 2 * n - 2;
            i = ((i % p) + p) % p;
            return i < n ? i : p - i;
        }
        case Border::kReflect: {  // period 2n, edge pixels repeated
            const std::int64_t p = 2 * n;
            i = ((i % p) + p) % p;
            return i < n ? i : p - 1 - i;
        }
    }
    return 0;
}

void filter_taps(float* plane, std::int64_t H, std::int64_t W, const std::vector<Tap>& taps, Border border) {
    int ry = 0, rx = 0;
    for (const Tap& t : taps) ry = std::max(ry, std::abs(t.dy)), rx = std::max(rx, std::abs(t.dx));
    // padded: (H + 2 ry, W + 2 rx), pixel (y, x) of the plane at (y + ry, x + rx)
    const std::int64_t PW = W + 2 * rx;
    std::vector<float> padded((H + 2 * ry) * PW);
    for (std::int64_t y = -ry; y < H + ry; ++y) {
        const float* src = plane + border_index(y, H, border) * W;
        float* dst = padded.data() + (y + ry) * PW;
        for (std::int64_t x = -rx; x < W + rx; ++x) dst[x + rx] = src[border_index(x, W, border)];
    }
    std::fill(plane, plane + H * W, 0.0f);
    for (const Tap& t : taps) {
        const float w = static_cast<float>(t.w);
        for (std::int64_t y = 0; y < H; ++y) {
            const float* src = padded.data() + (y + ry + t.dy) * PW + rx + t.dx;
            float* out = plane + y * W;
            for (std::int64_t x = 0; x < W; ++x) out[x] += w * src[x];
        }
    }
}

void filter_taps_reference(float* plane, std::int64_t H, std::int64_t W, const std::vector<Tap>& taps, Border border) {
    const std::vector<float> in(plane, plane + H * W);
    for (std::int64_t y = 0; y < H; ++y)
        for (std::int64_t x = 0; x < W; ++x) {
            double a = 0;
            for (const Tap& t : taps)
                a += t.w * in[border_index(y + t.dy, H, border) * W + border_index(x + t.dx, W, border)];
            plane[y * W + x] = static_cast<float>(a);
        }
}

std::vector<double> gaussian_weights(double sigma, double truncate) {
    if (!(sigma > 0)) throw Error("gaussian_weights", "sigma ", sigma, " must be > 0");
    const int r = static_cast<int>(truncate * sigma + 0.5);
    std::vector<double> k(2 * r + 1);
    double s = 0;
    for (int i = -r; i <= r; ++i) s += k[i + r] = std::exp(-0.5 * i * i / (sigma * sigma));
    for (double& v : k) v /= s;
    return k;
}

void gaussian_blur_plane(float* plane, std::int64_t H, std::int64_t W, double sigma, double truncate, Border border) {
    const std::vector<double> kd = gaussian_weights(sigma, truncate);
    const std::vector<float> k(kd.begin(), kd.end());
    const std::int64_t r = static_cast<std::int64_t>(k.size() / 2);
    std::vector<float> row(W + 2 * r), tmp(H * W);
    for (std::int64_t y = 0; y < H; ++y) {  // rows: (H, W) -> tmp (H, W)
        for (std::int64_t x = -r; x < W + r; ++x) row[x + r] = plane[y * W + border_index(x, W, border)];
        for (std::int64_t x = 0; x < W; ++x) {
            float a = 0;
            for (std::int64_t i = 0; i <= 2 * r; ++i) a += k[i] * row[x + i];
            tmp[y * W + x] = a;
        }
    }
    for (std::int64_t y = 0; y < H; ++y) {  // columns: whole rows at a time
        float* out = plane + y * W;
        std::fill(out, out + W, 0.0f);
        for (std::int64_t i = -r; i <= r; ++i) {
            const float* src = tmp.data() + border_index(y + i, H, border) * W;
            const float w = k[i + r];
            for (std::int64_t x = 0; x < W; ++x) out[x] += w * src[x];
        }
    }
}

std::vector<Tap> defocus_taps(double radius, double alias_blur) {
    if (!(radius >= 0) || radius > 8 || !(alias_blur > 0))
        throw Error("defocus_taps", "radius ", radius, " must be in [0, 8] and alias_blur ", alias_blur, " > 0");
    const int R = static_cast<int>(std::floor(radius)) + 1;  // the disk, plus the 3x3 smoothing
    const int n = 2 * R + 1;
    std::vector<double> disk(n * n, 0.0);
    double total = 0;
    for (int dy = -R; dy <= R; ++dy)
        for (int dx = -R; dx <= R; ++dx)
            if (dy * dy + dx * dx <= radius * radius) total += disk[(dy + R) * n + dx + R] = 1.0;
    const double e = std::exp(-1.0 / (2 * alias_blur * alias_blur));
    const double g[3] = {e / (1 + 2 * e), 1 / (1 + 2 * e), e / (1 + 2 * e)};
    std::vector<Tap> taps;
    for (int dy = -R; dy <= R; ++dy)
        for (int dx = -R; dx <= R; ++dx) {
            double w = 0;
            for (int a = -1; a <= 1; ++a)
                for (int b = -1; b <= 1; ++b) {
                    const int y = dy + a + R, x = dx + b + R;
                    if (y >= 0 && y < n && x >= 0 && x < n) w += g[a + 1] * g[b + 1] * disk[y * n + x];
                }
            if (w > 0) taps.push_back({dy, dx, w / total});
        }
    return taps;
}

std::vector<Tap> motion_taps(double radius, double sigma, double angle_degrees) {
    if (!(radius > 0) || !(sigma > 0))
        throw Error("motion_taps", "radius ", radius, " and sigma ", sigma, " must be > 0");
    const int width = 2 * static_cast<int>(std::ceil(radius)) + 1;
    const double a = angle_degrees * std::numbers::pi / 180.0;
    std::vector<Tap> taps(width);
    double total = 0;
    for (int i = 0; i < width; ++i) {
        taps[i].dx = static_cast<int>(std::ceil(i * std::cos(a) - 0.5));
        taps[i].dy = static_cast<int>(std::ceil(i * std::sin(a) - 0.5));
        total += taps[i].w = std::exp(-double(i) * i / (2 * sigma * sigma));
    }
    for (Tap& t : taps) t.w /= total;
    return taps;
}

float bilinear(const float* plane, std::int64_t H, std::int64_t W, double y, double x, Border border) {
    const double fy = std::floor(y), fx = std::floor(x);
    const double wy = y - fy, wx = x - fx;
    const auto y0 = static_cast<std::int64_t>(fy), x0 = static_cast<std::int64_t>(fx);
    const std::int64_t ya = border_index(y0, H, border), yb = border_index(y0 + 1, H, border);
    const std::int64_t xa = border_index(x0, W, border), xb = border_index(x0 + 1, W, border);
    const double top = (1 - wx) * plane[ya * W + xa] + wx * plane[ya * W + xb];
    const double bottom = (1 - wx) * plane[yb * W + xa] + wx * plane[yb * W + xb];
    return static_cast<float>((1 - wy) * top + wy * bottom);
}

}  // namespace prism::data::kernels
