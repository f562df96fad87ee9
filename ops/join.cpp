#include "prism/ops/join.hpp"

#include "prism/core/layout.hpp"

namespace prism::ops {

namespace {
std::string shapes_of(const std::vector<Tensor>& xs) {
    std::string s;
    for (std::size_t i = 0; i < xs.size(); ++i) s += (i ? ", " : "") + shape_str(xs[i].shape());
    return s;
}
}  // namespace

Tensor cat(const std::vector<Tensor>& xs, std::int64_t dim) {
    PRISM_CHECK(!xs.empty(), "cat", "expected a non-empty list of tensors");
    const Tensor& x0 = xs[0];
    PRISM_CHECK(x0.dim() > 0, "cat", "zero-dimensional tensor cannot be concatenated: ", shapes_of(xs));
    const std::int64_t d = wrap_dim(dim, x0.dim(), "cat");
    Shape shape = x0.shape();
    shape[d] = 0;
    for (const Tensor& x : xs) {
        PRISM_CHECK(x.dim() == x0.dim() && x.dtype() == x0.dtype(), "cat", "tensors ", shapes_of(xs),
                    ": all must have the same number of dims and dtype");
        for (std::int64_t i = 0; i < x.dim(); ++i)
            PRISM_CHECK(i == d || x.size(i) == x0.size(i), "cat", "tensors ", shapes_of(xs), ": sizes must match except in dim ", d);
        shape[d] += x.size(d);
    }
    Tensor out = Tensor::empty(shape, x0.dtype());
    std::int64_t off = 0;
    for (const Tensor& x : xs) {
        layout::narrow(out, d, off, x.size(d)).copy_(x);
        off += x.size(d);
    }
    return out;
}

}  // namespace prism::ops
