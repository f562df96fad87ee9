// Operations for the digital corruptions: pixelate (PIL box resize), JPEG round trip (stb),
// elastic transform (affine warp + smoothed random displacement).
#include <stb/stb_image_write.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "prism/core/error.hpp"
#include "prism/data/corruptions_kernels.hpp"
#include "image_decode.hpp"

namespace prism::data::kernels {

void pixelate_plane(float* plane, std::int64_t H, std::int64_t W, std::int64_t h, std::int64_t w) {
    // first input index of each output cell going down: floor(j * s + 0.5), s = in/out
    auto starts = [](std::int64_t in, std::int64_t out) {
        std::vector<std::int64_t> b(out + 1);
        for (std::int64_t j = 0; j <= out; ++j)
            b[j] = std::min(in, static_cast<std::int64_t>(std::floor(double(j) * double(in) / double(out) + 0.5)));
        return b;
    };
    const auto by = starts(H, h), bx = starts(W, w);
    std::vector<float> small(h * w);
    for (std::int64_t j = 0; j < h; ++j)
        for (std::int64_t i = 0; i < w; ++i) {
            double a = 0;
            for (std::int64_t y = by[j]; y < by[j + 1]; ++y)
                for (std::int64_t x = bx[i]; x < bx[i + 1]; ++x) a += plane[y * W + x];
            const auto n = (by[j + 1] - by[j]) * (bx[i + 1] - bx[i]);
            small[j * w + i] = n > 0 ? static_cast<float>(a / double(n)) : 0.0f;
        }
    // up: the small pixel under each output pixel's centre
    for (std::int64_t y = 0; y < H; ++y) {
        const auto j = std::min(h - 1, static_cast<std::int64_t>((double(y) + 0.5) * double(h) / double(H)));
        for (std::int64_t x = 0; x < W; ++x) {
            const auto i = std::min(w - 1, static_cast<std::int64_t>((double(x) + 0.5) * double(w) / double(W)));
            plane[y * W + x] = small[j * w + i];
        }
    }
}

void jpeg_roundtrip(float* img, std::int64_t C, std::int64_t H, std::int64_t W, int quality) {
    if (C != 1 && C != 3)
        throw Error("jpeg_compression", "image (", C, ", ", H, ", ", W, "): JPEG needs 1 or 3 channels");
    const std::int64_t HW = H * W;
    std::vector<std::uint8_t> hwc(C * HW);  // (C, H, W) -> (H, W, C) bytes
    for (std::int64_t c = 0; c < C; ++c)
        for (std::int64_t k = 0; k < HW; ++k)
            hwc[k * C + c] = static_cast<std::uint8_t>(std::lround(std::clamp(img[c * HW + k], 0.0f, 1.0f) * 255.0f));
    std::vector<std::uint8_t> jpg;
    auto sink = [](void* ctx, void* data, int size) {
        auto* out = static_cast<std::vector<std::uint8_t>*>(ctx);
        out->insert(out->end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
    };
    if (!stbi_write_jpg_to_func(sink, &jpg, static_cast<int>(W), static_cast<int>(H), static_cast<int>(C), hwc.data(),
                                quality))
        throw Error("jpeg_compression", "stb_image_write could not encode a ", W, "x", H, "x", C, " image");
    detail::DecodedImage px;
    const std::string why = detail::decode_image(jpg.data(), jpg.size(), static_cast<int>(C), px);
    if (!why.empty() || px.width != W || px.height != H)
        throw Error("jpeg_compression", "could not decode its own ", W, "x", H, " JPEG (", why, ")");
    for (std::int64_t ch = 0; ch < C; ++ch)
        for (std::int64_t k = 0; k < HW; ++k) img[ch * HW + k] = px.pixels[k * C + ch] * (1.0f / 255.0f);
}

namespace {
// The affine map (a, b, c; d, e, f) taking from[i] to to[i] (x' = a x + b y + c, y' = d x + e y + f).
std::array<double, 6> affine_from_points(const double from[3][2], const double to[3][2]) {
    auto det3 = [](double a, double b, double c, double d, double e, double f, double g, double h, double i) {
        return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
    };
    const double (*p)[2] = from;
    const double D = det3(p[0][0], p[0][1], 1, p[1][0], p[1][1], 1, p[2][0], p[2][1], 1);
    std::array<double, 6> m{};
    for (int r = 0; r < 2; ++r) {  // Cramer's rule for row r (target x, then target y)
        const double t0 = to[0][r], t1 = to[1][r], t2 = to[2][r];
        m[3 * r + 0] = det3(t0, p[0][1], 1, t1, p[1][1], 1, t2, p[2][1], 1) / D;
        m[3 * r + 1] = det3(p[0][0], t0, 1, p[1][0], t1, 1, p[2][0], t2, 1) / D;
        m[3 * r + 2] = det3(p[0][0], p[0][1], t0, p[1][0], p[1][1], t1, p[2][0], p[2][1], t2) / D;
    }
    return m;
}
}  // namespace

void elastic_transform(float* img, std::int64_t C, std::int64_t H, std::int64_t W, double alpha, double sigma,
                       double affine, Generator& g) {
    const std::int64_t HW = H * W;
    // Three points around the centre, each moved by uniform(-affine, affine) in x and y.
    const double cx = double(W / 2), cy = double(H / 2), s = double(std::min(H, W) / 3);
    const double src[3][2] = {{cx + s, cy + s}, {cx + s, cy - s}, {cx - s, cy - s}};
    double u[6];
    g.uniform(u, 6);
    double dst[3][2];
    for (int i = 0; i < 3; ++i)
        for (int k = 0; k < 2; ++k) dst[i][k] = src[i][k] + affine * (2 * u[2 * i + k] - 1);
    // Output pixel (x, y) reads the input at the inverse map (dst -> src), as cv2.warpAffine.
    const auto m = affine_from_points(dst, src);
    std::vector<float> warped(C * HW);
    for (std::int64_t c = 0; c < C; ++c)
        for (std::int64_t y = 0; y < H; ++y)
            for (std::int64_t x = 0; x < W; ++x)
                warped[c * HW + y * W + x] = bilinear(img + c * HW, H, W, m[3] * x + m[4] * y + m[5],
                                                      m[0] * x + m[1] * y + m[2], Border::kReflect101);
    // Displacement fields dx, dy (H, W): uniform(-1, 1), blurred, times alpha.
    std::vector<double> r(2 * HW);
    g.uniform(r.data(), 2 * HW);
    std::vector<float> dx(HW, 0.0f), dy(HW, 0.0f);
    if (alpha > 0 && sigma > 0) {
        for (std::int64_t k = 0; k < HW; ++k) {
            dx[k] = static_cast<float>(2 * r[k] - 1);
            dy[k] = static_cast<float>(2 * r[HW + k] - 1);
        }
        gaussian_blur_plane(dx.data(), H, W, sigma, 3.0, Border::kReflect);
        gaussian_blur_plane(dy.data(), H, W, sigma, 3.0, Border::kReflect);
        for (std::int64_t k = 0; k < HW; ++k) dx[k] *= static_cast<float>(alpha), dy[k] *= static_cast<float>(alpha);
    }
    for (std::int64_t c = 0; c < C; ++c)
        for (std::int64_t y = 0; y < H; ++y)
            for (std::int64_t x = 0; x < W; ++x) {
                const std::int64_t k = y * W + x;
                const float v = bilinear(warped.data() + c * HW, H, W, y + dy[k], x + dx[k], Border::kReflect);
                img[c * HW + k] = std::clamp(v, 0.0f, 1.0f);
            }
}

}  // namespace prism::data::kernels
