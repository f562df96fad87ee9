#include "prism/ops/qr.hpp"

#include <cmath>
#include <vector>

#include "prism/ops/gemm.hpp"

namespace prism::ops {

namespace {

// Apply H = I - tau v v^T from the left to the rows [k, n) and columns [c0, n) of the
// row-major (n, n) matrix a. Row-wise so the inner loops run over contiguous memory.
template <class T>
void apply_reflector(T* a, std::int64_t n, std::int64_t k, std::int64_t c0, const T* v, T tau, std::vector<T>& w) {
    const std::int64_t len = n - c0;
    w.assign(static_cast<std::size_t>(len), T(0));
    for (std::int64_t i = k; i < n; ++i) {  // w = v^T a[k:, c0:]
        const T vi = v[i - k];
        const T* row = a + i * n + c0;
        for (std::int64_t j = 0; j < len; ++j) w[j] += vi * row[j];
    }
    for (std::int64_t i = k; i < n; ++i) {  // a[k:, c0:] -= tau v w^T
        const T s = tau * v[i - k];
        T* row = a + i * n + c0;
        for (std::int64_t j = 0; j < len; ++j) row[j] -= s * w[j];
    }
}

template <class T>
void householder_qr(T* a, T* q, std::int64_t n) {  // a: A in, R out; q: Q out
    std::vector<std::vector<T>> vs(static_cast<std::size_t>(n));
    std::vector<T> taus(static_cast<std::size_t>(n), T(0)), w;
    for (std::int64_t k = 0; k + 1 < n; ++k) {
        T norm2 = 0;
        for (std::int64_t i = k; i < n; ++i) norm2 += a[i * n + k] * a[i * n + k];
        const T x0 = a[k * n + k];
        const T norm = std::sqrt(norm2);
        if (norm == T(0)) continue;  // column already zero: H = I
        // v = x - alpha e1 with alpha = -sign(x0) |x|: no cancellation in v0
        const T alpha = x0 >= T(0) ? -norm : norm;
        auto& v = vs[k];
        v.resize(static_cast<std::size_t>(n - k));
        for (std::int64_t i = k; i < n; ++i) v[i - k] = a[i * n + k];
        v[0] = x0 - alpha;
        const T vtv = norm2 - x0 * x0 + v[0] * v[0];
        taus[k] = T(2) / vtv;
        apply_reflector(a, n, k, k + 1, v.data(), taus[k], w);
        a[k * n + k] = alpha;
        for (std::int64_t i = k + 1; i < n; ++i) a[i * n + k] = T(0);
    }
    // Q = H_0 H_1 ... H_{n-2} I, applied right to left: H_k only touches Q[k:, k:] then
    for (std::int64_t i = 0; i < n * n; ++i) q[i] = T(0);
    for (std::int64_t i = 0; i < n; ++i) q[i * n + i] = T(1);
    for (std::int64_t k = n - 2; k >= 0; --k)
        if (taus[k] != T(0)) apply_reflector(q, n, k, k, vs[k].data(), taus[k], w);
    // R's diagonal made non-negative: A = (Q D)(D R) with D = diag(+-1)
    for (std::int64_t k = 0; k < n; ++k) {
        if (a[k * n + k] >= T(0)) continue;
        for (std::int64_t j = k; j < n; ++j) a[k * n + j] = -a[k * n + j];
        for (std::int64_t i = 0; i < n; ++i) q[i * n + k] = -q[i * n + k];
    }
}

Tensor dense_copy(const Tensor& t) {
    Tensor out = Tensor::empty(t.shape(), t.dtype());
    out.copy_(t);
    return out;
}

}  // namespace

std::pair<Tensor, Tensor> qr(const Tensor& a) {
    PRISM_CHECK(a.dim() == 2 && a.size(0) == a.size(1), "qr", shape_str(a.shape()),
                ": expects a square matrix (n, n)");
    PRISM_CHECK(is_floating(a.dtype()), "qr", shape_str(a.shape()), ": ", dtype_name(a.dtype()),
                " is not a floating dtype");
    const std::int64_t n = a.size(0);
    Tensor r = dense_copy(a);
    Tensor q = Tensor::empty({n, n}, a.dtype());
    dispatch_floating(a.dtype(), [&](auto tag) {
        using T = decltype(tag);
        householder_qr<T>(r.data<T>(), q.data<T>(), n);
    });
    return {q, r};
}

template <class T>
void solve_right_upper_transposed(const T* r, std::int64_t n, T* x, std::int64_t m) {
    // Y R^T = X, row by row, j = n-1 .. 0: y[j] = x[j] / R[j, j], then x[:j] -= y[j] R[:j, j].
    // The update is an axpy over a row of R^T (copied once), so it vectorises.
    std::vector<T> rt(static_cast<std::size_t>(n * n));
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < n; ++j) rt[j * n + i] = r[i * n + j];
    for (std::int64_t i = 0; i < m; ++i) {
        T* y = x + i * n;
        for (std::int64_t j = n - 1; j >= 0; --j) {
            const T yj = y[j] / rt[j * n + j];
            y[j] = yj;
            const T* col = rt.data() + j * n;
            for (std::int64_t l = 0; l < j; ++l) y[l] -= yj * col[l];
        }
    }
}
template void solve_right_upper_transposed<float>(const float*, std::int64_t, float*, std::int64_t);
template void solve_right_upper_transposed<double>(const double*, std::int64_t, double*, std::int64_t);

// Backward of A = QR for square full-rank A (Walter & Lehmann 2018, "Algorithmic
// differentiation of linear algebra functions with application in optimum experimental
// design"; Liao et al. 2019; the same formula is PyTorch's linalg_qr_backward for m >= n):
//
//     M  = R dR^T - dQ^T Q
//     dA = (dQ + Q copyltu(M)) R^{-T},   copyltu(M) = tril(M, -1) + tril(M, -1)^T + diag(M)
//
// R^{-T} is applied by triangular substitution (never forming the inverse).
Tensor qr_backward(const Tensor& dq_in, const Tensor& dr_in, const Tensor& q_in, const Tensor& r_in) {
    const std::int64_t n = q_in.size(0);
    const Tensor q = q_in.is_contiguous() ? q_in : dense_copy(q_in);
    const Tensor r = r_in.is_contiguous() ? r_in : dense_copy(r_in);
    const Tensor dq = !dq_in.defined() || dq_in.is_contiguous() ? dq_in : dense_copy(dq_in);
    const Tensor dr = !dr_in.defined() || dr_in.is_contiguous() ? dr_in : dense_copy(dr_in);
    Tensor da = Tensor::zeros({n, n}, q.dtype());
    if (n == 0) return da;
    dispatch_floating(q.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* pq = q.data<T>();
        const T* pr = r.data<T>();
        std::vector<T> m(static_cast<std::size_t>(n * n), T(0)), s(m.size());
        const MatrixView<T> M = row_major(m.data(), n, n);
        if (dr.defined())  // M = R @ dR^T
            gemm<T>(T(1), row_major(pr, n, n), row_major(dr.data<T>(), n, n).transposed(), T(0), M);
        if (dq.defined())  // M -= dQ^T @ Q
            gemm<T>(T(-1), row_major(dq.data<T>(), n, n).transposed(), row_major(pq, n, n), T(1), M);
        for (std::int64_t i = 0; i < n; ++i)  // copyltu: the lower triangle mirrored
            for (std::int64_t j = 0; j < n; ++j) s[i * n + j] = i >= j ? m[i * n + j] : m[j * n + i];
        T* x = da.data<T>();
        if (dq.defined()) da.copy_(dq);
        gemm<T>(T(1), row_major(pq, n, n), row_major(s.data(), n, n), T(1), row_major(x, n, n));  // X = dQ + Q S
        solve_right_upper_transposed<T>(pr, n, x, n);                       // dA = X R^{-T}
    });
    return da;
}

}  // namespace prism::ops
