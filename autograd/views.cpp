// Differentiable views and copies: the Tensor member functions that make one tensor from
// another without arithmetic. A view shares storage; its backward maps the gradient back
// onto the base's shape.
#include <numeric>
#include <optional>

#include "prism/autograd/node.hpp"
#include "prism/ops/elementwise.hpp"

namespace prism {

namespace {

// Strides that let `shape` view memory laid out as (old_shape, old_strides), or nullopt when
// no such strides exist (then reshape must copy). Walks the old dims from the back, grouping
// those that are contiguous with each other, and fits the new dims into each group.
std::optional<Strides> view_strides(const Shape& old_shape, const Strides& old_strides, const Shape& shape) {
    if (numel(old_shape) == 0 || old_shape.empty()) return contiguous_strides(shape);
    Strides out(shape.size(), 1);
    std::int64_t view_d = static_cast<std::int64_t>(shape.size()) - 1;
    std::int64_t chunk_stride = old_strides.back();
    std::int64_t tensor_numel = 1, view_numel = 1;
    for (std::int64_t d = static_cast<std::int64_t>(old_shape.size()) - 1; d >= 0; --d) {
        tensor_numel *= old_shape[d];
        const bool group_ends = d == 0 || (old_shape[d - 1] != 1 && old_strides[d - 1] != tensor_numel * chunk_stride);
        if (!group_ends) continue;
        while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
            out[view_d] = view_numel * chunk_stride;
            view_numel *= shape[view_d];
            --view_d;
        }
        if (view_numel != tensor_numel) return std::nullopt;
        if (d > 0) {
            chunk_stride = old_strides[d - 1];
            tensor_numel = 1;
            view_numel = 1;
        }
    }
    if (view_d != -1) return std::nullopt;
    return out;
}

// Replace one -1 with what the element count implies; check the count matches.
Shape infer_shape(const Shape& shape, std::int64_t n, const char* op, const Shape& from) {
    Shape out = shape;
    std::int64_t known = 1, infer = -1;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i] == -1) {
            if (infer >= 0) throw Error(op, "only one dimension can be -1, got ", shape_str(shape));
            infer = static_cast<std::int64_t>(i);
        } else if (out[i] < 0) {
            throw Error(op, "invalid size in shape ", shape_str(shape));
        } else {
            known *= out[i];
        }
    }
    if (infer >= 0) {
        if (known == 0 || n % known != 0)
            throw Error(op, "shape ", shape_str(shape), " is invalid for input of shape ", shape_str(from));
        out[infer] = n / known;
    } else if (known != n) {
        throw Error(op, "shape ", shape_str(shape), " is invalid for input of shape ", shape_str(from), " (", n,
                    " elements)");
    }
    return out;
}

Tensor make_view(const Tensor& base, const Shape& shape, const Strides& strides, std::int64_t offset) {
    return Tensor::from_storage(base.storage(), shape, strides, offset, base.dtype());
}

}  // namespace

Tensor Tensor::view(const Shape& shape_in) const {
    const Shape shape = infer_shape(shape_in, numel(), "view", this->shape());
    auto st = view_strides(this->shape(), strides(), shape);
    if (!st)
        throw Error("view", "shape ", shape_str(shape), " is not compatible with the strides ", shape_str(strides()),
                    " of input ", shape_str(this->shape()), "; use reshape()");
    const Shape in_shape = this->shape();
    return record("view", make_view(*this, shape, *st, offset()), {*this},
                  [in_shape](const Tensor& g) -> std::vector<Tensor> { return {g.reshape(in_shape)}; });
}

Tensor Tensor::reshape(const Shape& shape_in) const {
    const Shape shape = infer_shape(shape_in, numel(), "reshape", this->shape());
    if (view_strides(this->shape(), strides(), shape)) return view(shape);
    return contiguous().view(shape);
}

Tensor Tensor::flatten(std::int64_t start_dim, std::int64_t end_dim) const {
    if (dim() == 0) return reshape({1});
    const std::int64_t s = wrap_dim(start_dim, dim(), "flatten"), e = wrap_dim(end_dim, dim(), "flatten");
    if (s > e) throw Error("flatten", "start_dim ", start_dim, " comes after end_dim ", end_dim);
    Shape out(shape().begin(), shape().begin() + s);
    std::int64_t n = 1;
    for (std::int64_t i = s; i <= e; ++i) n *= shape()[i];
    out.push_back(n);
    out.insert(out.end(), shape().begin() + e + 1, shape().end());
    return reshape(out);
}

Tensor Tensor::permute(const std::vector<std::int64_t>& dims) const {
    if (static_cast<std::int64_t>(dims.size()) != dim())
        throw Error("permute", "got ", dims.size(), " dims for a tensor of shape ", shape_str(shape()));
    Shape sh(dims.size());
    Strides st(dims.size());
    std::vector<std::int64_t> inverse(dims.size(), -1);
    for (std::size_t i = 0; i < dims.size(); ++i) {
        const std::int64_t d = wrap_dim(dims[i], dim(), "permute");
        if (inverse[d] != -1) throw Error("permute", "dim ", d, " repeated in the permutation");
        inverse[d] = static_cast<std::int64_t>(i);
        sh[i] = shape()[d];
        st[i] = strides()[d];
    }
    return record("permute", make_view(*this, sh, st, offset()), {*this},
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

Tensor Tensor::narrow(std::int64_t d_in, std::int64_t start, std::int64_t length) const {
    const std::int64_t d = wrap_dim(d_in, dim(), "narrow");
    if (start < 0) start += shape()[d];
    if (start < 0 || length < 0 || start + length > shape()[d])
        throw Error("narrow", "range [", start, ", ", start + length, ") out of bounds for dim ", d, " of shape ",
                    shape_str(shape()));
    Shape sh = shape();
    sh[d] = length;
    const Shape in_shape = shape();
    const DType dt = dtype();
    return record("narrow", make_view(*this, sh, strides(), offset() + start * strides()[d]), {*this},
                  [in_shape, dt, d, start, length](const Tensor& g) -> std::vector<Tensor> {
                      Tensor full = Tensor::zeros(in_shape, dt);
                      full.detach().narrow(d, start, length).copy_(g);
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

Tensor Tensor::expand(const Shape& shape_in) const {
    if (static_cast<std::int64_t>(shape_in.size()) < dim())
        throw Error("expand", "cannot expand ", shape_str(shape()), " to fewer dims ", shape_str(shape_in));
    const std::int64_t lead = static_cast<std::int64_t>(shape_in.size()) - dim();
    Shape sh(shape_in.size());
    Strides st(shape_in.size(), 0);
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(shape_in.size()); ++i) {
        const std::int64_t want = shape_in[i];
        if (i < lead) {
            if (want < 0) throw Error("expand", "-1 not allowed for new leading dim in ", shape_str(shape_in));
            sh[i] = want;
            continue;
        }
        const std::int64_t have = shape()[i - lead];
        if (want == -1 || want == have) {
            sh[i] = have;
            st[i] = strides()[i - lead];
        } else if (have == 1) {
            sh[i] = want;
        } else {
            throw Error("expand", "cannot expand ", shape_str(shape()), " to ", shape_str(shape_in), " (dim ", i,
                        ": ", have, " -> ", want, ")");
        }
    }
    const Shape in_shape = shape();
    return record("expand", make_view(*this, sh, st, offset()), {*this},
                  [in_shape](const Tensor& g) -> std::vector<Tensor> { return {ops::sum_to(g, in_shape)}; });
}

Tensor Tensor::squeeze(std::int64_t d_in) const {
    const std::int64_t d = wrap_dim(d_in, dim(), "squeeze");
    if (shape()[d] != 1) return *this;  // PyTorch: squeezing a dim of size != 1 is a no-op
    Shape sh = shape();
    Strides st = strides();
    sh.erase(sh.begin() + d);
    st.erase(st.begin() + d);
    const Shape in_shape = shape();
    return record("squeeze", make_view(*this, sh, st, offset()), {*this},
                  [in_shape](const Tensor& g) -> std::vector<Tensor> { return {g.reshape(in_shape)}; });
}

Tensor Tensor::unsqueeze(std::int64_t d_in) const {
    const std::int64_t d = wrap_dim(d_in, dim() + 1, "unsqueeze");
    Shape sh = shape();
    Strides st = strides();
    const std::int64_t s = d < dim() ? strides()[d] * shape()[d] : 1;
    sh.insert(sh.begin() + d, 1);
    st.insert(st.begin() + d, s);
    const Shape in_shape = shape();
    return record("unsqueeze", make_view(*this, sh, st, offset()), {*this},
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
    Tensor out = Tensor::empty(shape(), dt);
    out.copy_(*this);
    if (!is_floating(dt)) return out;  // integer results carry no gradient
    const DType src = dtype();
    return record("to", out, {*this}, [src](const Tensor& g) -> std::vector<Tensor> { return {g.to(src)}; });
}

}  // namespace prism
