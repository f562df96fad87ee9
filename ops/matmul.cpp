#include "prism/ops/matmul.hpp"

#include <optional>
#include <utility>

#include "prism/core/parallel.hpp"
#include "prism/core/runtime.hpp"
#include "prism/ops/gemm.hpp"

namespace prism::ops {

namespace {

using Dims = std::vector<std::pair<std::int64_t, std::int64_t>>;  // (size, stride), outermost first

// The one stride that walks dims as a single flattened dim, or nullopt when they do not fold
// (each dim must step exactly over the whole of the dims inside it). Size-1 dims never matter.
std::optional<std::int64_t> fold(const Dims& dims) {
    Dims d;
    for (const auto& p : dims)
        if (p.first != 1) d.push_back(p);
    if (d.empty()) return 1;
    for (std::size_t i = 0; i + 1 < d.size(); ++i)
        if (d[i].second != d[i + 1].second * d[i + 1].first) return std::nullopt;
    return d.back().second;
}

Dims dims_of(const Tensor& t, std::int64_t from, std::int64_t to) {  // dims [from, to)
    Dims d;
    for (std::int64_t i = from; i < to; ++i) d.push_back({t.shape()[i], t.strides()[i]});
    return d;
}

// Rows of x (..., C) folded into one dim: the row stride, or nullopt (then copy x).
std::optional<std::int64_t> row_stride(const Tensor& x) { return fold(dims_of(x, 0, x.dim() - 1)); }

// A row-major copy that records nothing (ops/ never touches the tape).
Tensor dense(const Tensor& t) {
    if (t.is_contiguous()) return t;
    Tensor out = Tensor::empty(t.shape(), t.dtype());
    out.copy_(t);
    return out;
}

template <class T> const T* base(const Tensor& t) { return static_cast<const T*>(t.storage()->data()) + t.offset(); }

// t (..., M, K) as the matrix (M, K) of its last two dims, starting `offset` elements past
// t's first element (a batch item: batch_offsets below).
template <class T> MatrixView<const T> last_two(const Tensor& t, std::int64_t offset = 0) {
    return {base<T>(t) + offset, t.size(-2), t.size(-1), t.stride(-2), t.stride(-1)};
}

// x (..., C) as the (R, C) matrix of its rows, R the product of the leading dims; the rows
// must fold into one stride (row_stride(x) set; else take dense(x) first).
template <class T> MatrixView<const T> rows_of(const Tensor& x) {
    return {base<T>(x), numel(Shape(x.shape().begin(), x.shape().end() - 1)), x.size(-1), *row_stride(x),
            x.stride(-1)};
}

// Element offsets of each batch item of t within the broadcast batch shape `batch`.
std::vector<std::int64_t> batch_offsets(const Tensor& t, const Shape& batch) {
    const std::int64_t nbd = static_cast<std::int64_t>(batch.size());
    const std::int64_t lead = nbd - (t.dim() - 2);
    Strides st(nbd, 0);
    for (std::int64_t i = lead; i < nbd; ++i) st[i] = t.shape()[i - lead] == 1 ? 0 : t.strides()[i - lead];
    std::vector<std::int64_t> offs(static_cast<std::size_t>(numel(batch)));
    std::vector<std::int64_t> idx(nbd, 0);
    std::int64_t o = 0;
    for (auto& out : offs) {
        out = o;
        for (std::int64_t d = nbd; d-- > 0;) {
            ++idx[d];
            o += st[d];
            if (idx[d] < batch[d]) break;
            o -= st[d] * batch[d];
            idx[d] = 0;
        }
    }
    return offs;
}

void check_pair(const char* op, const Tensor& a, const Tensor& b) {
    PRISM_CHECK(a.dtype() == b.dtype(), op, shape_str(a.shape()), " ", dtype_name(a.dtype()), " @ ",
                shape_str(b.shape()), " ", dtype_name(b.dtype()), ": dtypes differ");
    PRISM_CHECK(is_floating(a.dtype()), op, shape_str(a.shape()), " @ ", shape_str(b.shape()), ": ",
                dtype_name(a.dtype()), " is not a floating dtype");
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
    check_pair("matmul", a, b);
    PRISM_CHECK(a.dim() >= 2 && b.dim() >= 2, "matmul", shape_str(a.shape()), " @ ", shape_str(b.shape()),
                ": ops::matmul needs operands of at least 2 dims");
    const std::int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
    PRISM_CHECK(b.size(-2) == K, "matmul", shape_str(a.shape()), " @ ", shape_str(b.shape()), ": inner dimensions ",
                K, " != ", b.size(-2));
    const Shape ba(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
    Shape batch(std::max(ba.size(), bb.size()));
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const std::int64_t x = i + ba.size() >= batch.size() ? ba[i + ba.size() - batch.size()] : 1;
        const std::int64_t y = i + bb.size() >= batch.size() ? bb[i + bb.size() - batch.size()] : 1;
        PRISM_CHECK(x == y || x == 1 || y == 1, "matmul", shape_str(a.shape()), " @ ", shape_str(b.shape()),
                    ": batch dimensions ", shape_str(ba), " and ", shape_str(bb), " do not broadcast");
        batch[i] = x == 1 ? y : x;
    }
    Shape out_shape = batch;
    out_shape.push_back(M);
    out_shape.push_back(N);
    Tensor out = Tensor::empty(out_shape, a.dtype());
    if (out.numel() == 0) return out;
    const std::int64_t nb = numel(batch);
    dispatch_floating(a.dtype(), [&](auto tag) {
        using T = decltype(tag);
        T* pc = out.data<T>();
        // (batch..., M, K) @ (K, N): the batch folds into the rows of one GEMM (x @ w).
        if (bb.empty() && ba.size() == batch.size()) {
            if (auto rs = fold(dims_of(a, 0, a.dim() - 1))) {
                const MatrixView<const T> rows{base<T>(a), nb * M, K, *rs, a.stride(-1)};
                gemm_parallel<T>(T(1), rows, last_two<T>(b), T(0), row_major(pc, nb * M, N));
                return;
            }
        }
        const auto oa = batch_offsets(a, batch), ob = batch_offsets(b, batch);
        if (nb == 1) {
            gemm_parallel<T>(T(1), last_two<T>(a, oa[0]), last_two<T>(b, ob[0]), T(0), row_major(pc, M, N));
            return;
        }
        // Many products (attention per batch and head): one single-threaded GEMM per item.
        const std::int64_t grain = std::max<std::int64_t>(1, nb / (4 * runtime::num_threads()));
        parallel_for(0, nb, grain, [&](std::int64_t lo, std::int64_t hi) {
            for (std::int64_t i = lo; i < hi; ++i)
                gemm<T>(T(1), last_two<T>(a, oa[i]), last_two<T>(b, ob[i]), T(0), row_major(pc + i * M * N, M, N));
        });
    });
    return out;
}

Tensor matmul_sum_batch(const Tensor& a, const Tensor& b) {
    check_pair("matmul_sum_batch", a, b);
    PRISM_CHECK(a.dim() >= 2 && a.dim() == b.dim() && a.size(-1) == b.size(-2) &&
                    Shape(a.shape().begin(), a.shape().end() - 2) == Shape(b.shape().begin(), b.shape().end() - 2),
                "matmul_sum_batch", shape_str(a.shape()), " @ ", shape_str(b.shape()),
                ": expects (batch..., M, K) @ (batch..., K, N) with equal batch shapes");
    const std::int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1), nd = a.dim();
    Tensor out = Tensor::zeros({M, N}, a.dtype());
    const Shape batch(a.shape().begin(), a.shape().end() - 2);
    const std::int64_t nb = numel(batch);
    if (M == 0 || N == 0 || nb == 0 || K == 0) return out;
    dispatch_floating(a.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const MatrixView<const T> A = last_two<T>(a), B = last_two<T>(b);
        const MatrixView<T> C = row_major(out.data<T>(), M, N);
        // Fold (batch..., K) into one contraction dim of length nb*K when both layouts allow it.
        Dims da = dims_of(a, 0, nd - 2), db = dims_of(b, 0, nd - 2);
        da.push_back({K, A.col_stride});
        db.push_back({K, B.row_stride});
        const auto fa = fold(da), fb = fold(db);
        if (fa && fb) {
            const MatrixView<const T> af{A.data, M, nb * K, A.row_stride, *fa};  // (M, nb K)
            const MatrixView<const T> bf{B.data, nb * K, N, *fb, B.col_stride};  // (nb K, N)
            gemm_parallel<T>(T(1), af, bf, T(0), C);
            return;
        }
        const auto oa = batch_offsets(a, batch), ob = batch_offsets(b, batch);
        for (std::int64_t i = 0; i < nb; ++i)  // in order: deterministic accumulation
            gemm_parallel<T>(T(1), last_two<T>(a, oa[i]), last_two<T>(b, ob[i]), T(i == 0 ? 0 : 1), C);
    });
    return out;
}

template <class T>
void column_sums(const T* m, std::int64_t R, std::int64_t N, std::int64_t rs, T* out) {
    const std::int64_t threads = runtime::num_threads();
    const std::int64_t grain = std::max<std::int64_t>(64, ((N + threads - 1) / threads + 15) / 16 * 16);
    parallel_for(0, N, grain, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t j = lo; j < hi; ++j) out[j] = T(0);
        for (std::int64_t r = 0; r < R; ++r) {
            const T* row = m + r * rs;
            for (std::int64_t j = lo; j < hi; ++j) out[j] += row[j];  // vectorised by the compiler
        }
    });
}
template void column_sums<float>(const float*, std::int64_t, std::int64_t, std::int64_t, float*);
template void column_sums<double>(const double*, std::int64_t, std::int64_t, std::int64_t, double*);

namespace {
void check_linear(const Tensor& x, const Tensor& w, const Tensor& bias) {
    auto shapes = [&] {
        return Error::cat("input ", shape_str(x.shape()), ", weight ", shape_str(w.shape()),
                          bias.defined() ? ", bias " + shape_str(bias.shape()) : std::string());
    };
    PRISM_CHECK(w.dim() == 2, "linear", shapes(), ": weight must be 2-d (out_features, in_features)");
    PRISM_CHECK(x.dim() >= 1, "linear", shapes(), ": input must have at least 1 dim");
    PRISM_CHECK(x.size(-1) == w.size(1), "linear", shapes(), ": in_features ", x.size(-1), " != ", w.size(1));
    PRISM_CHECK(x.dtype() == w.dtype() && (!bias.defined() || bias.dtype() == x.dtype()), "linear", shapes(),
                ": dtypes differ");
    PRISM_CHECK(is_floating(x.dtype()), "linear", shapes(), ": ", dtype_name(x.dtype()), " is not a floating dtype");
    PRISM_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == w.size(0)), "linear", shapes(),
                ": bias must be (", w.size(0), ")");
}
}  // namespace

Tensor linear(const Tensor& x_in, const Tensor& w, const Tensor& bias) {
    check_linear(x_in, w, bias);
    const std::int64_t in = w.size(1), outf = w.size(0);
    Tensor x = row_stride(x_in) ? x_in : dense(x_in);
    Shape out_shape(x.shape().begin(), x.shape().end() - 1);
    out_shape.push_back(outf);
    Tensor y = Tensor::empty(out_shape, x.dtype());
    const std::int64_t rows = numel(Shape(x.shape().begin(), x.shape().end() - 1));
    if (y.numel() == 0) return y;
    dispatch_floating(x.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const MatrixView<T> Y = row_major(y.data<T>(), rows, outf);
        const MatrixView<const T> X = rows_of<T>(x);
        const MatrixView<const T> Wt = last_two<T>(w).transposed();  // w^T (in, out) is w read with swapped strides
        if (!bias.defined()) {
            gemm_parallel<T>(T(1), X, Wt, T(0), Y);
            return;
        }
        // With a bias, blocks of rows run in parallel: each block of y is first filled with the
        // bias and then accumulated into by its own GEMM while it is still in cache. (A separate
        // fill pass over y cost 15-35% of the forward time at 4096x128 @ 128x384.)
        Tensor bd = dense(bias);
        const T* pbias = bd.template data<T>();
        const std::int64_t per_thread = (rows + runtime::num_threads() - 1) / runtime::num_threads();
        const std::int64_t block = rows * outf * in < kGemmMinParallelMacs
                                       ? rows
                                       : std::min<std::int64_t>(512, (per_thread + 31) / 32 * 32);
        parallel_for(0, rows, block, [&](std::int64_t lo, std::int64_t hi) {
            for (std::int64_t r = lo; r < hi; ++r) std::copy(pbias, pbias + outf, &Y(r, 0));
            gemm<T>(T(1), X.row_range(lo, hi), Wt, T(1), Y.row_range(lo, hi));
        });
    });
    return y;
}

LinearGrads linear_backward(const Tensor& dy_in, const Tensor& x_in, const Tensor& w, bool need_dx, bool need_dw,
                            bool need_db) {
    const std::int64_t in = w.size(1), outf = w.size(0);
    PRISM_CHECK(dy_in.dim() == x_in.dim() && dy_in.size(-1) == outf, "linear_backward", "grad ",
                shape_str(dy_in.shape()), ", input ", shape_str(x_in.shape()), ", weight ", shape_str(w.shape()),
                ": grad does not match the output");
    const std::int64_t rows = numel(Shape(x_in.shape().begin(), x_in.shape().end() - 1));
    Tensor dy = row_stride(dy_in) ? dy_in : dense(dy_in);
    const std::int64_t rs_dy = *row_stride(dy), cs_dy = dy.stride(-1);
    LinearGrads g;
    dispatch_floating(dy.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const MatrixView<const T> DY = rows_of<T>(dy);  // (R, out)
        if (need_dx) {  // dx (R, in) = dy (R, out) @ w (out, in)
            g.dx = Tensor::empty(x_in.shape(), dy.dtype());
            gemm_parallel<T>(T(1), DY, last_two<T>(w), T(0), row_major(g.dx.template data<T>(), rows, in));
        }
        if (need_dw) {  // dw (out, in) = dy^T (out, R) @ x (R, in): one GEMM over all rows
            Tensor x = row_stride(x_in) ? x_in : dense(x_in);
            g.dw = Tensor::empty({outf, in}, dy.dtype());
            gemm_parallel<T>(T(1), DY.transposed(), rows_of<T>(x), T(0), row_major(g.dw.template data<T>(), outf, in));
        }
        if (need_db) {  // db (out) = sum over rows of dy
            Tensor d = cs_dy == 1 ? dy : dense(dy);
            g.db = Tensor::empty({outf}, dy.dtype());
            column_sums<T>(base<T>(d), rows, outf, cs_dy == 1 ? rs_dy : outf, g.db.template data<T>());
        }
    });
    return g;
}

}  // namespace prism::ops
