#include "prism/data/corruptions.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <utility>

#include "prism/core/parallel.hpp"
#include "prism/core/rng.hpp"
#include "prism/data/augment.hpp"
#include "prism/data/corruptions_kernels.hpp"

namespace prism::data {

namespace {

using Constants = std::array<std::vector<double>, 5>;  // severity 1..5

// make_cifar_c.py (github.com/hendrycks/robustness, ImageNet-C/create_c), severities 1..5.
const std::vector<std::pair<std::string, Constants>>& table() {
    static const std::vector<std::pair<std::string, Constants>> t = {
        {"gaussian_noise", {{{0.04}, {0.06}, {0.08}, {0.09}, {0.10}}}},
        {"shot_noise", {{{500}, {250}, {100}, {75}, {50}}}},
        {"impulse_noise", {{{0.01}, {0.02}, {0.03}, {0.05}, {0.07}}}},
        {"gaussian_blur", {{{0.4}, {0.6}, {0.7}, {0.8}, {1.0}}}},
        {"contrast", {{{0.75}, {0.5}, {0.4}, {0.3}, {0.15}}}},
        {"brightness", {{{0.05}, {0.1}, {0.15}, {0.2}, {0.3}}}},
        {"pixelate", {{{0.95}, {0.9}, {0.85}, {0.75}, {0.65}}}},
        {"defocus_blur", {{{0.3, 0.4}, {0.4, 0.5}, {0.5, 0.6}, {1, 0.2}, {1.5, 0.1}}}},
        {"motion_blur", {{{6, 1}, {6, 1.5}, {6, 2}, {8, 2}, {9, 2.5}}}},
        {"jpeg_compression", {{{80}, {65}, {58}, {50}, {40}}}},
        {"elastic_transform",
         {{{0, 0, 0.08}, {0.05, 0.2, 0.07}, {0.08, 0.06, 0.06}, {0.1, 0.04, 0.05}, {0.1, 0.03, 0.03}}}},
    };
    return t;
}

std::string joined_names() {
    std::string s;
    for (const auto& n : corruption_names()) s += (s.empty() ? "" : ", ") + n;
    return s;
}

// log(k!) : exact sum below 17, Stirling's series (error < 1e-12) above.
double log_factorial(std::int64_t k) {
    if (k < 17) {
        double s = 0;
        for (std::int64_t i = 2; i <= k; ++i) s += std::log(double(i));
        return s;
    }
    const double n = double(k + 1), n2 = n * n;
    return (n - 0.5) * std::log(n) - n + 0.5 * std::log(2 * std::numbers::pi) +
           (1.0 / 12 - (1.0 / 360 - 1.0 / (1260 * n2)) / n2) / n;
}

// Poisson(lam): inversion below 10, else Hoermann's transformed rejection with squeeze (PTRS,
// 1993), the method numpy's generator uses; uniforms come from g in order.
double poisson(double lam, Generator& g) {
    if (lam <= 0) return 0;
    if (lam < 10) {
        const double u = g.next_double();
        double p = std::exp(-lam), F = p;
        int k = 0;
        while (u > F && k < 200) {
            ++k;
            p *= lam / k;
            F += p;
        }
        return k;
    }
    const double slam = std::sqrt(lam), loglam = std::log(lam);
    const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), v_r = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
        const double U = g.next_double() - 0.5, V = g.next_double();
        const double us = 0.5 - std::fabs(U);
        const double k = std::floor((2 * a / us + b) * U + lam + 0.43);
        if (us >= 0.07 && V <= v_r) return k;
        if (k < 0 || (us < 0.013 && V > us)) continue;
        if (std::log(V) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
            -lam + k * loglam - log_factorial(static_cast<std::int64_t>(k)))
            return k;
    }
}

}  // namespace

const std::vector<std::string>& corruption_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n;
        for (const auto& [name, c] : table()) n.push_back(name);
        return n;
    }();
    return names;
}

std::string corruption_help() {
    return joined_names() +
           " (CIFAR-10-C's noise, blur and digital corruptions and brightness; the weather ones snow, frost and fog, "
           "glass_blur, zoom_blur and the extras speckle_noise, spatter and saturate are not implemented)";
}

const std::vector<double>& corruption_constants(const std::string& name, int severity) {
    for (const auto& [n, c] : table())
        if (n == name) {
            if (severity < 1 || severity > 5)
                throw Error("corruption_constants", name, ": severity ", severity, " must be 1..5");
            return c[severity - 1];
        }
    throw Error("corruption_constants", "unknown corruption '", name, "'; known: ", corruption_help());
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
        throw Error("parse_corruption", "'", spec, "': unknown corruption '", c.name, "'; known: ", corruption_help());
    if (sev.size() != 1 || sev[0] < '1' || sev[0] > '5')
        throw Error("parse_corruption", "'", spec, "': severity '", sev, "' must be an integer 1..5");
    c.severity = sev[0] - '0';
    return c;
}

void apply_corruption(float* img, std::int64_t C, std::int64_t H, std::int64_t W, const Corruption& c,
                      std::uint64_t seed, std::uint64_t index) {
    using namespace kernels;
    if (c.none()) return;
    const std::vector<double>& k = corruption_constants(c.name, c.severity);  // checks name and severity
    const std::int64_t n = C * H * W, HW = H * W;
    // The same stream at every severity (common random numbers): only the constants differ.
    std::uint64_t salt = 0;
    for (char ch : c.name) salt = salt * 131 + static_cast<unsigned char>(ch);
    Generator g(mix_seed(mix_seed(seed, salt), index));
    auto clip = [](float v) { return std::clamp(v, 0.0f, 1.0f); };

    if (c.name == "gaussian_noise") {
        std::vector<float> z(n);
        g.normal(z.data(), n);
        for (std::int64_t i = 0; i < n; ++i) img[i] = clip(img[i] + static_cast<float>(k[0]) * z[i]);
    } else if (c.name == "shot_noise") {  // Poisson(x * photons) / photons
        for (std::int64_t i = 0; i < n; ++i) img[i] = clip(static_cast<float>(poisson(img[i] * k[0], g) / k[0]));
    } else if (c.name == "impulse_noise") {  // salt and pepper on a fraction k[0] of the values
        const float amount = static_cast<float>(k[0]);
        std::vector<float> u(n);
        g.uniform(u.data(), n);
        for (std::int64_t i = 0; i < n; ++i)
            if (u[i] < amount) img[i] = u[i] < amount / 2 ? 0.0f : 1.0f;
    } else if (c.name == "gaussian_blur") {  // skimage.filters.gaussian: truncate 4, mode 'nearest'
        for (std::int64_t ch = 0; ch < C; ++ch) gaussian_blur_plane(img + ch * HW, H, W, k[0], 4.0, Border::kClamp);
    } else if (c.name == "defocus_blur") {  // cv2.filter2D with the disk kernel
        const auto taps = defocus_taps(k[0], k[1]);
        for (std::int64_t ch = 0; ch < C; ++ch) filter_taps(img + ch * HW, H, W, taps, Border::kReflect101);
        for (std::int64_t i = 0; i < n; ++i) img[i] = clip(img[i]);
    } else if (c.name == "motion_blur") {  // angle uniform in [-45, 45) degrees per image
        const auto taps = motion_taps(k[0], k[1], -45.0 + 90.0 * g.next_double());
        for (std::int64_t ch = 0; ch < C; ++ch) filter_taps(img + ch * HW, H, W, taps, Border::kClamp);
        for (std::int64_t i = 0; i < n; ++i) img[i] = clip(img[i]);
    } else if (c.name == "contrast") {  // towards the per-channel mean
        const float f = static_cast<float>(k[0]);
        for (std::int64_t ch = 0; ch < C; ++ch) {
            float* p = img + ch * HW;
            double m = 0;
            for (std::int64_t i = 0; i < HW; ++i) m += p[i];
            const float mean = static_cast<float>(m / double(HW));
            for (std::int64_t i = 0; i < HW; ++i) p[i] = clip((p[i] - mean) * f + mean);
        }
    } else if (c.name == "brightness") {
        // HSV value + delta, hue and saturation kept: scaling RGB by V'/V does exactly that.
        const float delta = static_cast<float>(k[0]);
        for (std::int64_t i = 0; i < HW; ++i) {
            float v = 0;
            for (std::int64_t ch = 0; ch < C; ++ch) v = std::max(v, img[ch * HW + i]);
            const float nv = std::min(v + delta, 1.0f);
            for (std::int64_t ch = 0; ch < C; ++ch) {
                float& p = img[ch * HW + i];
                p = v > 0 ? clip(p * (nv / v)) : nv;
            }
        }
    } else if (c.name == "pixelate") {  // PIL BOX resize to int(side * factor) and back
        const std::int64_t h = std::max<std::int64_t>(1, static_cast<std::int64_t>(double(H) * k[0]));
        const std::int64_t w = std::max<std::int64_t>(1, static_cast<std::int64_t>(double(W) * k[0]));
        for (std::int64_t ch = 0; ch < C; ++ch) pixelate_plane(img + ch * HW, H, W, h, w);
    } else if (c.name == "jpeg_compression") {
        jpeg_roundtrip(img, C, H, W, static_cast<int>(k[0]));
    } else if (c.name == "elastic_transform") {  // constants are fractions of the side (IMSIZE)
        const double side = double(std::min(H, W));
        elastic_transform(img, C, H, W, k[0] * side, k[1] * side, k[2] * side, g);
    } else {
        throw Error("apply_corruption", "corruption '", c.name, "' has constants but no implementation");
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
