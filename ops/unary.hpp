// Unary elementwise kernels and their backward kernels (no autograd), float32/float64, any
// strides. Fast paths vectorised with xsimd (ops/loop.hpp); ops::ref computes the same in
// double with <cmath>, one element at a time, for the tests.
#pragma once
#include "prism/core/tensor.hpp"

namespace prism::ops {

enum class UnaryOp { Neg, Exp, Log, Sqrt, Rsqrt, Tanh, Sigmoid, Relu, Gelu, GeluTanh, Abs, Square, Sign };
enum class ScalarOp { Add, Sub, Mul, Div, RSub, RDiv, Pow };  // scalar_op below

namespace ref {
Tensor unary(const Tensor& x, UnaryOp op);
Tensor scalar_op(const Tensor& x, double s, ScalarOp op);
Tensor clamp(const Tensor& x, double min, double max);
Tensor relu_backward(const Tensor& x, const Tensor& grad);
Tensor gelu_backward(const Tensor& x, const Tensor& grad);
Tensor gelu_tanh_backward(const Tensor& x, const Tensor& grad);
Tensor tanh_backward(const Tensor& y, const Tensor& grad);
Tensor sigmoid_backward(const Tensor& y, const Tensor& grad);
Tensor clamp_backward(const Tensor& x, const Tensor& grad, double min, double max);
}  // namespace ref

Tensor unary(const Tensor& x, UnaryOp op);

Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor gelu(const Tensor& x);       // exact: x/2 (1 + erf(x/sqrt 2))
Tensor gelu_tanh(const Tensor& x);  // x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
Tensor abs(const Tensor& x);
Tensor square(const Tensor& x);
Tensor sign(const Tensor& x);

// x (op) s for a scalar s.
Tensor scalar_op(const Tensor& x, double s, ScalarOp op);
Tensor pow(const Tensor& x, double exponent);
Tensor clamp(const Tensor& x, double min, double max);

// Backward kernels: grad (same shape as x) in, dL/dx out.
Tensor relu_backward(const Tensor& x, const Tensor& grad);
Tensor gelu_backward(const Tensor& x, const Tensor& grad);
Tensor gelu_tanh_backward(const Tensor& x, const Tensor& grad);
Tensor tanh_backward(const Tensor& y, const Tensor& grad);     // from y = tanh(x): grad (1 - y^2)
Tensor sigmoid_backward(const Tensor& y, const Tensor& grad);  // from y = sigmoid(x): grad y (1 - y)
Tensor clamp_backward(const Tensor& x, const Tensor& grad, double min, double max);  // 0 outside [min, max]
Tensor pow_backward(const Tensor& x, const Tensor& grad, double exponent);         // grad p x^(p-1)

}  // namespace prism::ops
