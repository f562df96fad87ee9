// GCC 12 warns "'__Y' is used uninitialized" inside its own avx512fintrin.h when xsimd's
// horizontal reductions are inlined here (it reads an intentionally undefined register).
#pragma GCC diagnostic ignored "-Wuninitialized"
#include "prism/ops/reduce.hpp"

#include <algorithm>
#include <cmath>

#include "prism/core/iterate.hpp"
#include "prism/core/layout.hpp"
#include "prism/ops/elementwise.hpp"
#include "prism/ops/loop.hpp"
#include "prism/ops/unary.hpp"

namespace prism::ops {

using detail::kGrain;

std::vector<std::int64_t> reduce_dims(const Shape& shape, const std::vector<std::int64_t>& dims, const char* op) {
    const std::int64_t nd = static_cast<std::int64_t>(shape.size());
    std::vector<std::int64_t> out;
    if (dims.empty()) {
        for (std::int64_t d = 0; d < nd; ++d) out.push_back(d);
        return out;
    }
    for (auto d : dims) out.push_back(wrap_dim(d, nd, op));
    std::sort(out.begin(), out.end());
    if (std::adjacent_find(out.begin(), out.end()) != out.end())
        throw Error(op, "dim repeated in the reduction dims of input ", shape_str(shape));
    return out;
}

Shape reduced_shape(const Shape& shape, const std::vector<std::int64_t>& rdims, bool keepdim) {
    Shape out;
    for (std::size_t d = 0; d < shape.size(); ++d) {
        const bool red = std::binary_search(rdims.begin(), rdims.end(), static_cast<std::int64_t>(d));
        if (!red) out.push_back(shape[d]);
        else if (keepdim) out.push_back(1);
    }
    return out;
}

namespace {
// (K1, R, K2) sizes of a contiguous tensor of `shape` around one dim.
void split3(const Shape& shape, std::int64_t d, std::int64_t& K1, std::int64_t& R, std::int64_t& K2) {
    K1 = K2 = 1;
    for (std::int64_t i = 0; i < d; ++i) K1 *= shape[i];
    R = shape[d];
    for (std::size_t i = d + 1; i < shape.size(); ++i) K2 *= shape[i];
}
}  // namespace

// ---- reference loops ---------------------------------------------------------------------
namespace ref {

Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
    const auto rd = reduce_dims(x.shape(), dims, "sum");
    const Shape keep = reduced_shape(x.shape(), rd, true);
    std::vector<double> acc(numel(keep), 0.0);
    Strides so = contiguous_strides(keep);
    for (auto d : rd) so[d] = 0;
    dispatch_floating(x.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* px = detail::cbase<T>(x);
        for_each_offset<2>(x.shape(), {&x.strides(), &so}, {x.offset(), 0},
                           [&](std::int64_t, const std::array<std::int64_t, 2>& o) { acc[o[1]] += px[o[0]]; });
    });
    Tensor out = Tensor::empty(reduced_shape(x.shape(), rd, keepdim), kFloat64);
    std::copy(acc.begin(), acc.end(), out.data<double>());
    return layout::to(out, x.dtype());
}

std::pair<Tensor, Tensor> max(const Tensor& x, std::int64_t dim, bool keepdim) {
    const std::int64_t d = wrap_dim(dim, x.dim(), "max");
    const auto v = x.to_vector<double>();
    std::int64_t K1, R, K2;
    split3(x.shape(), d, K1, R, K2);
    const Shape osh = reduced_shape(x.shape(), {d}, keepdim);
    std::vector<double> vals(K1 * K2);
    std::vector<std::int64_t> idx(K1 * K2);
    for (std::int64_t k1 = 0; k1 < K1; ++k1)
        for (std::int64_t k = 0; k < K2; ++k) {
            std::int64_t best = 0;
            for (std::int64_t r = 1; r < R; ++r)
                if (v[(k1 * R + r) * K2 + k] > v[(k1 * R + best) * K2 + k]) best = r;
            vals[k1 * K2 + k] = v[(k1 * R + best) * K2 + k];
            idx[k1 * K2 + k] = best;
        }
    return {layout::to(Tensor::from_vector(vals, osh), x.dtype()), Tensor::from_vector(idx, osh)};
}

}  // namespace ref

namespace {

// x seen as a contiguous (K1, R, K2) block with the reduced elements along R.
struct Plan {
    Tensor x;
    std::int64_t K1 = 1, R = 1, K2 = 1;
};

Plan make_plan(const Tensor& x_in, const std::vector<std::int64_t>& rdims) {
    Plan p;
    const Tensor x = layout::alias(x_in);
    const Shape& sh = x.shape();
    auto red = [&](std::size_t d) { return std::binary_search(rdims.begin(), rdims.end(), static_cast<std::int64_t>(d)); };
    // state: 0 before the reduced block, 1 inside, 2 after; a reduced dim after the block breaks it
    int state = 0;
    bool one_block = true;
    for (std::size_t d = 0; d < sh.size(); ++d) {
        if (sh[d] == 1) continue;  // size-1 dims do not affect the layout
        if (red(d)) {
            if (state == 2) one_block = false;
            state = 1;
            p.R *= sh[d];
        } else {
            if (state == 1) state = 2;
            (state == 0 ? p.K1 : p.K2) *= sh[d];
        }
    }
    if (one_block && x.is_contiguous()) {
        p.x = x;
        return p;
    }
    // copy to (kept..., reduced...) so the reduced elements are the trailing run
    std::vector<std::int64_t> perm;
    p.K1 = p.R = 1;
    p.K2 = 1;
    for (std::size_t d = 0; d < sh.size(); ++d)
        if (!red(d)) {
            perm.push_back(static_cast<std::int64_t>(d));
            p.K1 *= sh[d];
        }
    for (auto d : rdims) {
        perm.push_back(d);
        p.R *= sh[d];
    }
    const Tensor xp = layout::permute(x, perm);
    p.x = expand_copy(xp, xp.shape());
    return p;
}

template <class T> T hsum(const T* p, std::int64_t n) {
    using B = xsimd::batch<T>;
    constexpr std::int64_t S = static_cast<std::int64_t>(B::size);
    B a0(T(0)), a1(T(0));
    std::int64_t j = 0;
    for (; j + 2 * S <= n; j += 2 * S) {
        a0 += B::load_unaligned(p + j);
        a1 += B::load_unaligned(p + j + S);
    }
    for (; j + S <= n; j += S) a0 += B::load_unaligned(p + j);
    T s = xsimd::hadd(a0 + a1);
    for (; j < n; ++j) s += p[j];
    return s;
}

// acc[k] += sum_r p[r, k] for p (R, K2) row-major.
template <class T> void colsum_acc(const T* p, std::int64_t R, std::int64_t K2, T* acc) {
    using B = xsimd::batch<T>;
    constexpr std::int64_t S = static_cast<std::int64_t>(B::size);
    for (std::int64_t r = 0; r < R; ++r) {
        const T* row = p + r * K2;
        std::int64_t k = 0;
        for (; k + S <= K2; k += S) (B::load_unaligned(acc + k) + B::load_unaligned(row + k)).store_unaligned(acc + k);
        for (; k < K2; ++k) acc[k] += row[k];
    }
}

template <class T> void sum_kernel(const T* x, std::int64_t K1, std::int64_t R, std::int64_t K2, T* out) {
    if (K2 == 1) {
        if (K1 == 1 && R > kGrain) {  // one long row: fixed chunks, partials added in order
            std::vector<T> part(parallel_chunks(R, kGrain));
            parallel_for(0, R, kGrain, [&](std::int64_t lo, std::int64_t hi) { part[lo / kGrain] = hsum(x + lo, hi - lo); });
            T s = 0;
            for (T v : part) s += v;
            out[0] = s;
            return;
        }
        parallel_for(0, K1, std::max<std::int64_t>(1, kGrain / std::max<std::int64_t>(R, 1)),
                     [&](std::int64_t lo, std::int64_t hi) {
                         for (std::int64_t k = lo; k < hi; ++k) out[k] = hsum(x + k * R, R);
                     });
        return;
    }
    if (K1 == 1 && R > 1 && R * K2 > kGrain) {  // (R, K2) -> (K2): split R, one partial row per chunk
        const std::int64_t rows = std::max<std::int64_t>(1, kGrain / K2);
        const std::int64_t chunks = parallel_chunks(R, rows);
        std::vector<T> part(chunks * K2, T(0));
        parallel_for(0, R, rows, [&](std::int64_t lo, std::int64_t hi) {
            colsum_acc(x + lo * K2, hi - lo, K2, part.data() + (lo / rows) * K2);
        });
        std::fill(out, out + K2, T(0));
        for (std::int64_t c = 0; c < chunks; ++c) colsum_acc(part.data() + c * K2, 1, K2, out);
        return;
    }
    parallel_for(0, K1, std::max<std::int64_t>(1, kGrain / std::max<std::int64_t>(R * K2, 1)),
                 [&](std::int64_t lo, std::int64_t hi) {
                     for (std::int64_t k = lo; k < hi; ++k) {
                         std::fill(out + k * K2, out + (k + 1) * K2, T(0));
                         colsum_acc(x + k * R * K2, R, K2, out + k * K2);
                     }
                 });
}

}  // namespace

Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
    detail::check_float(x, "sum");
    const auto rd = reduce_dims(x.shape(), dims, "sum");
    const Plan p = make_plan(x, rd);
    Tensor out = Tensor::empty(reduced_shape(x.shape(), rd, keepdim), x.dtype());
    dispatch_floating(x.dtype(), [&](auto tag) {
        using T = decltype(tag);
        sum_kernel<T>(p.x.data<T>(), p.K1, p.R, p.K2, out.data<T>());
    });
    return out;
}

Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
    const auto rd = reduce_dims(x.shape(), dims, "mean");
    std::int64_t n = 1;
    for (auto d : rd) n *= x.shape()[d];
    return scalar_op(sum(x, dims, keepdim), 1.0 / static_cast<double>(n), ScalarOp::Mul);
}

Tensor var(const Tensor& x, const std::vector<std::int64_t>& dims, bool unbiased, bool keepdim) {
    const auto rd = reduce_dims(x.shape(), dims, "var");
    std::int64_t n = 1;
    for (auto d : rd) n *= x.shape()[d];
    const Tensor d = sub(x, mean(x, dims, true));
    return scalar_op(sum(square(d), dims, keepdim), 1.0 / static_cast<double>(n - (unbiased ? 1 : 0)), ScalarOp::Mul);
}

std::pair<Tensor, Tensor> max(const Tensor& x_in, std::int64_t dim, bool keepdim) {
    detail::check_float(x_in, "max");
    const std::int64_t d = wrap_dim(dim, std::max<std::int64_t>(x_in.dim(), 1), "max");
    const Tensor x = x_in.dim() == 0 ? layout::reshape(x_in, {1}) : layout::alias(x_in);
    PRISM_CHECK(x.shape()[d] > 0, "max", "input ", shape_str(x.shape()), ": dim ", d, " has size 0");
    const Tensor xc = x.is_contiguous() ? x : expand_copy(x, x.shape());
    std::int64_t K1, R, K2;
    split3(x.shape(), d, K1, R, K2);
    const Shape osh = x_in.dim() == 0 ? Shape{} : reduced_shape(x.shape(), {d}, keepdim);
    Tensor vals = Tensor::empty(osh, x.dtype()), idx = Tensor::empty(osh, kInt64);
    dispatch_floating(x.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* px = xc.data<T>();
        T* pv = vals.data<T>();
        std::int64_t* pi = idx.data<std::int64_t>();
        parallel_for(0, K1, std::max<std::int64_t>(1, kGrain / std::max<std::int64_t>(R * K2, 1)),
                     [&](std::int64_t lo, std::int64_t hi) {
                         for (std::int64_t k1 = lo; k1 < hi; ++k1) {
                             const T* b = px + k1 * R * K2;
                             T* v = pv + k1 * K2;
                             std::int64_t* ix = pi + k1 * K2;
                             for (std::int64_t k = 0; k < K2; ++k) v[k] = b[k], ix[k] = 0;
                             for (std::int64_t r = 1; r < R; ++r)
                                 for (std::int64_t k = 0; k < K2; ++k) {
                                     const T e = b[r * K2 + k];
                                     if (e > v[k] || (e != e && v[k] == v[k])) v[k] = e, ix[k] = r;
                                 }
                         }
                     });
    });
    return {vals, idx};
}

Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim) { return max(x, dim, keepdim).second; }

Tensor max_backward(const Tensor& grad, const Tensor& indices, const Shape& shape, std::int64_t dim, bool /*keepdim*/) {
    detail::check_float(grad, "max_backward");
    Tensor out = Tensor::zeros(shape, grad.dtype());
    if (shape.empty()) return out.copy_(grad);
    const std::int64_t d = wrap_dim(dim, static_cast<std::int64_t>(shape.size()), "max_backward");
    std::int64_t K1, R, K2;
    split3(shape, d, K1, R, K2);
    // grad and indices hold K1 * K2 elements in (K1, K2) order with or without keepdim
    const Tensor g = grad.is_contiguous() ? layout::alias(grad) : expand_copy(grad, grad.shape());
    const Tensor ix = layout::contiguous(indices);
    dispatch_floating(grad.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* pg = g.data<T>();
        const std::int64_t* pi = ix.data<std::int64_t>();
        T* po = out.data<T>();
        for (std::int64_t k1 = 0; k1 < K1; ++k1)
            for (std::int64_t k = 0; k < K2; ++k) po[(k1 * R + pi[k1 * K2 + k]) * K2 + k] += pg[k1 * K2 + k];
    });
    return out;
}

Tensor sum_to(const Tensor& g, const Shape& shape) {
    if (g.shape() == shape) return g;
    const Shape check = broadcast_shapes(shape, g.shape(), "sum_to");
    PRISM_CHECK(check == g.shape(), "sum_to", "cannot reduce ", shape_str(g.shape()), " to ", shape_str(shape));
    const std::size_t lead = g.shape().size() - shape.size();
    std::vector<std::int64_t> dims;
    for (std::size_t d = 0; d < g.shape().size(); ++d)
        if (d < lead || (shape[d - lead] == 1 && g.shape()[d] != 1)) dims.push_back(static_cast<std::int64_t>(d));
    if (dims.empty()) return layout::reshape(g, shape);
    return layout::reshape(sum(g, dims, true), shape);
}

}  // namespace prism::ops
