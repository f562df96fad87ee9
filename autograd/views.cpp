// Differentiable views and copies: the Tensor member functions that make one tensor from
// another without arithmetic. The layout of each comes from core/layout.hpp (plain, no
// autograd); this file records the node whose backward maps the gradient back onto the
// input's shape.
#include <algorithm>
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

namespace {
// An uninitialised tensor of this shape, laid out like the strides when they cover the elements
// densely (a permutation of a row-major block, as permute() makes), else row-major. The
// permute/view backward after it then stays a view instead of a copy.
Tensor empty_like_dense(const Shape& shape, const Strides& strides, DType dt) {
    const std::size_t n = shape.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return strides[a] > strides[b]; });
    std::int64_t expect = 1;
    bool dense = true;
    for (std::size_t j = n; j-- > 0;) {
        const std::size_t d = order[j];
        if (shape[d] == 1) continue;
        dense = dense && strides[d] == expect;
        expect *= shape[d];
    }
    if (!dense || expect == 0) return Tensor::empty(shape, dt);
    const Tensor block = Tensor::empty({expect}, dt);
    return Tensor::from_storage(block.storage(), shape, strides, 0, dt);
}
}  // namespace

// unbind(d) returns the n = size(d) views select(d, i). n select()s would each have a backward
// that writes a zero tensor of x's full shape with one slice filled, which the engine then sums:
// n full-size writes and n - 1 full-size adds (for attention's q, k, v: 3 and 2 per layer).
// Here one backward writes each slice's gradient once, into a gradient laid out like x.
//
// With single-output nodes: a hidden 0-d tensor `pack` is recorded with input x, and each slice
// with input pack. A slice's backward keeps its gradient in slot i and passes pack a 0-d zero.
// pack is the input of every slice node, so the engine runs pack's backward after all slice
// backwards that received a gradient; it writes the slots into x's gradient (zeros for slices
// that received none).
std::vector<Tensor> Tensor::unbind(std::int64_t d_in) const {
    const std::int64_t d = wrap_dim(d_in, dim(), "unbind");
    const std::int64_t n = shape()[d];
    std::vector<Tensor> out;
    out.reserve(static_cast<std::size_t>(n));
    if (!needs_grad({*this})) {
        for (std::int64_t i = 0; i < n; ++i) out.push_back(layout::select(*this, d, i));
        return out;
    }
    auto slots = std::make_shared<std::vector<Tensor>>(static_cast<std::size_t>(n));
    const Shape in_shape = shape();
    const Strides in_strides = strides();
    const DType dt = dtype();
    const Tensor pack = record("unbind", Tensor::zeros({}, dt), {*this}, [slots, in_shape, in_strides, dt, d](const Tensor&) {
        Tensor full = empty_like_dense(in_shape, in_strides, dt);
        for (std::size_t i = 0; i < slots->size(); ++i) {
            Tensor slice = layout::select(full, d, static_cast<std::int64_t>(i));
            if ((*slots)[i].defined()) slice.copy_((*slots)[i]);
            else slice.zero_();
            (*slots)[i] = Tensor();
        }
        return std::vector<Tensor>{full};
    });
    for (std::int64_t i = 0; i < n; ++i)
        out.push_back(record("unbind", layout::select(*this, d, i), {pack},
                             [slots, i, dt](const Tensor& g) -> std::vector<Tensor> {
                                 (*slots)[static_cast<std::size_t>(i)] = g;
                                 return {Tensor::zeros({}, dt)};
                             }));
    return out;
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
