#include "prism/ops/embedding.hpp"

#include <cstring>
#include <vector>

#include "prism/core/layout.hpp"
#include "prism/core/parallel.hpp"

namespace prism::ops {

namespace {
std::vector<std::int64_t> ids_vector(const Tensor& ids) {
    return ids.dtype() == kInt64 ? ids.to_vector<std::int64_t>() : [&] {
        const auto v = ids.to_vector<std::int32_t>();
        return std::vector<std::int64_t>(v.begin(), v.end());
    }();
}
}  // namespace

namespace ref {
Tensor embedding_backward(const Tensor& ids, const Tensor& g_in, std::int64_t V) {
    const Tensor g = layout::contiguous(g_in);
    const std::int64_t C = g.size(-1);
    const auto id = ids_vector(ids);
    Tensor dw = Tensor::zeros({V, C}, g.dtype());
    dispatch_floating(g.dtype(), [&](auto tag) {
        using T = decltype(tag);
        for (std::size_t i = 0; i < id.size(); ++i)
            for (std::int64_t c = 0; c < C; ++c) dw.data<T>()[id[i] * C + c] += g.data<T>()[i * C + c];
    });
    return dw;
}
}  // namespace ref

Tensor embedding(const Tensor& ids, const Tensor& weight) {
    PRISM_CHECK(ids.dtype() == kInt64 || ids.dtype() == kInt32, "embedding", "ids ", shape_str(ids.shape()), " are ",
                dtype_name(ids.dtype()), ", expected int32 or int64");
    PRISM_CHECK(weight.dim() == 2, "embedding", "ids ", shape_str(ids.shape()), ", weight ", shape_str(weight.shape()),
                ": weight must be (V, C)");
    const std::int64_t V = weight.size(0), C = weight.size(1);
    const auto id = ids_vector(ids);
    for (std::size_t i = 0; i < id.size(); ++i)
        PRISM_CHECK(id[i] >= 0 && id[i] < V, "embedding", "ids ", shape_str(ids.shape()), ", weight ",
                    shape_str(weight.shape()), ": id ", id[i], " at position ", i, " is out of range for V = ", V);
    const Tensor w = layout::contiguous(weight);
    Shape shape = ids.shape();
    shape.push_back(C);
    Tensor out = Tensor::empty(shape, w.dtype());
    const std::size_t row = static_cast<std::size_t>(C) * w.itemsize();
    const char* src = static_cast<const char*>(w.raw_data());
    char* dst = static_cast<char*>(out.raw_data());
    const std::int64_t n = static_cast<std::int64_t>(id.size());
    parallel_for(0, n, 256, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t i = lo; i < hi; ++i) std::memcpy(dst + i * row, src + id[i] * row, row);
    });
    return out;
}

Tensor embedding_backward(const Tensor& ids, const Tensor& g_in, std::int64_t V) {
    const Tensor g = layout::contiguous(g_in);
    const std::int64_t C = g.size(-1);
    const auto id = ids_vector(ids);
    const std::int64_t n = static_cast<std::int64_t>(id.size());
    Tensor dw = Tensor::zeros({V, C}, g.dtype());
    dispatch_floating(g.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* pg = g.data<T>();
        T* pw = dw.data<T>();
        const std::int64_t blk = 64;
        parallel_for(0, (C + blk - 1) / blk, 1, [&](std::int64_t lo, std::int64_t hi) {
            const std::int64_t c0 = lo * blk, c1 = std::min(C, hi * blk);
            for (std::int64_t i = 0; i < n; ++i) {
                T* dst = pw + id[i] * C;
                const T* src = pg + i * C;
                for (std::int64_t c = c0; c < c1; ++c) dst[c] += src[c];
            }
        });
    });
    return dw;
}

}  // namespace prism::ops
