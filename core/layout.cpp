// Plain views (core/layout.hpp): layout arithmetic only, no autograd.
#include "prism/core/layout.hpp"

#include <numeric>

namespace prism::layout {

namespace {

Tensor make_view(const Tensor& base, const Shape& shape, const Strides& strides, std::int64_t offset) {
    return Tensor::from_storage(base.storage(), shape, strides, offset, base.dtype());
}

}  // namespace

// Walks the old dims from the back, grouping those that are contiguous with each other, and
// fits the new dims into each group.
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

Tensor alias(const Tensor& x) { return make_view(x, x.shape(), x.strides(), x.offset()); }

Tensor view(const Tensor& x, const Shape& shape_in) {
    const Shape shape = infer_shape(shape_in, x.numel(), "view", x.shape());
    auto st = view_strides(x.shape(), x.strides(), shape);
    if (!st)
        throw Error("view", "shape ", shape_str(shape), " is not compatible with the strides ", shape_str(x.strides()),
                    " of input ", shape_str(x.shape()), "; use reshape()");
    return make_view(x, shape, *st, x.offset());
}

Tensor reshape(const Tensor& x, const Shape& shape_in) {
    const Shape shape = infer_shape(shape_in, x.numel(), "reshape", x.shape());
    if (view_strides(x.shape(), x.strides(), shape)) return view(x, shape);
    return view(contiguous(x), shape);
}

Tensor flatten(const Tensor& x, std::int64_t start_dim, std::int64_t end_dim) {
    if (x.dim() == 0) return reshape(x, {1});
    const std::int64_t s = wrap_dim(start_dim, x.dim(), "flatten"), e = wrap_dim(end_dim, x.dim(), "flatten");
    if (s > e) throw Error("flatten", "start_dim ", start_dim, " comes after end_dim ", end_dim);
    Shape out(x.shape().begin(), x.shape().begin() + s);
    std::int64_t n = 1;
    for (std::int64_t i = s; i <= e; ++i) n *= x.shape()[i];
    out.push_back(n);
    out.insert(out.end(), x.shape().begin() + e + 1, x.shape().end());
    return reshape(x, out);
}

Tensor permute(const Tensor& x, const std::vector<std::int64_t>& dims) {
    if (static_cast<std::int64_t>(dims.size()) != x.dim())
        throw Error("permute", "got ", dims.size(), " dims for a tensor of shape ", shape_str(x.shape()));
    Shape sh(dims.size());
    Strides st(dims.size());
    std::vector<bool> used(dims.size(), false);
    for (std::size_t i = 0; i < dims.size(); ++i) {
        const std::int64_t d = wrap_dim(dims[i], x.dim(), "permute");
        if (used[d]) throw Error("permute", "dim ", d, " repeated in the permutation");
        used[d] = true;
        sh[i] = x.shape()[d];
        st[i] = x.strides()[d];
    }
    return make_view(x, sh, st, x.offset());
}

Tensor transpose(const Tensor& x, std::int64_t d0, std::int64_t d1) {
    std::vector<std::int64_t> p(x.dim());
    std::iota(p.begin(), p.end(), 0);
    std::swap(p[wrap_dim(d0, x.dim(), "transpose")], p[wrap_dim(d1, x.dim(), "transpose")]);
    return permute(x, p);
}

Tensor narrow(const Tensor& x, std::int64_t d_in, std::int64_t start, std::int64_t length) {
    const std::int64_t d = wrap_dim(d_in, x.dim(), "narrow");
    if (start < 0) start += x.shape()[d];
    if (start < 0 || length < 0 || start + length > x.shape()[d])
        throw Error("narrow", "range [", start, ", ", start + length, ") out of bounds for dim ", d, " of shape ",
                    shape_str(x.shape()));
    Shape sh = x.shape();
    sh[d] = length;
    return make_view(x, sh, x.strides(), x.offset() + start * x.strides()[d]);
}

Tensor select(const Tensor& x, std::int64_t d_in, std::int64_t index) {
    const std::int64_t d = wrap_dim(d_in, x.dim(), "select");
    if (index < -x.shape()[d] || index >= x.shape()[d])
        throw Error("select", "index ", index, " out of range for dim ", d, " of shape ", shape_str(x.shape()));
    if (index < 0) index += x.shape()[d];
    return squeeze(narrow(x, d, index, 1), d);
}

Tensor expand(const Tensor& x, const Shape& shape_in) {
    if (static_cast<std::int64_t>(shape_in.size()) < x.dim())
        throw Error("expand", "cannot expand ", shape_str(x.shape()), " to fewer dims ", shape_str(shape_in));
    const std::int64_t lead = static_cast<std::int64_t>(shape_in.size()) - x.dim();
    Shape sh(shape_in.size());
    Strides st(shape_in.size(), 0);
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(shape_in.size()); ++i) {
        const std::int64_t want = shape_in[i];
        if (i < lead) {
            if (want < 0) throw Error("expand", "-1 not allowed for new leading dim in ", shape_str(shape_in));
            sh[i] = want;
            continue;
        }
        const std::int64_t have = x.shape()[i - lead];
        if (want == -1 || want == have) {
            sh[i] = have;
            st[i] = x.strides()[i - lead];
        } else if (have == 1) {
            sh[i] = want;
        } else {
            throw Error("expand", "cannot expand ", shape_str(x.shape()), " to ", shape_str(shape_in), " (dim ", i,
                        ": ", have, " -> ", want, ")");
        }
    }
    return make_view(x, sh, st, x.offset());
}

Tensor squeeze(const Tensor& x, std::int64_t d_in) {
    const std::int64_t d = wrap_dim(d_in, x.dim(), "squeeze");
    if (x.shape()[d] != 1) return alias(x);  // PyTorch: squeezing a dim of size != 1 is a no-op
    Shape sh = x.shape();
    Strides st = x.strides();
    sh.erase(sh.begin() + d);
    st.erase(st.begin() + d);
    return make_view(x, sh, st, x.offset());
}

Tensor unsqueeze(const Tensor& x, std::int64_t d_in) {
    const std::int64_t d = wrap_dim(d_in, x.dim() + 1, "unsqueeze");
    Shape sh = x.shape();
    Strides st = x.strides();
    const std::int64_t s = d < x.dim() ? x.strides()[d] * x.shape()[d] : 1;
    sh.insert(sh.begin() + d, 1);
    st.insert(st.begin() + d, s);
    return make_view(x, sh, st, x.offset());
}

Tensor contiguous(const Tensor& x) {
    if (x.is_contiguous()) return alias(x);
    Tensor out = Tensor::empty(x.shape(), x.dtype());
    out.copy_(x);
    return out;
}

Tensor to(const Tensor& x, DType dtype) {
    if (dtype == x.dtype()) return alias(x);
    Tensor out = Tensor::empty(x.shape(), dtype);
    out.copy_(x);
    return out;
}

}  // namespace prism::layout
