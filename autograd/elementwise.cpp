// Differentiable elementwise functions (autograd/fn_elementwise.hpp): forward with an ops/
// kernel, then record() a closure mapping dL/dout to dL/dinput. Broadcast operands get their
// gradient summed back to their own shape with ops::sum_to.
#include "prism/autograd/fn_elementwise.hpp"
#include "prism/autograd/node.hpp"
#include "prism/ops/elementwise.hpp"
#include "prism/ops/unary.hpp"

namespace prism {

namespace {
using ops::ScalarOp;
using ops::UnaryOp;

Tensor scal(const Tensor& g, double s) { return ops::scalar_op(g, s, ScalarOp::Mul); }
Tensor zero_like_scalar(const Tensor& g) { return Tensor::scalar(0.0, g.dtype()); }
}  // namespace

// ---- tensor (op) tensor ---------------------------------------------------------------------

Tensor add(const Tensor& a, const Tensor& b) {
    const Shape sa = a.shape(), sb = b.shape();
    return record("add", ops::add(a, b), {a, b}, [sa, sb](const Tensor& g) -> std::vector<Tensor> {
        return {ops::sum_to(g, sa), ops::sum_to(g, sb)};
    });
}

Tensor sub(const Tensor& a, const Tensor& b) {
    const Shape sa = a.shape(), sb = b.shape();
    const bool gb = b.requires_grad();
    return record("sub", ops::sub(a, b), {a, b}, [sa, sb, gb](const Tensor& g) -> std::vector<Tensor> {
        return {ops::sum_to(g, sa), gb ? ops::sum_to(ops::neg(g), sb) : Tensor()};
    });
}

Tensor mul(const Tensor& a, const Tensor& b) {
    const Tensor ad = a.detach(), bd = b.detach();
    const bool ga = a.requires_grad(), gb = b.requires_grad();
    return record("mul", ops::mul(a, b), {a, b}, [ad, bd, ga, gb](const Tensor& g) -> std::vector<Tensor> {
        return {ga ? ops::sum_to(ops::mul(g, bd), ad.shape()) : Tensor(),
                gb ? ops::sum_to(ops::mul(g, ad), bd.shape()) : Tensor()};
    });
}

Tensor div(const Tensor& a, const Tensor& b) {
    Tensor out = ops::div(a, b);
    const Tensor bd = b.detach(), od = out.detach();
    const Shape sa = a.shape();
    const bool ga = a.requires_grad(), gb = b.requires_grad();
    return record("div", out, {a, b}, [bd, od, sa, ga, gb](const Tensor& g) -> std::vector<Tensor> {
        const Tensor g_over_b = ops::div(g, bd);  // d(a/b)/da = 1/b, d(a/b)/db = -(a/b)/b
        return {ga ? ops::sum_to(g_over_b, sa) : Tensor(),
                gb ? ops::sum_to(ops::neg(ops::mul(g_over_b, od)), bd.shape()) : Tensor()};
    });
}

// ---- tensor (op) scalar ---------------------------------------------------------------------

Tensor add(const Tensor& a, double s) {
    return record("add", ops::scalar_op(a, s, ScalarOp::Add), {a},
                  [](const Tensor& g) -> std::vector<Tensor> { return {g}; });
}
Tensor sub(const Tensor& a, double s) {
    return record("sub", ops::scalar_op(a, s, ScalarOp::Sub), {a},
                  [](const Tensor& g) -> std::vector<Tensor> { return {g}; });
}
Tensor mul(const Tensor& a, double s) {
    return record("mul", ops::scalar_op(a, s, ScalarOp::Mul), {a},
                  [s](const Tensor& g) -> std::vector<Tensor> { return {scal(g, s)}; });
}
Tensor div(const Tensor& a, double s) {
    return record("div", ops::scalar_op(a, s, ScalarOp::Div), {a},
                  [s](const Tensor& g) -> std::vector<Tensor> { return {scal(g, 1.0 / s)}; });
}
Tensor rsub(const Tensor& a, double s) {
    return record("rsub", ops::scalar_op(a, s, ScalarOp::RSub), {a},
                  [](const Tensor& g) -> std::vector<Tensor> { return {ops::neg(g)}; });
}
Tensor rdiv(const Tensor& a, double s) {
    Tensor out = ops::scalar_op(a, s, ScalarOp::RDiv);
    const Tensor ad = a.detach(), od = out.detach();
    return record("rdiv", out, {a}, [ad, od](const Tensor& g) -> std::vector<Tensor> {
        return {ops::neg(ops::div(ops::mul(g, od), ad))};  // d(s/a)/da = -(s/a)/a
    });
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double s) { return add(a, s); }
Tensor operator-(const Tensor& a, double s) { return sub(a, s); }
Tensor operator*(const Tensor& a, double s) { return mul(a, s); }
Tensor operator/(const Tensor& a, double s) { return div(a, s); }
Tensor operator+(double s, const Tensor& a) { return add(a, s); }
Tensor operator-(double s, const Tensor& a) { return rsub(a, s); }
Tensor operator*(double s, const Tensor& a) { return mul(a, s); }
Tensor operator/(double s, const Tensor& a) { return rdiv(a, s); }
Tensor operator-(const Tensor& a) { return neg(a); }

// ---- unary ----------------------------------------------------------------------------------

Tensor neg(const Tensor& x) {
    return record("neg", ops::neg(x), {x}, [](const Tensor& g) -> std::vector<Tensor> { return {ops::neg(g)}; });
}

Tensor exp(const Tensor& x) {
    Tensor out = ops::exp(x);
    const Tensor od = out.detach();
    return record("exp", out, {x}, [od](const Tensor& g) -> std::vector<Tensor> { return {ops::mul(g, od)}; });
}

Tensor log(const Tensor& x) {
    const Tensor xd = x.detach();
    return record("log", ops::log(x), {x}, [xd](const Tensor& g) -> std::vector<Tensor> { return {ops::div(g, xd)}; });
}

Tensor sqrt(const Tensor& x) {
    Tensor out = ops::sqrt(x);
    const Tensor od = out.detach();
    return record("sqrt", out, {x}, [od](const Tensor& g) -> std::vector<Tensor> {
        return {ops::div(scal(g, 0.5), od)};
    });
}

Tensor rsqrt(const Tensor& x) {
    Tensor out = ops::rsqrt(x);
    const Tensor od = out.detach();
    return record("rsqrt", out, {x}, [od](const Tensor& g) -> std::vector<Tensor> {
        return {ops::mul(scal(g, -0.5), ops::pow(od, 3))};  // d(x^-1/2) = -1/2 x^-3/2
    });
}

Tensor tanh(const Tensor& x) {
    Tensor out = ops::tanh(x);
    const Tensor od = out.detach();
    return record("tanh", out, {x}, [od](const Tensor& g) -> std::vector<Tensor> { return {ops::tanh_backward(od, g)}; });
}

Tensor sigmoid(const Tensor& x) {
    Tensor out = ops::sigmoid(x);
    const Tensor od = out.detach();
    return record("sigmoid", out, {x},
                  [od](const Tensor& g) -> std::vector<Tensor> { return {ops::sigmoid_backward(od, g)}; });
}

Tensor relu(const Tensor& x) {
    const Tensor xd = x.detach();
    return record("relu", ops::relu(x), {x},
                  [xd](const Tensor& g) -> std::vector<Tensor> { return {ops::relu_backward(xd, g)}; });
}

Tensor gelu(const Tensor& x, GeluApprox approximate) {
    const Tensor xd = x.detach();
    if (approximate == GeluApprox::Tanh)
        return record("gelu_tanh", ops::gelu_tanh(x), {x},
                      [xd](const Tensor& g) -> std::vector<Tensor> { return {ops::gelu_tanh_backward(xd, g)}; });
    return record("gelu", ops::gelu(x), {x},
                  [xd](const Tensor& g) -> std::vector<Tensor> { return {ops::gelu_backward(xd, g)}; });
}

Tensor pow(const Tensor& x, double exponent) {
    const Tensor xd = x.detach();
    return record("pow", ops::pow(x, exponent), {x}, [xd, exponent](const Tensor& g) -> std::vector<Tensor> {
        return {ops::pow_backward(xd, g, exponent)};
    });
}

Tensor square(const Tensor& x) {
    const Tensor xd = x.detach();
    return record("square", ops::square(x), {x},
                  [xd](const Tensor& g) -> std::vector<Tensor> { return {ops::mul(g, scal(xd, 2.0))}; });
}

Tensor abs(const Tensor& x) {
    const Tensor xd = x.detach();
    return record("abs", ops::abs(x), {x},
                  [xd](const Tensor& g) -> std::vector<Tensor> { return {ops::mul(g, ops::sign(xd))}; });
}

Tensor clamp(const Tensor& x, double min, double max) {
    const Tensor xd = x.detach();
    return record("clamp", ops::clamp(x, min, max), {x}, [xd, min, max](const Tensor& g) -> std::vector<Tensor> {
        return {ops::clamp_backward(xd, g, min, max)};
    });
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
    const Tensor cd = cond.detach();
    const Shape sa = a.shape(), sb = b.shape();
    const bool ga = a.requires_grad(), gb = b.requires_grad();
    // cond gets no gradient: it is passed only so the graph does not keep it alive
    return record("where", ops::where(cond, a, b), {a, b}, [cd, sa, sb, ga, gb](const Tensor& g) -> std::vector<Tensor> {
        const Tensor z = zero_like_scalar(g);
        return {ga ? ops::sum_to(ops::where(cd, g, z), sa) : Tensor(),
                gb ? ops::sum_to(ops::where(cd, z, g), sb) : Tensor()};
    });
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
    const Tensor md = mask.detach();
    return record("masked_fill", ops::masked_fill(x, mask, value), {x},
                  [md](const Tensor& g) -> std::vector<Tensor> { return {ops::masked_fill(g, md, 0.0)}; });
}

}  // namespace prism
