// Differentiable views and copies: the Tensor member functions that make one tensor from
// another without arithmetic. The layout of each comes from core/layout.hpp (plain, no
// autograd); this file records the node whose backward maps the gradient back onto the
// input's shape.
#include <numeric>

#include "prism/autograd/node.hpp"
#include "prism/core/layout.hpp"
#include "prism/ops/elementwise.hpp"

namespace prism {

Tensor Tensor::view(const Shape& shape) const {
    const Shape in_shape = this->shape();
    return record("view", layout::view(*this, shape), {*this},
                  [in_shape](const Tensor& g) -> std::vector<Tensor> { return {g.reshape(in_shape)}; });
}

Tensor Tensor::reshape(const Shape& shape_in) const {
    const Shape shape = layout::infer_shape(shape_in, numel(), "reshape", this->shape());
    if (layout::view_strides(this->shape(), strides(), shape)) return view(shape);
    return contiguous().view(shape);
}

Tensor Tensor::flatten(std::int64_t start_dim, std::int64_t end_dim) const {
    const Tensor flat = layout::flatten(*this, start_dim, end_dim);  // checks the dims
    return reshape(flat.shape());
}

Tensor Tensor::permute(const std::vector<std::int64_t>& dims) const {
    Tensor out = layout::permute(*this, dims);  // checks the permutation
    std::vector<std::int64_t> inverse(dims.size());
    for (std::size_t i = 0; i < dims.size(); ++i) inverse[wrap_dim(dims[i], dim(), "permute")] = std::int64_t(i);
    return record("permute", out, {*this},
                  [inverse](const Tensor& g) -> std::vector<Tensor> { return {g.permute(inverse)}; });
}

Tensor Tensor::transpose(std::int64_t d0, std::int64_t d1) const {
    std::vector<std::int64_t> p(dim());
    std::iota(p.begin(), p.end(), 0);
    std::swap(p[wrap_dim(d0, dim(), "transpose")], p[wrap_dim(d1, dim(), "transpose")]);
    return permute(p);
}

Tensor Tensor::t() const {
    if (dim() != 2) throw Error("t", "expects a 2-d tensor, got ", shape_str(shape()));
    return transpose(0, 1);
}

Tensor Tensor::narrow(std::int64_t d_in, std::int64_t start_in, std::int64_t length) const {
    Tensor out = layout::narrow(*this, d_in, start_in, length);  // checks the range
    const std::int64_t d = wrap_dim(d_in, dim(), "narrow");
    const std::int64_t start = start_in < 0 ? start_in + shape()[d] : start_in;
    const Shape in_shape = shape();
    const DType dt = dtype();
    return record("narrow", out, {*this}, [in_shape, dt, d, start, length](const Tensor& g) -> std::vector<Tensor> {
        Tensor full = Tensor::zeros(in_shape, dt);
        layout::narrow(full, d, start, length).copy_(g);
        return {full};
    });
}

Tensor Tensor::select(std::int64_t d_in, std::int64_t index) const {
    const std::int64_t d = wrap_dim(d_in, dim(), "select");
    if (index < -shape()[d] || index >= shape()[d])
        throw Error("select", "index ", index, " out of range for dim ", d, " of shape ", shape_str(shape()));
    if (index < 0) index += shape()[d];
    return narrow(d, index, 1).squeeze(d);
}

Tensor Tensor::expand(const Shape& shape) const {
    const Shape in_shape = this->shape();
    return record("expand", layout::expand(*this, shape), {*this},
                  [in_shape](const Tensor& g) -> std::vector<Tensor> { return {ops::sum_to(g, in_shape)}; });
}

Tensor Tensor::squeeze(std::int64_t d_in) const {
    const std::int64_t d = wrap_dim(d_in, dim(), "squeeze");
    if (shape()[d] != 1) return *this;  // PyTorch: squeezing a dim of size != 1 is a no-op
    const Shape in_shape = shape();
    return record("squeeze", layout::squeeze(*this, d), {*this},
                  [in_shape](const Tensor& g) -> std::vector<Tensor> { return {g.reshape(in_shape)}; });
}

Tensor Tensor::unsqueeze(std::int64_t d) const {
    const Shape in_shape = shape();
    return record("unsqueeze", layout::unsqueeze(*this, d), {*this},
                  [in_shape](const Tensor& g) -> std::vector<Tensor> { return {g.reshape(in_shape)}; });
}

Tensor Tensor::contiguous() const {
    if (is_contiguous()) return *this;
    return clone();
}

Tensor Tensor::clone() const {
    Tensor out = Tensor::empty(shape(), dtype());
    out.copy_(*this);
    return record("clone", out, {*this}, [](const Tensor& g) -> std::vector<Tensor> { return {g}; });
}

Tensor Tensor::to(DType dt) const {
    if (dt == dtype()) return *this;
    Tensor out = layout::to(*this, dt);
    if (!is_floating(dt)) return out;  // integer results carry no gradient
    const DType src = dtype();
    return record("to", out, {*this}, [src](const Tensor& g) -> std::vector<Tensor> { return {g.to(src)}; });
}

}  // namespace prism
