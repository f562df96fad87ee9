#include "prism/ops/dropout.hpp"

#include "prism/core/layout.hpp"
#include "prism/core/parallel.hpp"

namespace prism::ops {

Tensor dropout_mask(const Shape& shape, DType dtype, double p, Generator& gen) {
    PRISM_CHECK(p >= 0.0 && p <= 1.0, "dropout", "probability ", p, " not in [0, 1] for input ", shape_str(shape));
    Tensor mask = Tensor::empty(shape, dtype);
    const std::int64_t n = mask.numel();
    dispatch_floating(dtype, [&](auto tag) {
        using T = decltype(tag);
        T* m = mask.data<T>();
        gen.uniform(m, n);
        const T scale = p < 1.0 ? T(1.0 / (1.0 - p)) : T(0), tp = T(p);
        for (std::int64_t i = 0; i < n; ++i) m[i] = m[i] >= tp ? scale : T(0);
    });
    return mask;
}

Tensor mul_mask(const Tensor& x_in, const Tensor& mask_in) {
    PRISM_CHECK(x_in.shape() == mask_in.shape() && x_in.dtype() == mask_in.dtype(), "dropout", "input ",
                shape_str(x_in.shape()), " and mask ", shape_str(mask_in.shape()), " differ");
    const Tensor x = layout::contiguous(x_in), mask = layout::contiguous(mask_in);
    Tensor out = Tensor::empty(x.shape(), x.dtype());
    dispatch_floating(x.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T *px = x.data<T>(), *pm = mask.data<T>();
        T* po = out.data<T>();
        parallel_for(0, x.numel(), 1 << 15, [&](std::int64_t lo, std::int64_t hi) {
            for (std::int64_t i = lo; i < hi; ++i) po[i] = px[i] * pm[i];  // auto-vectorised
        });
    });
    return out;
}

}  // namespace prism::ops
