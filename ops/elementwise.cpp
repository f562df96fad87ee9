#include "ops/elementwise.hpp"

#include <array>

#include "core/iterate.hpp"

namespace prism::ops {

namespace {
// Strides of t as seen from a broadcast shape `to`: missing or size-1 dims read element 0.
Strides broadcast_strides(const Tensor& t, const Shape& to) {
    Strides s(to.size(), 0);
    const std::size_t lead = to.size() - t.shape().size();
    for (std::size_t i = 0; i < t.shape().size(); ++i) s[lead + i] = t.shape()[i] == 1 ? 0 : t.strides()[i];
    return s;
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
    PRISM_CHECK(a.dtype() == b.dtype(), "add", shape_str(a.shape()), " ", dtype_name(a.dtype()), " and ",
                shape_str(b.shape()), " ", dtype_name(b.dtype()), ": dtypes differ");
    const Shape shape = broadcast_shapes(a.shape(), b.shape(), "add");
    Tensor out = Tensor::empty(shape, a.dtype());
    const Strides sa = broadcast_strides(a, shape), sb = broadcast_strides(b, shape);
    dispatch(a.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* pa = static_cast<const T*>(a.storage()->data());
        const T* pb = static_cast<const T*>(b.storage()->data());
        T* po = out.data<T>();
        for_each_offset<2>(shape, {&sa, &sb}, {a.offset(), b.offset()},
                           [&](std::int64_t i, const std::array<std::int64_t, 2>& o) { po[i] = pa[o[0]] + pb[o[1]]; });
    });
    return out;
}

void add_(Tensor& a, const Tensor& b) {
    PRISM_CHECK(a.dtype() == b.dtype(), "add_", "dtypes differ: ", dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
    const Shape shape = broadcast_shapes(a.shape(), b.shape(), "add_");
    PRISM_CHECK(shape == a.shape(), "add_", shape_str(b.shape()), " does not broadcast to ", shape_str(a.shape()));
    const Strides sb = broadcast_strides(b, shape);
    dispatch(a.dtype(), [&](auto tag) {
        using T = decltype(tag);
        T* pa = static_cast<T*>(a.storage()->data());
        const T* pb = static_cast<const T*>(b.storage()->data());
        for_each_offset<2>(shape, {&a.strides(), &sb}, {a.offset(), b.offset()},
                           [&](std::int64_t, const std::array<std::int64_t, 2>& o) { pa[o[0]] += pb[o[1]]; });
    });
}

Tensor sum_to(const Tensor& g, const Shape& shape) {
    if (g.shape() == shape) return g;
    const Shape check = broadcast_shapes(shape, g.shape(), "sum_to");
    PRISM_CHECK(check == g.shape(), "sum_to", "cannot reduce ", shape_str(g.shape()), " to ", shape_str(shape));
    Tensor out = Tensor::zeros(shape, g.dtype());
    // out viewed with zero strides on the broadcast dims: every g element adds into its slot
    Tensor outb = out.detach();
    const Strides so = broadcast_strides(outb, g.shape());
    dispatch(g.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* pg = static_cast<const T*>(g.storage()->data());
        T* po = out.data<T>();
        for_each_offset<2>(g.shape(), {&g.strides(), &so}, {g.offset(), 0},
                           [&](std::int64_t, const std::array<std::int64_t, 2>& o) { po[o[1]] += pg[o[0]]; });
    });
    return out;
}

}  // namespace prism::ops
