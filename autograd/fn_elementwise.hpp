// Differentiable elementwise functions and reductions (NumPy broadcasting, like torch.*).
#pragma once
#include <vector>

#include "prism/core/tensor.hpp"

namespace prism {

// a (op) b with broadcasting; both operands must have the same dtype.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
// scalar variants: a (op) s
Tensor add(const Tensor& a, double s);
Tensor sub(const Tensor& a, double s);
Tensor mul(const Tensor& a, double s);
Tensor div(const Tensor& a, double s);
Tensor rsub(const Tensor& a, double s);  // s - a
Tensor rdiv(const Tensor& a, double s);  // s / a

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double s);
Tensor operator-(const Tensor& a, double s);
Tensor operator*(const Tensor& a, double s);
Tensor operator/(const Tensor& a, double s);
Tensor operator+(double s, const Tensor& a);
Tensor operator-(double s, const Tensor& a);
Tensor operator*(double s, const Tensor& a);
Tensor operator/(double s, const Tensor& a);
Tensor operator-(const Tensor& a);

Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
enum class GeluApprox { None, Tanh };  // "gelu" (exact, erf) and "gelu_tanh"
Tensor gelu(const Tensor& x, GeluApprox approximate = GeluApprox::None);
Tensor pow(const Tensor& x, double exponent);
Tensor square(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor clamp(const Tensor& x, double min, double max);  // gradient 0 outside [min, max]
// cond: any dtype, nonzero = true; broadcasts with a and b.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);  // mask nonzero -> value

// Reductions. dims may be negative; an empty dims list reduces over everything.
Tensor sum(const Tensor& x);  // 0-d
Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim = false);
Tensor var(const Tensor& x, const std::vector<std::int64_t>& dims, bool unbiased = true, bool keepdim = false);
Tensor max(const Tensor& x, std::int64_t dim, bool keepdim = false);     // values; grad to the argmax
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim = false);  // int64, not differentiable

}  // namespace prism
