// Differentiable reductions (autograd/fn_elementwise.hpp). Backward broadcasts the output
// gradient back over the reduced dims (re-inserting them first when keepdim was false).
#include "prism/autograd/fn_elementwise.hpp"
#include "prism/autograd/node.hpp"
#include "prism/ops/elementwise.hpp"
#include "prism/ops/reduce.hpp"
#include "prism/ops/unary.hpp"

namespace prism {

namespace {
// g (reduced shape, with or without keepdim) -> a fresh tensor of `shape`, times `scale`.
Tensor expand_back(const Tensor& g, const Shape& shape, const std::vector<std::int64_t>& rdims, double scale) {
    const Tensor gk = g.detach().reshape(ops::reduced_shape(shape, rdims, true));
    Tensor out = ops::expand_copy(gk, shape);
    return scale == 1.0 ? out : ops::scalar_op(out, scale, ops::ScalarOp::Mul);
}
std::int64_t count(const Shape& shape, const std::vector<std::int64_t>& rdims) {
    std::int64_t n = 1;
    for (auto d : rdims) n *= shape[d];
    return n;
}
}  // namespace

Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
    const Shape sh = x.shape();
    const auto rd = ops::reduce_dims(sh, dims, "sum");
    return record("sum", ops::sum(x, dims, keepdim), {x},
                  [sh, rd](const Tensor& g) -> std::vector<Tensor> { return {expand_back(g, sh, rd, 1.0)}; });
}

Tensor mean(const Tensor& x) { return mean(x, {}, false); }

Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
    const Shape sh = x.shape();
    const auto rd = ops::reduce_dims(sh, dims, "mean");
    const double scale = 1.0 / static_cast<double>(count(sh, rd));
    return record("mean", ops::mean(x, dims, keepdim), {x},
                  [sh, rd, scale](const Tensor& g) -> std::vector<Tensor> { return {expand_back(g, sh, rd, scale)}; });
}

Tensor var(const Tensor& x, const std::vector<std::int64_t>& dims, bool unbiased, bool keepdim) {
    const Shape sh = x.shape();
    const auto rd = ops::reduce_dims(sh, dims, "var");
    const Tensor xd = x.detach();
    const double scale = 2.0 / static_cast<double>(count(sh, rd) - (unbiased ? 1 : 0));
    // d var / dx = 2 (x - mean) / (n - ddof)
    return record("var", ops::var(x, dims, unbiased, keepdim), {x},
                  [sh, rd, xd, dims, scale](const Tensor& g) -> std::vector<Tensor> {
                      const Tensor centered = ops::sub(xd, ops::mean(xd, dims, true));
                      return {ops::mul(expand_back(g, sh, rd, scale), centered)};
                  });
}

Tensor max(const Tensor& x, std::int64_t dim, bool keepdim) {
    auto [vals, idx] = ops::max(x, dim, keepdim);
    const Shape sh = x.shape();
    return record("max", vals, {x}, [idx = idx, sh, dim, keepdim](const Tensor& g) -> std::vector<Tensor> {
        return {ops::max_backward(g, idx, sh, dim, keepdim)};
    });
}

Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim) { return ops::argmax(x, dim, keepdim); }

}  // namespace prism
