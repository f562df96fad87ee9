#include "prism/data/corruptions.hpp"

#include <algorithm>
#include <cmath>

#include "prism/core/parallel.hpp"
#include "prism/core/rng.hpp"
#include "prism/data/augment.hpp"

namespace prism::data {

const std::vector<std::string>& corruption_names() {
    static const std::vector<std::string> names = {"gaussian_noise", "shot_noise", "impulse_noise", "gaussian_blur",
                                                   "contrast",       "brightness", "pixelate"};
    return names;
}

static std::string joined_names() {
    std::string s;
    for (const auto& n : corruption_names()) s += (s.empty() ? "" : ", ") + n;
    return s;
}

Corruption parse_corruption(const std::string& spec) {
    if (spec.empty() || spec == "none") return {};
    const auto colon = spec.find(':');
    if (colon == std::string::npos)
        throw Error("parse_corruption", "'", spec, "': expected name:severity, e.g. gaussian_noise:3");
    Corruption c;
    c.name = spec.substr(0, colon);
    const std::string sev = spec.substr(colon + 1);
    const auto& names = corruption_names();
    if (std::find(names.begin(), names.end(), c.name) == names.end())
        throw Error("parse_corruption", "'", spec, "': unknown corruption '", c.name, "'; known: ", joined_names());
    if (sev.size() != 1 || sev[0] < '1' || sev[0] > '5')
        throw Error("parse_corruption", "'", spec, "': severity '", sev, "' must be an integer 1..5");
    c.severity = sev[0] - '0';
    return c;
}

// Poisson(lam) by inversion from one uniform; lam <= 60 * 1 here, so exp(-lam) is fine.
static float poisson(double lam, double u) {
    double p = std::exp(-lam), F = p;
    int k = 0;
    while (u > F && k < 1000) {
        ++k;
        p *= lam / k;
        F += p;
    }
    return static_cast<float>(k);
}

// Separable gaussian blur of one plane with clamp-to-edge borders (scipy's mode='nearest').
static void blur_plane(float* p, std::int64_t H, std::int64_t W, double sigma) {
    const int r = static_cast<int>(std::ceil(3 * sigma));
    std::vector<float> k(2 * r + 1);
    double s = 0;
    for (int i = -r; i <= r; ++i) s += k[i + r] = static_cast<float>(std::exp(-0.5 * i * i / (sigma * sigma)));
    for (auto& v : k) v = static_cast<float>(v / s);
    std::vector<float> tmp(H * W);
    for (std::int64_t y = 0; y < H; ++y)
        for (std::int64_t x = 0; x < W; ++x) {
            float a = 0;
            for (int i = -r; i <= r; ++i) a += k[i + r] * p[y * W + std::clamp<std::int64_t>(x + i, 0, W - 1)];
            tmp[y * W + x] = a;
        }
    for (std::int64_t y = 0; y < H; ++y)
        for (std::int64_t x = 0; x < W; ++x) {
            float a = 0;
            for (int i = -r; i <= r; ++i) a += k[i + r] * tmp[std::clamp<std::int64_t>(y + i, 0, H - 1) * W + x];
            p[y * W + x] = a;
        }
}

// Box-average down to (h, w) then back up: PIL's BOX resize there and back.
static void pixelate_plane(float* p, std::int64_t H, std::int64_t W, std::int64_t h, std::int64_t w) {
    std::vector<float> small(h * w);
    for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t x = 0; x < w; ++x) {
            const std::int64_t y0 = y * H / h, y1 = std::max(y0 + 1, (y + 1) * H / h);
            const std::int64_t x0 = x * W / w, x1 = std::max(x0 + 1, (x + 1) * W / w);
            float a = 0;
            for (std::int64_t yy = y0; yy < y1; ++yy)
                for (std::int64_t xx = x0; xx < x1; ++xx) a += p[yy * W + xx];
            small[y * w + x] = a / float((y1 - y0) * (x1 - x0));
        }
    // Up: each pixel takes the value of the cell that averaged it (same partition both ways).
    std::vector<std::int64_t> cy(H), cx(W);
    for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t yy = y * H / h; yy < std::max(y * H / h + 1, (y + 1) * H / h); ++yy) cy[yy] = y;
    for (std::int64_t x = 0; x < w; ++x)
        for (std::int64_t xx = x * W / w; xx < std::max(x * W / w + 1, (x + 1) * W / w); ++xx) cx[xx] = x;
    for (std::int64_t y = 0; y < H; ++y)
        for (std::int64_t x = 0; x < W; ++x) p[y * W + x] = small[cy[y] * w + cx[x]];
}

void apply_corruption(float* img, std::int64_t C, std::int64_t H, std::int64_t W, const Corruption& c,
                      std::uint64_t seed, std::uint64_t index) {
    if (c.none()) return;
    if (c.severity < 1 || c.severity > 5)
        throw Error("apply_corruption", c.name, ": severity ", c.severity, " must be 1..5");
    const int s = c.severity - 1;
    const std::int64_t n = C * H * W, HW = H * W;
    std::uint64_t salt = static_cast<std::uint64_t>(c.severity);
    for (char ch : c.name) salt = salt * 131 + static_cast<unsigned char>(ch);
    Generator g(mix_seed(mix_seed(seed, salt), index));
    auto clip = [](float v) { return std::clamp(v, 0.0f, 1.0f); };

    if (c.name == "gaussian_noise") {
        static const float sd[] = {0.08f, 0.12f, 0.18f, 0.26f, 0.38f};
        std::vector<float> z(n);
        g.normal(z.data(), n);
        for (std::int64_t i = 0; i < n; ++i) img[i] = clip(img[i] + sd[s] * z[i]);
    } else if (c.name == "shot_noise") {
        static const double lam[] = {60, 25, 12, 5, 3};
        std::vector<double> u(n);
        g.uniform(u.data(), n);
        for (std::int64_t i = 0; i < n; ++i) img[i] = clip(poisson(img[i] * lam[s], u[i]) / float(lam[s]));
    } else if (c.name == "impulse_noise") {  // salt and pepper on `amount` of the values
        static const float amount[] = {0.01f, 0.02f, 0.03f, 0.05f, 0.07f};
        std::vector<float> u(n);
        g.uniform(u.data(), n);
        for (std::int64_t i = 0; i < n; ++i)
            if (u[i] < amount[s]) img[i] = u[i] < amount[s] / 2 ? 0.0f : 1.0f;
    } else if (c.name == "gaussian_blur") {
        static const double sigma[] = {0.4, 0.6, 0.7, 0.8, 1.0};
        for (std::int64_t ch = 0; ch < C; ++ch) blur_plane(img + ch * HW, H, W, sigma[s]);
    } else if (c.name == "contrast") {  // towards the per-channel mean
        static const float f[] = {0.75f, 0.5f, 0.4f, 0.3f, 0.15f};
        for (std::int64_t ch = 0; ch < C; ++ch) {
            float* p = img + ch * HW;
            double m = 0;
            for (std::int64_t i = 0; i < HW; ++i) m += p[i];
            const float mean = static_cast<float>(m / double(HW));
            for (std::int64_t i = 0; i < HW; ++i) p[i] = clip((p[i] - mean) * f[s] + mean);
        }
    } else if (c.name == "brightness") {
        // HSV value + delta, hue and saturation kept: scaling RGB by V'/V does exactly that.
        static const float delta[] = {0.05f, 0.1f, 0.15f, 0.2f, 0.3f};
        for (std::int64_t k = 0; k < HW; ++k) {
            float v = 0;
            for (std::int64_t ch = 0; ch < C; ++ch) v = std::max(v, img[ch * HW + k]);
            const float nv = std::min(v + delta[s], 1.0f);
            for (std::int64_t ch = 0; ch < C; ++ch) {
                float& p = img[ch * HW + k];
                p = v > 0 ? clip(p * (nv / v)) : nv;
            }
        }
    } else if (c.name == "pixelate") {
        static const double f[] = {0.95, 0.9, 0.85, 0.75, 0.65};
        const std::int64_t h = std::max<std::int64_t>(1, static_cast<std::int64_t>(H * f[s]));
        const std::int64_t w = std::max<std::int64_t>(1, static_cast<std::int64_t>(W * f[s]));
        for (std::int64_t ch = 0; ch < C; ++ch) pixelate_plane(img + ch * HW, H, W, h, w);
    } else {
        throw Error("apply_corruption", "unknown corruption '", c.name, "'; known: ", joined_names());
    }
}

Tensor apply_corruption(const Tensor& images, const Corruption& c, std::uint64_t seed, std::uint64_t first_index) {
    if (images.dim() != 4 || images.dtype() != kFloat32)
        throw Error("apply_corruption", "images ", shape_str(images.shape()), " ", dtype_name(images.dtype()),
                    ": expected float32 (B, C, H, W)");
    Tensor out = images.contiguous().clone();
    const std::int64_t B = out.size(0), C = out.size(1), H = out.size(2), W = out.size(3);
    float* p = out.data<float>();
    parallel_for(0, B, 8, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t b = lo; b < hi; ++b) apply_corruption(p + b * C * H * W, C, H, W, c, seed, first_index + b);
    });
    return out;
}

ImageDataset corrupt(const ImageDataset& ds, const Corruption& c, std::uint64_t seed) {
    ImageDataset out = ds;
    if (c.none()) return out;
    const std::int64_t m = ds.image_numel();
    parallel_for(0, ds.size(), 64, [&](std::int64_t lo, std::int64_t hi) {
        std::vector<float> f(m);
        for (std::int64_t i = lo; i < hi; ++i) {
            const std::uint8_t* src = ds.image(i);
            for (std::int64_t k = 0; k < m; ++k) f[k] = src[k] * (1.0f / 255.0f);
            apply_corruption(f.data(), ds.channels, ds.height, ds.width, c, seed, i);
            std::uint8_t* dst = out.pixels.data() + i * m;
            for (std::int64_t k = 0; k < m; ++k) dst[k] = static_cast<std::uint8_t>(std::lround(f[k] * 255.0f));
        }
    });
    return out;
}

}  // namespace prism::data
