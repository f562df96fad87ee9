#include "prism/data/dataset.hpp"

#include <algorithm>
#include <cmath>

#include "prism/core/parallel.hpp"

namespace prism::data {

void ImageDataset::check() const {
    const std::string name = source.empty() ? std::string("dataset") : source;
    if (channels <= 0 || height <= 0 || width <= 0)
        throw Error("dataset", name, ": bad image shape (", channels, ", ", height, ", ", width, ")");
    if (static_cast<std::int64_t>(pixels.size()) != size() * image_numel())
        throw Error("dataset", name, ": ", pixels.size(), " pixel bytes for ", size(), " images of (", channels, ", ",
                    height, ", ", width, ")");
    check_labels(labels, num_classes(), name, "dataset");
}

void check_labels(const std::vector<std::int64_t>& labels, std::int64_t num_classes, const std::string& where,
                  const char* op) {
    for (std::size_t i = 0; i < labels.size(); ++i)
        if (labels[i] < 0 || labels[i] >= num_classes)
            throw Error(op, where, ": label ", labels[i], " of image ", i, " is outside [0, ", num_classes, ") (",
                        num_classes, " classes)");
}

ImageDataset ImageDataset::subset(const std::vector<std::int64_t>& indices) const {
    ImageDataset out;
    out.channels = channels, out.height = height, out.width = width;
    out.classes = classes, out.source = source;
    const std::int64_t m = image_numel();
    out.pixels.resize(indices.size() * m);
    out.labels.resize(indices.size());
    for (std::size_t k = 0; k < indices.size(); ++k) {
        const std::int64_t i = indices[k];
        if (i < 0 || i >= size()) throw Error("subset", "index ", i, " outside dataset of ", size());
        std::copy_n(image(i), m, out.pixels.data() + k * m);
        out.labels[k] = labels[i];
    }
    return out;
}

Tensor ImageDataset::to_tensor(std::int64_t start, std::int64_t n) const {
    if (start < 0 || n < 0 || start + n > size())
        throw Error("to_tensor", "images [", start, ", ", start + n, ") outside dataset of ", size());
    Tensor t = Tensor::empty({n, channels, height, width});
    float* p = t.data<float>();
    const std::uint8_t* s = image(start);
    for (std::int64_t i = 0; i < n * image_numel(); ++i) p[i] = s[i] * (1.0f / 255.0f);
    return t;
}

std::vector<std::int64_t> ImageDataset::class_counts() const {
    std::vector<std::int64_t> c(classes.size(), 0);
    for (auto l : labels)
        if (l >= 0 && l < num_classes()) ++c[l];
    return c;
}

Normalization compute_mean_std(const ImageDataset& ds) {
    if (ds.size() == 0) throw Error("compute_mean_std", ds.source, ": empty dataset");
    const std::int64_t C = ds.channels, HW = ds.height * ds.width, N = ds.size();
    // Exact integer sums: no rounding, so the result never depends on threads or order.
    std::vector<std::uint64_t> s1(C, 0), s2(C, 0);
    for (std::int64_t i = 0; i < N; ++i)
        for (std::int64_t c = 0; c < C; ++c) {
            const std::uint8_t* p = ds.image(i) + c * HW;
            std::uint64_t a = 0, b = 0;
            for (std::int64_t k = 0; k < HW; ++k) a += p[k], b += std::uint64_t(p[k]) * p[k];
            s1[c] += a, s2[c] += b;
        }
    Normalization n;
    const double cnt = double(N) * double(HW);
    for (std::int64_t c = 0; c < C; ++c) {
        const double m = double(s1[c]) / cnt, v = double(s2[c]) / cnt - m * m;
        n.mean.push_back(float(m / 255.0));
        n.std.push_back(float(std::sqrt(std::max(v, 0.0)) / 255.0));
    }
    return n;
}

void convert_image(const std::uint8_t* src, std::int64_t c, std::int64_t h, std::int64_t w, std::uint8_t* dst,
                   std::int64_t out_c, std::int64_t out_h, std::int64_t out_w) {
    // 1. channels, at the source size
    std::vector<std::uint8_t> tmp(out_c * h * w);
    const std::int64_t HW = h * w;
    for (std::int64_t k = 0; k < HW; ++k) {
        if (out_c == c) {
            for (std::int64_t ch = 0; ch < c; ++ch) tmp[ch * HW + k] = src[ch * HW + k];
        } else if (out_c == 1) {  // RGB(A) -> gray: ITU-R 601 luma, the weights PIL uses
            const int r = src[k], g = src[HW + k], b = src[2 * HW + k];
            tmp[k] = static_cast<std::uint8_t>((r * 299 + g * 587 + b * 114 + 500) / 1000);
        } else {  // gray -> RGB: replicate; RGBA -> RGB: drop alpha
            for (std::int64_t ch = 0; ch < out_c; ++ch) tmp[ch * HW + k] = src[(c == 1 ? 0 : ch) * HW + k];
        }
    }
    if (h == out_h && w == out_w) {
        std::copy(tmp.begin(), tmp.end(), dst);
        return;
    }
    // 2. bilinear resize, align_corners=False (pixel centres), as torch's interpolate.
    auto axis = [](std::int64_t in, std::int64_t out, std::int64_t o, std::int64_t& i0, std::int64_t& i1, float& f) {
        float x = (o + 0.5f) * float(in) / float(out) - 0.5f;
        x = std::max(x, 0.0f);
        i0 = std::min<std::int64_t>(static_cast<std::int64_t>(x), in - 1);
        i1 = std::min<std::int64_t>(i0 + 1, in - 1);
        f = x - float(i0);
    };
    for (std::int64_t ch = 0; ch < out_c; ++ch) {
        const std::uint8_t* p = tmp.data() + ch * HW;
        for (std::int64_t y = 0; y < out_h; ++y) {
            std::int64_t y0, y1;
            float fy;
            axis(h, out_h, y, y0, y1, fy);
            for (std::int64_t x = 0; x < out_w; ++x) {
                std::int64_t x0, x1;
                float fx;
                axis(w, out_w, x, x0, x1, fx);
                const float top = p[y0 * w + x0] * (1 - fx) + p[y0 * w + x1] * fx;
                const float bot = p[y1 * w + x0] * (1 - fx) + p[y1 * w + x1] * fx;
                const float v = top * (1 - fy) + bot * fy;
                dst[(ch * out_h + y) * out_w + x] = static_cast<std::uint8_t>(std::clamp(v + 0.5f, 0.0f, 255.0f));
            }
        }
    }
}

ImageDataset convert(const ImageDataset& ds, std::int64_t channels, std::int64_t height, std::int64_t width) {
    if (!(channels == 1 || channels == 3) || height <= 0 || width <= 0)
        throw Error("convert", ds.source, ": cannot convert to (", channels, ", ", height, ", ", width,
                    "); channels must be 1 or 3");
    if (!(ds.channels == 1 || ds.channels == 3 || ds.channels == 4))
        throw Error("convert", ds.source, ": images have ", ds.channels, " channels; expected 1, 3 or 4");
    ImageDataset out;
    out.channels = channels, out.height = height, out.width = width;
    out.labels = ds.labels, out.classes = ds.classes, out.source = ds.source;
    const std::int64_t m = out.image_numel();
    out.pixels.resize(ds.size() * m);
    parallel_for(0, ds.size(), 64, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t i = lo; i < hi; ++i)
            convert_image(ds.image(i), ds.channels, ds.height, ds.width, out.pixels.data() + i * m, channels, height,
                          width);
    });
    return out;
}

}  // namespace prism::data
