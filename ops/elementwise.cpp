#include "prism/ops/elementwise.hpp"

#include <array>

#include "prism/ops/loop.hpp"

namespace prism::ops {

namespace detail {
void check_float_pair(const Tensor& a, const Tensor& b, const char* op) {
    PRISM_CHECK(a.dtype() == b.dtype() && is_floating(a.dtype()), op, shape_str(a.shape()), " ", dtype_name(a.dtype()),
                " and ", shape_str(b.shape()), " ", dtype_name(b.dtype()),
                a.dtype() == b.dtype() ? ": needs a floating dtype" : ": dtypes differ");
}
void check_float(const Tensor& x, const char* op) {
    PRISM_CHECK(is_floating(x.dtype()), op, shape_str(x.shape()), " ", dtype_name(x.dtype()),
                ": needs a floating dtype");
}
}  // namespace detail

namespace {
const char* binary_name(BinaryOp op) {
    switch (op) {
        case BinaryOp::Add: return "add";
        case BinaryOp::Sub: return "sub";
        case BinaryOp::Mul: return "mul";
        case BinaryOp::Div: return "div";
    }
    return "binary";
}
}  // namespace

// ---- reference loops ---------------------------------------------------------------------
namespace ref {

// In double, rounded to the dtype once: for + - * / of two floats that is exactly the float
// result (double has more than twice float's precision).
Tensor binary(const Tensor& a, const Tensor& b, BinaryOp op) {
    const char* name = binary_name(op);
    detail::check_float_pair(a, b, name);
    return detail::map_ref(name, a, b, [op](double x, double y) {
        switch (op) {
            case BinaryOp::Add: return x + y;
            case BinaryOp::Sub: return x - y;
            case BinaryOp::Mul: return x * y;
            case BinaryOp::Div: return x / y;
        }
        return 0.0;
    });
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
    const Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
    Tensor c = Tensor::empty(shape, kFloat64).copy_(cond);
    Tensor ae = Tensor::empty(shape, a.dtype()).copy_(a), be = Tensor::empty(shape, a.dtype()).copy_(b);
    const auto cv = c.to_vector<double>();
    dispatch(a.dtype(), [&](auto tag) {
        using T = decltype(tag);
        T* pa = ae.data<T>();
        const T* pb = be.data<T>();
        for (std::size_t i = 0; i < cv.size(); ++i) pa[i] = cv[i] != 0 ? pa[i] : pb[i];
    });
    return ae;
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
    return ref::where(mask, Tensor::scalar(value, x.dtype()), x);
}

}  // namespace ref

namespace {
template <class T> void binary_into(const Tensor& out, const Tensor& a, const Tensor& b, BinaryOp op) {
    using detail::map_into;
    switch (op) {
        case BinaryOp::Add: map_into<T, 2>(out, {a, b}, [](auto x, auto y) { return x + y; }); break;
        case BinaryOp::Sub: map_into<T, 2>(out, {a, b}, [](auto x, auto y) { return x - y; }); break;
        case BinaryOp::Mul: map_into<T, 2>(out, {a, b}, [](auto x, auto y) { return x * y; }); break;
        case BinaryOp::Div: map_into<T, 2>(out, {a, b}, [](auto x, auto y) { return x / y; }); break;
    }
}
}  // namespace

Tensor binary(const Tensor& a, const Tensor& b, BinaryOp op) {
    const char* name = binary_name(op);
    detail::check_float_pair(a, b, name);
    Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), name), a.dtype());
    dispatch_floating(a.dtype(), [&](auto tag) { binary_into<decltype(tag)>(out, a, b, op); });
    return out;
}

Tensor add(const Tensor& a, const Tensor& b) { return binary(a, b, BinaryOp::Add); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(a, b, BinaryOp::Sub); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(a, b, BinaryOp::Mul); }
Tensor div(const Tensor& a, const Tensor& b) { return binary(a, b, BinaryOp::Div); }

void add_(Tensor& a, const Tensor& b) {
    detail::check_float_pair(a, b, "add_");
    const Shape shape = broadcast_shapes(a.shape(), b.shape(), "add_");
    PRISM_CHECK(shape == a.shape(), "add_", shape_str(b.shape()), " does not broadcast to ", shape_str(a.shape()));
    // elementwise with identical offsets for out and the first input, so aliasing is safe
    dispatch_floating(a.dtype(), [&](auto tag) { binary_into<decltype(tag)>(a, a, b, BinaryOp::Add); });
}

Tensor expand_copy(const Tensor& x, const Shape& shape) {
    const Shape b = broadcast_shapes(x.shape(), shape, "expand_copy");
    PRISM_CHECK(b == shape, "expand_copy", shape_str(x.shape()), " does not broadcast to ", shape_str(shape));
    Tensor out = Tensor::empty(shape, x.dtype());
    if (!is_floating(x.dtype())) return out.copy_(x);
    dispatch_floating(x.dtype(), [&](auto tag) {
        detail::map_into<decltype(tag), 1>(out, {x}, [](auto v) { return v; });
    });
    return out;
}

namespace {
// out = cond ? a : b over three broadcast operands; the mask is read as its own dtype.
template <class T> Tensor where_impl(const Tensor& cond, const Tensor& a, const Tensor& b, const char* op) {
    const Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), op), b.shape(), op);
    Tensor out = Tensor::empty(shape, a.dtype());
    std::array<Strides, 4> st{out.strides(), detail::broadcast_strides(cond, shape), detail::broadcast_strides(a, shape),
                              detail::broadcast_strides(b, shape)};
    const T* pa = detail::cbase<T>(a);
    const T* pb = detail::cbase<T>(b);
    T* po = out.data<T>();
    dispatch(cond.dtype(), [&](auto ctag) {
        using C = decltype(ctag);
        const C* pc = detail::cbase<C>(cond);
        detail::for_each_run<4>(shape, st, {0, cond.offset(), a.offset(), b.offset()},
                                [&](const std::array<std::int64_t, 4>& o, std::int64_t n,
                                    const std::array<std::int64_t, 4>& is) {
                                    for (std::int64_t j = 0; j < n; ++j)
                                        po[o[0] + j * is[0]] = pc[o[1] + j * is[1]] != C(0) ? pa[o[2] + j * is[2]]
                                                                                             : pb[o[3] + j * is[3]];
                                });
    });
    return out;
}
}  // namespace

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
    PRISM_CHECK(a.dtype() == b.dtype(), "where", "cond ", shape_str(cond.shape()), ", a ", shape_str(a.shape()), " ",
                dtype_name(a.dtype()), ", b ", shape_str(b.shape()), " ", dtype_name(b.dtype()), ": dtypes differ");
    return dispatch(a.dtype(), [&](auto tag) { return where_impl<decltype(tag)>(cond, a, b, "where"); });
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
    const Shape b = broadcast_shapes(x.shape(), mask.shape(), "masked_fill");
    PRISM_CHECK(b == x.shape(), "masked_fill", "mask ", shape_str(mask.shape()), " does not broadcast to input ",
                shape_str(x.shape()));
    return where(mask, Tensor::scalar(value, x.dtype()), x);
}

}  // namespace prism::ops
