#include "prism/ops/attention.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include "prism/core/layout.hpp"
#include "prism/core/parallel.hpp"
#include "prism/ops/gemm.hpp"
#include "prism/ops/nn_simd.hpp"

namespace prism::ops {

namespace {

void check_qkv(const Tensor& q, const Tensor& k, const Tensor& v) {
    PRISM_CHECK(q.dim() == 4 && q.shape() == k.shape() && q.shape() == v.shape(), "scaled_dot_product_attention",
                "q ", shape_str(q.shape()), ", k ", shape_str(k.shape()), ", v ", shape_str(v.shape()),
                ": expected three (B, NH, T, HS) tensors of the same shape");
    PRISM_CHECK(is_floating(q.dtype()) && q.dtype() == k.dtype() && q.dtype() == v.dtype(),
                "scaled_dot_product_attention", "q ", shape_str(q.shape()), ", k ", shape_str(k.shape()), ", v ",
                shape_str(v.shape()), ": dtypes must be the same floating type");
}

// Element [b, h, 0, 0] of a (B, NH, T, HS) tensor and its row/col strides.
template <class T> struct Head {
    const T* base;
    std::int64_t s0, s1, rs, cs;
    explicit Head(const Tensor& t)
        : base(static_cast<const T*>(t.storage()->data()) + t.offset()),
          s0(t.stride(0)), s1(t.stride(1)), rs(t.stride(2)), cs(t.stride(3)) {}
    const T* at(std::int64_t b, std::int64_t h) const { return base + b * s0 + h * s1; }
};

// P row i (length T): softmax over keys [0, n) with n = i + 1 when causal, zeros after.
template <class T> void softmax_row_inplace(T* p, std::int64_t n, std::int64_t T_) {
    const T m = simd::row_max(p, n);
    const T s = simd::row_sum_exp(p, m, p, n);
    simd::row_affine<T>(p, T(1) / s, T(0), p, n);
    for (std::int64_t j = n; j < T_; ++j) p[j] = 0;
}

}  // namespace

AttentionForward attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                   const Tensor& mask) {
    check_qkv(q, k, v);
    const std::int64_t B = q.size(0), NH = q.size(1), T_ = q.size(2), HS = q.size(3);
    AttentionForward res{Tensor::empty(q.shape(), q.dtype()), Tensor::empty({B, NH, T_, T_}, q.dtype())};
    const Tensor mk = mask.defined() ? layout::contiguous(mask) : mask;
    dispatch_floating(q.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const Head<T> hq(q), hk(k), hv(v);
        T* P = res.probs.data<T>();
        T* O = res.out.data<T>();
        const T* M = mk.defined() ? mk.data<T>() : nullptr;
        const T scale = T(1) / std::sqrt(T(HS));
        parallel_for(0, B * NH, 1, [&](std::int64_t lo, std::int64_t hi) {
            std::vector<T> pd(M ? T_ * T_ : 0);
            for (std::int64_t bh = lo; bh < hi; ++bh) {
                const std::int64_t b = bh / NH, h = bh % NH;
                T* p = P + bh * T_ * T_;
                // S = q k^T * scale: k^T is k with row and column strides swapped
                gemm<T>(T_, T_, HS, scale, hq.at(b, h), hq.rs, hq.cs, hk.at(b, h), hk.cs, hk.rs, T(0), p, T_, 1);
                for (std::int64_t i = 0; i < T_; ++i) softmax_row_inplace<T>(p + i * T_, causal ? i + 1 : T_, T_);
                const T* pv = p;
                if (M) {  // dropout acts on a copy; P itself is kept for backward and probes
                    const T* m = M + bh * T_ * T_;
                    for (std::int64_t i = 0; i < T_ * T_; ++i) pd[i] = p[i] * m[i];
                    pv = pd.data();
                }
                gemm<T>(T_, HS, T_, T(1), pv, T_, 1, hv.at(b, h), hv.rs, hv.cs, T(0), O + bh * T_ * HS, HS, 1);
            }
        });
    });
    return res;
}

AttentionGrads attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Tensor& probs, const Tensor& mask) {
    check_qkv(q, k, v);
    const std::int64_t B = q.size(0), NH = q.size(1), T_ = q.size(2), HS = q.size(3);
    AttentionGrads g{Tensor::empty(q.shape(), q.dtype()), Tensor::empty(q.shape(), q.dtype()),
                     Tensor::empty(q.shape(), q.dtype())};
    const Tensor mk = mask.defined() ? layout::contiguous(mask) : mask;
    dispatch_floating(q.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const Head<T> hq(q), hk(k), hv(v), hg(dout);
        const T* P = probs.data<T>();
        const T* M = mk.defined() ? mk.data<T>() : nullptr;
        T *dq = g.dq.data<T>(), *dk = g.dk.data<T>(), *dv = g.dv.data<T>();
        const T scale = T(1) / std::sqrt(T(HS));
        parallel_for(0, B * NH, 1, [&](std::int64_t lo, std::int64_t hi) {
            std::vector<T> dp(T_ * T_), pd(M ? T_ * T_ : 0);
            for (std::int64_t bh = lo; bh < hi; ++bh) {
                const std::int64_t b = bh / NH, h = bh % NH;
                const T* p = P + bh * T_ * T_;
                const T* go = hg.at(b, h);
                const T* pv = p;
                if (M) {
                    const T* m = M + bh * T_ * T_;
                    for (std::int64_t i = 0; i < T_ * T_; ++i) pd[i] = p[i] * m[i];
                    pv = pd.data();
                }
                const std::int64_t o = bh * T_ * HS;
                // dv = P^T dO;  dP = dO v^T
                gemm<T>(T_, HS, T_, T(1), pv, 1, T_, go, hg.rs, hg.cs, T(0), dv + o, HS, 1);
                gemm<T>(T_, T_, HS, T(1), go, hg.rs, hg.cs, hv.at(b, h), hv.cs, hv.rs, T(0), dp.data(), T_, 1);
                if (M) {
                    const T* m = M + bh * T_ * T_;
                    for (std::int64_t i = 0; i < T_ * T_; ++i) dp[i] *= m[i];
                }
                // dS = P * (dP - rowsum(dP * P)) * scale, in place in dp
                for (std::int64_t i = 0; i < T_; ++i) {
                    T* r = dp.data() + i * T_;
                    const T* pr = p + i * T_;
                    const T d = simd::row_dot(r, pr, T_);
                    for (std::int64_t j = 0; j < T_; ++j) r[j] = pr[j] * (r[j] - d) * scale;
                }
                // dq = dS k;  dk = dS^T q
                gemm<T>(T_, HS, T_, T(1), dp.data(), T_, 1, hk.at(b, h), hk.rs, hk.cs, T(0), dq + o, HS, 1);
                gemm<T>(T_, HS, T_, T(1), dp.data(), 1, T_, hq.at(b, h), hq.rs, hq.cs, T(0), dk + o, HS, 1);
            }
        });
    });
    return g;
}

namespace ref {
AttentionForward attention_forward(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, bool causal) {
    check_qkv(q_in, k_in, v_in);
    const Tensor q = layout::contiguous(q_in), k = layout::contiguous(k_in), v = layout::contiguous(v_in);
    const std::int64_t B = q.size(0), NH = q.size(1), T_ = q.size(2), HS = q.size(3);
    AttentionForward res{Tensor::zeros(q.shape(), q.dtype()), Tensor::zeros({B, NH, T_, T_}, q.dtype())};
    dispatch_floating(q.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T *pq = q.data<T>(), *pk = k.data<T>(), *pv = v.data<T>();
        T *P = res.probs.data<T>(), *O = res.out.data<T>();
        const T scale = T(1) / std::sqrt(T(HS));
        for (std::int64_t bh = 0; bh < B * NH; ++bh) {
            const T *qh = pq + bh * T_ * HS, *kh = pk + bh * T_ * HS, *vh = pv + bh * T_ * HS;
            T* p = P + bh * T_ * T_;
            for (std::int64_t i = 0; i < T_; ++i) {
                const std::int64_t n = causal ? i + 1 : T_;
                T m = -std::numeric_limits<T>::infinity(), s = 0;
                for (std::int64_t j = 0; j < n; ++j) {
                    T d = 0;
                    for (std::int64_t c = 0; c < HS; ++c) d += qh[i * HS + c] * kh[j * HS + c];
                    p[i * T_ + j] = d * scale;
                    m = std::max(m, d * scale);
                }
                for (std::int64_t j = 0; j < n; ++j) s += std::exp(p[i * T_ + j] - m);
                for (std::int64_t j = 0; j < n; ++j) p[i * T_ + j] = std::exp(p[i * T_ + j] - m) / s;
                for (std::int64_t j = 0; j < n; ++j)
                    for (std::int64_t c = 0; c < HS; ++c) O[bh * T_ * HS + i * HS + c] += p[i * T_ + j] * vh[j * HS + c];
            }
        }
    });
    return res;
}
}  // namespace ref

}  // namespace prism::ops
