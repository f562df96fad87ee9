#include "prism/ops/unary.hpp"

#include <cmath>

#include "prism/ops/elementwise.hpp"
#include "prism/ops/loop.hpp"

namespace prism::ops {

using detail::cst;
using detail::sel;

namespace {

constexpr double kSqrt1_2 = 0.70710678118654752440;  // 1/sqrt(2)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1/sqrt(2 pi)
constexpr double kGeluK = 0.79788456080286535588;  // sqrt(2/pi)
constexpr double kGeluC = 0.044715;

const char* unary_name(UnaryOp op) {
    switch (op) {
        case UnaryOp::Neg: return "neg";
        case UnaryOp::Exp: return "exp";
        case UnaryOp::Log: return "log";
        case UnaryOp::Sqrt: return "sqrt";
        case UnaryOp::Rsqrt: return "rsqrt";
        case UnaryOp::Tanh: return "tanh";
        case UnaryOp::Sigmoid: return "sigmoid";
        case UnaryOp::Relu: return "relu";
        case UnaryOp::Gelu: return "gelu";
        case UnaryOp::GeluTanh: return "gelu_tanh";
        case UnaryOp::Abs: return "abs";
        case UnaryOp::Square: return "square";
        case UnaryOp::Sign: return "sign";
    }
    return "unary";
}

}  // namespace

// ---- reference loops: double precision <cmath>, one element at a time ----------------------
namespace ref {

namespace {
double gelu_cdf(double v) { return 0.5 * (1 + std::erf(v * kSqrt1_2)); }
double gelu_t(double v) { return std::tanh(kGeluK * (v + kGeluC * v * v * v)); }
}  // namespace

Tensor unary(const Tensor& x, UnaryOp op) {
    detail::check_float(x, unary_name(op));
    return detail::map_ref(unary_name(op), x, Tensor(), [op](double v, double) -> double {
        switch (op) {
            case UnaryOp::Neg: return -v;
            case UnaryOp::Exp: return std::exp(v);
            case UnaryOp::Log: return std::log(v);
            case UnaryOp::Sqrt: return std::sqrt(v);
            case UnaryOp::Rsqrt: return 1 / std::sqrt(v);
            case UnaryOp::Tanh: return std::tanh(v);
            case UnaryOp::Sigmoid: return 1 / (1 + std::exp(-v));
            case UnaryOp::Relu: return v > 0 ? v : 0;
            case UnaryOp::Gelu: return v * gelu_cdf(v);
            case UnaryOp::GeluTanh: return 0.5 * v * (1 + gelu_t(v));
            case UnaryOp::Abs: return std::fabs(v);
            case UnaryOp::Square: return v * v;
            case UnaryOp::Sign: return v > 0 ? 1 : (v < 0 ? -1 : 0);
        }
        return 0;
    });
}

Tensor scalar_op(const Tensor& x, double s, ScalarOp op) {
    detail::check_float(x, "scalar_op");
    return detail::map_ref("scalar_op", x, Tensor(), [op, s](double v, double) -> double {
        switch (op) {
            case ScalarOp::Add: return v + s;
            case ScalarOp::Sub: return v - s;
            case ScalarOp::Mul: return v * s;
            case ScalarOp::Div: return v / s;
            case ScalarOp::RSub: return s - v;
            case ScalarOp::RDiv: return s / v;
            case ScalarOp::Pow: return std::pow(v, s);
        }
        return 0;
    });
}

Tensor clamp(const Tensor& x, double lo, double hi) {
    return detail::map_ref("clamp", x, Tensor(), [lo, hi](double v, double) { return std::min(std::max(v, lo), hi); });
}
Tensor relu_backward(const Tensor& x, const Tensor& g) {
    return detail::map_ref("relu_backward", x, g, [](double v, double d) { return v > 0 ? d : 0.0; });
}
Tensor gelu_backward(const Tensor& x, const Tensor& g) {
    return detail::map_ref("gelu_backward", x, g, [](double v, double d) {
        return d * (gelu_cdf(v) + v * std::exp(-0.5 * v * v) * kInvSqrt2Pi);
    });
}
Tensor gelu_tanh_backward(const Tensor& x, const Tensor& g) {
    return detail::map_ref("gelu_tanh_backward", x, g, [](double v, double d) {
        const double t = gelu_t(v);
        return d * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * kGeluK * (1 + 3 * kGeluC * v * v));
    });
}
Tensor tanh_backward(const Tensor& y, const Tensor& g) {
    return detail::map_ref("tanh_backward", y, g, [](double v, double d) { return d * (1 - v * v); });
}
Tensor sigmoid_backward(const Tensor& y, const Tensor& g) {
    return detail::map_ref("sigmoid_backward", y, g, [](double v, double d) { return d * v * (1 - v); });
}
Tensor clamp_backward(const Tensor& x, const Tensor& g, double lo, double hi) {
    return detail::map_ref("clamp_backward", x, g, [lo, hi](double v, double d) { return v < lo || v > hi ? 0.0 : d; });
}

}  // namespace ref

namespace {

// Run f over x (one input) or (a, b) (two inputs) in x's floating dtype.
template <class F> Tensor map1(const Tensor& x, const char* op, F f) {
    detail::check_float(x, op);
    return dispatch_floating(x.dtype(), [&](auto tag) { return detail::map<decltype(tag), 1>({x}, f, op); });
}
template <class F> Tensor map2(const Tensor& a, const Tensor& b, const char* op, F f) {
    detail::check_float_pair(a, b, op);
    return dispatch_floating(a.dtype(), [&](auto tag) { return detail::map<decltype(tag), 2>({a, b}, f, op); });
}

// The generic bodies, shared by the scalar tail and the xsimd path.
struct Gelu {
    template <class V> V operator()(V x) const {
        using std::erf;
        return cst<V>(0.5) * x * (cst<V>(1) + erf(x * cst<V>(kSqrt1_2)));
    }
};
struct GeluTanh {
    template <class V> V operator()(V x) const {
        using std::tanh;
        const V u = cst<V>(kGeluK) * (x + cst<V>(kGeluC) * x * x * x);
        return cst<V>(0.5) * x * (cst<V>(1) + tanh(u));
    }
};

}  // namespace

Tensor unary(const Tensor& x, UnaryOp op) {
    const char* n = unary_name(op);
    switch (op) {
        case UnaryOp::Neg: return map1(x, n, [](auto v) { return -v; });
        case UnaryOp::Exp: return map1(x, n, [](auto v) { using std::exp; return exp(v); });
        case UnaryOp::Log: return map1(x, n, [](auto v) { using std::log; return log(v); });
        case UnaryOp::Sqrt: return map1(x, n, [](auto v) { using std::sqrt; return sqrt(v); });
        case UnaryOp::Rsqrt:  // not xsimd::rsqrt: that one is an approximation
            return map1(x, n, [](auto v) { using std::sqrt; using V = decltype(v); return cst<V>(1) / sqrt(v); });
        case UnaryOp::Tanh: return map1(x, n, [](auto v) { using std::tanh; return tanh(v); });
        case UnaryOp::Sigmoid:
            return map1(x, n, [](auto v) {
                using std::exp;
                using V = decltype(v);
                return cst<V>(1) / (cst<V>(1) + exp(-v));
            });
        case UnaryOp::Relu:
            return map1(x, n, [](auto v) { using V = decltype(v); return sel(v > cst<V>(0), v, cst<V>(0)); });
        case UnaryOp::Gelu: return map1(x, n, Gelu{});
        case UnaryOp::GeluTanh: return map1(x, n, GeluTanh{});
        case UnaryOp::Abs: return map1(x, n, [](auto v) { using std::abs; return abs(v); });
        case UnaryOp::Square: return map1(x, n, [](auto v) { return v * v; });
        case UnaryOp::Sign:
            return map1(x, n, [](auto v) {
                using V = decltype(v);
                return sel(v > cst<V>(0), cst<V>(1), sel(v < cst<V>(0), cst<V>(-1), cst<V>(0)));
            });
    }
    throw Error("unary", "unknown op");
}

Tensor neg(const Tensor& x) { return unary(x, UnaryOp::Neg); }
Tensor exp(const Tensor& x) { return unary(x, UnaryOp::Exp); }
Tensor log(const Tensor& x) { return unary(x, UnaryOp::Log); }
Tensor sqrt(const Tensor& x) { return unary(x, UnaryOp::Sqrt); }
Tensor rsqrt(const Tensor& x) { return unary(x, UnaryOp::Rsqrt); }
Tensor tanh(const Tensor& x) { return unary(x, UnaryOp::Tanh); }
Tensor sigmoid(const Tensor& x) { return unary(x, UnaryOp::Sigmoid); }
Tensor relu(const Tensor& x) { return unary(x, UnaryOp::Relu); }
Tensor gelu(const Tensor& x) { return unary(x, UnaryOp::Gelu); }
Tensor gelu_tanh(const Tensor& x) { return unary(x, UnaryOp::GeluTanh); }
Tensor abs(const Tensor& x) { return unary(x, UnaryOp::Abs); }
Tensor square(const Tensor& x) { return unary(x, UnaryOp::Square); }
Tensor sign(const Tensor& x) { return unary(x, UnaryOp::Sign); }

Tensor scalar_op(const Tensor& x, double s, ScalarOp op) {
    switch (op) {
        case ScalarOp::Add: return map1(x, "add", [s](auto v) { return v + cst<decltype(v)>(s); });
        case ScalarOp::Sub: return map1(x, "sub", [s](auto v) { return v - cst<decltype(v)>(s); });
        case ScalarOp::Mul: return map1(x, "mul", [s](auto v) { return v * cst<decltype(v)>(s); });
        case ScalarOp::Div: return map1(x, "div", [s](auto v) { return v / cst<decltype(v)>(s); });
        case ScalarOp::RSub: return map1(x, "rsub", [s](auto v) { return cst<decltype(v)>(s) - v; });
        case ScalarOp::RDiv: return map1(x, "rdiv", [s](auto v) { return cst<decltype(v)>(s) / v; });
        case ScalarOp::Pow: return pow(x, s);
    }
    throw Error("scalar_op", "unknown op");
}

Tensor pow(const Tensor& x, double p) {
    if (p == std::round(p) && std::fabs(p) <= 64) {
        // integer exponent: repeated squaring, exact for negative bases (xsimd::pow is not)
        const long e0 = static_cast<long>(p);
        return map1(x, "pow", [e0](auto v) {
            using V = decltype(v);
            V r = cst<V>(1), b = v;
            for (unsigned long e = static_cast<unsigned long>(e0 < 0 ? -e0 : e0); e; e >>= 1) {
                if (e & 1) r = r * b;
                b = b * b;
            }
            return e0 < 0 ? cst<V>(1) / r : r;
        });
    }
    return map1(x, "pow", [p](auto v) { using std::pow; return pow(v, cst<decltype(v)>(p)); });
}

Tensor clamp(const Tensor& x, double lo, double hi) {
    PRISM_CHECK(lo <= hi, "clamp", shape_str(x.shape()), ": min ", lo, " > max ", hi);
    return map1(x, "clamp", [lo, hi](auto v) {
        using V = decltype(v);
        return sel(v < cst<V>(lo), cst<V>(lo), sel(v > cst<V>(hi), cst<V>(hi), v));
    });
}

Tensor relu_backward(const Tensor& x, const Tensor& g) {
    return map2(x, g, "relu_backward", [](auto v, auto d) { using V = decltype(v); return sel(v > cst<V>(0), d, cst<V>(0)); });
}

Tensor gelu_backward(const Tensor& x, const Tensor& g) {
    return map2(x, g, "gelu_backward", [](auto v, auto d) {
        using V = decltype(v);
        using std::erf;
        using std::exp;
        const V cdf = cst<V>(0.5) * (cst<V>(1) + erf(v * cst<V>(kSqrt1_2)));
        const V pdf = cst<V>(kInvSqrt2Pi) * exp(cst<V>(-0.5) * v * v);
        return d * (cdf + v * pdf);
    });
}

Tensor gelu_tanh_backward(const Tensor& x, const Tensor& g) {
    return map2(x, g, "gelu_tanh_backward", [](auto v, auto d) {
        using V = decltype(v);
        using std::tanh;
        const V v2 = v * v;
        const V t = tanh(cst<V>(kGeluK) * (v + cst<V>(kGeluC) * v2 * v));
        const V du = cst<V>(kGeluK) * (cst<V>(1) + cst<V>(3 * kGeluC) * v2);
        return d * (cst<V>(0.5) * (cst<V>(1) + t) + cst<V>(0.5) * v * (cst<V>(1) - t * t) * du);
    });
}

Tensor tanh_backward(const Tensor& y, const Tensor& g) {
    return map2(y, g, "tanh_backward", [](auto v, auto d) { return d * (cst<decltype(v)>(1) - v * v); });
}

Tensor sigmoid_backward(const Tensor& y, const Tensor& g) {
    return map2(y, g, "sigmoid_backward", [](auto v, auto d) { return d * v * (cst<decltype(v)>(1) - v); });
}

Tensor clamp_backward(const Tensor& x, const Tensor& g, double lo, double hi) {
    return map2(x, g, "clamp_backward", [lo, hi](auto v, auto d) {
        using V = decltype(v);
        return sel(v < cst<V>(lo), cst<V>(0), sel(v > cst<V>(hi), cst<V>(0), d));
    });
}

Tensor pow_backward(const Tensor& x, const Tensor& g, double p) {
    return ops::mul(g, scalar_op(pow(x, p - 1), p, ScalarOp::Mul));
}

}  // namespace prism::ops
