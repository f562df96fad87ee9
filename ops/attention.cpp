#include "prism/ops/attention.hpp"

#include <xsimd/xsimd.hpp>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include <atomic>
#include <cmath>
#include <limits>
#include <new>
#include <type_traits>
#include <vector>

#include "prism/core/layout.hpp"
#include "prism/core/parallel.hpp"
#include "prism/core/runtime.hpp"
#include "prism/ops/attention_tile.hpp"
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

void check_mask(const Tensor& mask, const Tensor& q) {
    if (!mask.defined()) return;
    const Shape want{q.size(0), q.size(1), q.size(2), q.size(2)};
    PRISM_CHECK(mask.shape() == want && mask.dtype() == q.dtype(), "scaled_dot_product_attention", "dropout mask ",
                shape_str(mask.shape()), ": expected ", shape_str(want), " for q ", shape_str(q.shape()));
}

// Element [b, h, 0, 0] of a (B, NH, T, HS) tensor, its row/col strides and sizes (T, HS).
template <class T> struct Head {
    const T* base;
    std::int64_t s0, s1, rs, cs, rows, cols;
    explicit Head(const Tensor& t)
        : base(static_cast<const T*>(t.storage()->data()) + t.offset()),
          s0(t.stride(0)), s1(t.stride(1)), rs(t.stride(2)), cs(t.stride(3)), rows(t.size(2)), cols(t.size(3)) {}
    const T* at(std::int64_t b, std::int64_t h) const { return base + b * s0 + h * s1; }
    MatrixView<const T> matrix(std::int64_t b, std::int64_t h) const { return {at(b, h), rows, cols, rs, cs}; }
};

// The typed operands of a blis or fused kernel: q, k, v as heads, the dropout mask M
// (B, NH, T, T) contiguous or null, and the score scale 1/sqrt(HS).
template <class T> struct Operands {
    Head<T> q, k, v;
    const T* M;
    T scale;
};
// Backward adds dO as a head and the gradients dq, dk, dv (B, NH, T, HS) it writes.
template <class T> struct BackwardOperands : Operands<T> {
    Head<T> dout;
    T *dq, *dk, *dv;
};

// body(tag, Operands<T>) for q's dtype T (tag is a T), with the mask made contiguous.
template <class F> void with_operands(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, F&& body) {
    const Tensor mk = mask.defined() ? layout::contiguous(mask) : mask;
    dispatch_floating(q.dtype(), [&](auto tag) {
        using T = decltype(tag);
        body(tag, Operands<T>{Head<T>(q), Head<T>(k), Head<T>(v), mk.defined() ? mk.data<T>() : nullptr,
                              T(1) / std::sqrt(T(q.size(3)))});
    });
}

// dq, dk, dv allocated like q (the kernel writes every element), then
// body(tag, BackwardOperands<T>) for q's dtype T.
template <class F>
AttentionGrads with_backward_operands(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                      const Tensor& mask, F&& body) {
    AttentionGrads g{Tensor::empty(q.shape(), q.dtype()), Tensor::empty(q.shape(), q.dtype()),
                     Tensor::empty(q.shape(), q.dtype())};
    with_operands(q, k, v, mask, [&](auto tag, const auto& in) {
        using T = decltype(tag);
        body(tag, BackwardOperands<T>{in, Head<T>(dout), g.dq.data<T>(), g.dk.data<T>(), g.dv.data<T>()});
    });
    return g;
}

std::atomic<AttentionKernel> g_kernel{AttentionKernel::fused};

}  // namespace

void set_attention_kernel(AttentionKernel kernel) { g_kernel.store(kernel); }
AttentionKernel attention_kernel() { return g_kernel.load(); }

// ---------------------------------------------------------------------------------------------
// Reference: plain loops over contiguous copies, probabilities stored.
namespace ref {

AttentionForward attention_forward(const Tensor& q_in, const Tensor& k_in, const Tensor& v_in, bool causal,
                                   const Tensor& mask_in) {
    check_qkv(q_in, k_in, v_in);
    check_mask(mask_in, q_in);
    const Tensor q = layout::contiguous(q_in), k = layout::contiguous(k_in), v = layout::contiguous(v_in);
    const Tensor mask = mask_in.defined() ? layout::contiguous(mask_in) : mask_in;
    const std::int64_t B = q.size(0), NH = q.size(1), T_ = q.size(2), HS = q.size(3);
    AttentionForward res{Tensor::zeros(q.shape(), q.dtype()), Tensor::zeros({B, NH, T_}, q.dtype()),
                         Tensor::zeros({B, NH, T_, T_}, q.dtype())};
    dispatch_floating(q.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T *pq = q.data<T>(), *pk = k.data<T>(), *pv = v.data<T>();
        const T* M = mask.defined() ? mask.data<T>() : nullptr;
        T *P = res.probs.data<T>(), *O = res.out.data<T>(), *L = res.lse.data<T>();
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
                L[bh * T_ + i] = m + std::log(s);
                for (std::int64_t j = 0; j < n; ++j) {
                    const T w = p[i * T_ + j] * (M ? M[bh * T_ * T_ + i * T_ + j] : T(1));
                    for (std::int64_t c = 0; c < HS; ++c) O[bh * T_ * HS + i * HS + c] += w * vh[j * HS + c];
                }
            }
        }
    });
    return res;
}

AttentionGrads attention_backward(const Tensor& dout_in, const Tensor& q_in, const Tensor& k_in, const Tensor& v_in,
                                  bool causal, const Tensor& mask_in) {
    const AttentionForward f = attention_forward(q_in, k_in, v_in, causal, mask_in);
    const Tensor q = layout::contiguous(q_in), k = layout::contiguous(k_in), v = layout::contiguous(v_in);
    const Tensor go = layout::contiguous(dout_in);
    const Tensor mask = mask_in.defined() ? layout::contiguous(mask_in) : mask_in;
    const std::int64_t B = q.size(0), NH = q.size(1), T_ = q.size(2), HS = q.size(3);
    AttentionGrads g{Tensor::zeros(q.shape(), q.dtype()), Tensor::zeros(q.shape(), q.dtype()),
                     Tensor::zeros(q.shape(), q.dtype())};
    dispatch_floating(q.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T *pq = q.data<T>(), *pk = k.data<T>(), *pv = v.data<T>(), *pg = go.data<T>(), *P = f.probs.data<T>();
        const T* M = mask.defined() ? mask.data<T>() : nullptr;
        T *dq = g.dq.data<T>(), *dk = g.dk.data<T>(), *dv = g.dv.data<T>();
        const T scale = T(1) / std::sqrt(T(HS));
        std::vector<T> dp(T_);
        for (std::int64_t bh = 0; bh < B * NH; ++bh) {
            const std::int64_t o = bh * T_ * HS, po = bh * T_ * T_;
            for (std::int64_t i = 0; i < T_; ++i) {
                T d = 0;
                for (std::int64_t j = 0; j < T_; ++j) {
                    T s = 0;
                    for (std::int64_t c = 0; c < HS; ++c) s += pg[o + i * HS + c] * pv[o + j * HS + c];
                    const T m = M ? M[po + i * T_ + j] : T(1);
                    dp[j] = s * m;
                    d += dp[j] * P[po + i * T_ + j];
                    for (std::int64_t c = 0; c < HS; ++c) dv[o + j * HS + c] += P[po + i * T_ + j] * m * pg[o + i * HS + c];
                }
                for (std::int64_t j = 0; j < (causal ? i + 1 : T_); ++j) {
                    const T ds = P[po + i * T_ + j] * (dp[j] - d) * scale;
                    for (std::int64_t c = 0; c < HS; ++c) {
                        dq[o + i * HS + c] += ds * pk[o + j * HS + c];
                        dk[o + j * HS + c] += ds * pq[o + i * HS + c];
                    }
                }
            }
        }
    });
    return g;
}

}  // namespace ref

// ---------------------------------------------------------------------------------------------
// BLIS: one single-threaded call per product and (b, h); probabilities stored for backward.
namespace blis {

namespace {
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
    check_mask(mask, q);
    const std::int64_t B = q.size(0), NH = q.size(1), T_ = q.size(2), HS = q.size(3);
    AttentionForward res{Tensor::empty(q.shape(), q.dtype()), Tensor(), Tensor::empty({B, NH, T_, T_}, q.dtype())};
    with_operands(q, k, v, mask, [&](auto tag, const auto& io) {
        using T = decltype(tag);
        T* P = res.probs.data<T>();
        T* O = res.out.data<T>();
        parallel_for(0, B * NH, 1, [&](std::int64_t lo, std::int64_t hi) {
            std::vector<T> pd(io.M ? T_ * T_ : 0);
            for (std::int64_t bh = lo; bh < hi; ++bh) {
                const std::int64_t b = bh / NH, h = bh % NH;
                T* p = P + bh * T_ * T_;
                // S = q k^T * scale: k^T is k with row and column strides swapped
                gemm<T>(io.scale, io.q.matrix(b, h), io.k.matrix(b, h).transposed(), T(0), row_major(p, T_, T_));
                for (std::int64_t i = 0; i < T_; ++i) softmax_row_inplace<T>(p + i * T_, causal ? i + 1 : T_, T_);
                const T* pv = p;
                if (io.M) {  // dropout acts on a copy; P itself is kept for backward and probes
                    const T* m = io.M + bh * T_ * T_;
                    for (std::int64_t i = 0; i < T_ * T_; ++i) pd[i] = p[i] * m[i];
                    pv = pd.data();
                }
                gemm<T>(T(1), row_major(pv, T_, T_), io.v.matrix(b, h), T(0), row_major(O + bh * T_ * HS, T_, HS));
            }
        });
    });
    return res;
}

AttentionGrads attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Tensor& probs, const Tensor& mask) {
    check_qkv(q, k, v);
    const std::int64_t B = q.size(0), NH = q.size(1), T_ = q.size(2), HS = q.size(3);
    return with_backward_operands(dout, q, k, v, mask, [&](auto tag, const auto& io) {
        using T = decltype(tag);
        const T* P = probs.data<T>();
        parallel_for(0, B * NH, 1, [&](std::int64_t lo, std::int64_t hi) {
            std::vector<T> dp(T_ * T_), pd(io.M ? T_ * T_ : 0);
            for (std::int64_t bh = lo; bh < hi; ++bh) {
                const std::int64_t b = bh / NH, h = bh % NH;
                const T* p = P + bh * T_ * T_;
                const T* pv = p;
                if (io.M) {
                    const T* m = io.M + bh * T_ * T_;
                    for (std::int64_t i = 0; i < T_ * T_; ++i) pd[i] = p[i] * m[i];
                    pv = pd.data();
                }
                const std::int64_t o = bh * T_ * HS;
                // dv = P^T dO;  dP = dO v^T
                gemm<T>(T(1), row_major(pv, T_, T_).transposed(), io.dout.matrix(b, h), T(0),
                        row_major(io.dv + o, T_, HS));
                gemm<T>(T(1), io.dout.matrix(b, h), io.v.matrix(b, h).transposed(), T(0), row_major(dp.data(), T_, T_));
                if (io.M) {
                    const T* m = io.M + bh * T_ * T_;
                    for (std::int64_t i = 0; i < T_ * T_; ++i) dp[i] *= m[i];
                }
                // dS = P * (dP - rowsum(dP * P)) * scale, in place in dp
                for (std::int64_t i = 0; i < T_; ++i) {
                    T* r = dp.data() + i * T_;
                    const T* pr = p + i * T_;
                    const T d = simd::row_dot(r, pr, T_);
                    for (std::int64_t j = 0; j < T_; ++j) r[j] = pr[j] * (r[j] - d) * io.scale;
                }
                // dq = dS k;  dk = dS^T q
                gemm<T>(T(1), row_major(dp.data(), T_, T_), io.k.matrix(b, h), T(0), row_major(io.dq + o, T_, HS));
                gemm<T>(T(1), row_major(dp.data(), T_, T_).transposed(), io.q.matrix(b, h), T(0),
                        row_major(io.dk + o, T_, HS));
            }
        });
    });
}

}  // namespace blis

// ---------------------------------------------------------------------------------------------
// Fused: per (b, h), blocks of kMR query rows; P never leaves the thread's scratch.
namespace {

// Rows of the fused kernel live in buffers padded to a multiple of the vector width W, so the
// row helpers below run on whole vectors only: the lanes [n, padded(n)) that a row must not
// see are set to -inf by one vector select (scalar stores there would stall the wide load
// that follows: no store forwarding), and exp(-inf) = 0 masks them.

// Max and sum of the lanes of v (AVX-512: shuffle trees; the scalar loop over a stored vector
// was a 16-step dependency chain in every softmax row).
template <class T> T lanes_max(const simd::batch<T>& v) {
#if defined(__AVX512F__)
    if constexpr (simd::batch<T>::size * sizeof(T) == 64) {
        if constexpr (std::is_same_v<T, float>) return _mm512_reduce_max_ps(v);
        else return _mm512_reduce_max_pd(v);
    }
#endif
    alignas(64) T buf[simd::batch<T>::size];
    v.store_aligned(buf);
    T m = buf[0];
    for (std::size_t i = 1; i < simd::batch<T>::size; ++i) m = std::max(m, buf[i]);
    return m;
}
template <class T> T lanes_sum(const simd::batch<T>& v) {
#if defined(__AVX512F__)
    if constexpr (simd::batch<T>::size * sizeof(T) == 64) {
        if constexpr (std::is_same_v<T, float>) return _mm512_reduce_add_ps(v);
        else return _mm512_reduce_add_pd(v);
    }
#endif
    return xsimd::hadd(v);
}

// p[n, padded(n)) = -inf (p aligned, whole vectors).
template <class T> void mask_tail(T* p, std::int64_t n) {
    using V = simd::batch<T>;
    constexpr std::int64_t S = V::size;
    const std::int64_t full = n / S * S;
    if (full == n) return;
    alignas(64) static const T iota[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    const V keep = V::load_aligned(iota);
    xsimd::select(keep < V(T(n - full)), V::load_aligned(p + full), V(-std::numeric_limits<T>::infinity()))
        .store_aligned(p + full);
}

template <class T> void zero_vectors(T* p, std::int64_t from, std::int64_t to) {
    for (std::int64_t j = from; j < to; j += simd::batch<T>::size) simd::batch<T>(T(0)).store_aligned(p + j);
}

// Rows r < mr of the block p (row stride ld, columns [0, nc) written, nc a multiple of W): row r
// sees keys [0, n0 + r) and becomes p[r, :n0 + r) = softmax, p[r, n0 + r:nc) = 0 (n0 >= 1;
// without a causal mask every row sees the same n = n0 + r keys, pass step 0). Returns the row
// maxima in m and the sums of exp(p - max) in sum (log-sum-exp = max + log(sum), per block).
// The three passes (max, exp and sum, scale) each run over all rows before the next starts, so
// the rows' reductions overlap instead of forming one long dependency chain per row.
template <class T>
void softmax_block(T* p, std::int64_t mr, std::int64_t ld, std::int64_t n0, std::int64_t step, std::int64_t nc, T* m,
                   T* sum) {
    using V = simd::batch<T>;
    constexpr std::int64_t S = V::size;
    for (std::int64_t r = 0; r < mr; ++r) {
        T* row = p + r * ld;
        const std::int64_t n = n0 + r * step, np = tile::padded<T>(n);
        mask_tail(row, n);
        V vm = V::load_aligned(row);
        for (std::int64_t j = S; j < np; j += S) vm = xsimd::max(vm, V::load_aligned(row + j));
        m[r] = lanes_max(vm);
    }
    for (std::int64_t r = 0; r < mr; ++r) {
        T* row = p + r * ld;
        const std::int64_t np = tile::padded<T>(n0 + r * step);
        const V bm(m[r]);
        V vs(T(0));
        for (std::int64_t j = 0; j < np; j += S) {
            const V e = xsimd::exp(V::load_aligned(row + j) - bm);
            e.store_aligned(row + j);
            vs += e;
        }
        sum[r] = lanes_sum(vs);
    }
    for (std::int64_t r = 0; r < mr; ++r) {
        T* row = p + r * ld;
        const std::int64_t np = tile::padded<T>(n0 + r * step);
        const V inv(T(1) / sum[r]);
        for (std::int64_t j = 0; j < np; j += S) (V::load_aligned(row + j) * inv).store_aligned(row + j);
        zero_vectors(row, np, nc);
    }
}

// lse[r] = m[r] + log(sum[r]) for r < mr <= 16, one vector log for a block of rows.
template <class T> void block_lse(const T* m, const T* sum, std::int64_t mr, T* lse) {
    for (std::int64_t r = 0; r < mr; r += simd::batch<T>::size) {
        alignas(64) T bs[simd::batch<T>::size], bm[simd::batch<T>::size], out[simd::batch<T>::size];
        const std::int64_t c = std::min<std::int64_t>(simd::batch<T>::size, mr - r);
        std::fill(bs, bs + simd::batch<T>::size, T(1));
        std::fill(bm, bm + simd::batch<T>::size, T(0));
        std::copy(sum + r, sum + r + c, bs);
        std::copy(m + r, m + r + c, bm);
        (simd::batch<T>::load_aligned(bm) + xsimd::log(simd::batch<T>::load_aligned(bs))).store_aligned(out);
        std::copy(out, out + c, lse + r);
    }
}

// p[0, n) = exp(p - lse) (the probabilities recomputed from the stored log-sum-exp); p[n, ld) = 0.
template <class T> void exp_row(T* p, T lse, std::int64_t n, std::int64_t ld) {
    using V = simd::batch<T>;
    constexpr std::int64_t S = V::size;
    const std::int64_t np = tile::padded<T>(n);
    mask_tail(p, n);
    const V bl(lse);
    for (std::int64_t j = 0; j < np; j += S) xsimd::exp(V::load_aligned(p + j) - bl).store_aligned(p + j);
    zero_vectors(p, np, ld);
}

// s[0, np) = p * (d - rowsum(d * p)) * scale over whole vectors (p is 0 where masked); s[np, ld) = 0.
template <class T> void softmax_grad_row(const T* p, const T* d, T scale, T* s, std::int64_t n, std::int64_t ld) {
    using V = simd::batch<T>;
    constexpr std::int64_t S = V::size;
    const std::int64_t np = tile::padded<T>(n);
    V acc(T(0));
    for (std::int64_t j = 0; j < np; j += S) acc = xsimd::fma(V::load_aligned(d + j), V::load_aligned(p + j), acc);
    const V dot(xsimd::hadd(acc)), sc(scale);
    for (std::int64_t j = 0; j < np; j += S)
        ((V::load_aligned(d + j) - dot) * V::load_aligned(p + j) * sc).store_aligned(s + j);
    zero_vectors(s, np, ld);
}

// One uninitialized 64-byte-aligned allocation carved into a kernel's buffers (every element
// the kernels read is written first, so nothing is zeroed up front).
template <class T> class Scratch {
  public:
    explicit Scratch(std::int64_t n)
        : mem_(static_cast<T*>(::operator new[](n * sizeof(T), std::align_val_t{64}))), left_(n) {}
    ~Scratch() { ::operator delete[](mem_, std::align_val_t{64}); }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    // The next n elements (n a multiple of W<T>, so every buffer stays 64-byte aligned).
    T* take(std::int64_t n) {
        PRISM_CHECK(n <= left_, "scaled_dot_product_attention", "scratch overrun");
        T* p = mem_ + used_;
        used_ += n;
        left_ -= n;
        return p;
    }

  private:
    T* mem_;
    std::int64_t used_ = 0, left_;
};

// How the fused kernels split the (b, h) pairs over tasks. A task takes G heads of one batch
// element (G = NH when their packed q, k, v fit in half of L2 and there are enough batch
// elements for the threads, else 1) and copies their rows once (pack_heads); chunks of
// several tasks share one Scratch (with grain 1 every head allocated and zeroed its own
// 30-60 KB, against ~4 us of arithmetic per T = 50 head).
struct Split {
    std::int64_t G, tasks, grain;
    Split(std::int64_t B, std::int64_t NH, std::int64_t T_, std::int64_t HSp, std::size_t elem) {
        const std::int64_t threads = runtime::num_threads();
        const bool whole = 3 * NH * T_ * HSp * std::int64_t(elem) <= (512 << 10) && B >= 4 * threads;
        G = whole ? NH : 1;
        tasks = B * NH / G;
        grain = std::max<std::int64_t>(1, tasks / (8 * threads));
    }
};

// q, k, v rows of heads [h0, h0 + G) of batch element b -> qp, kp, vp (G, T, HSp), columns
// [HS, HSp) zeroed. Rows are read in address order (t, then q/k/v, then head): for the
// (B, T, 3, NH, HS) projection layout that is one sequential pass over b's T x 3 x NH x HS
// block, which the hardware prefetcher streams; read head by head (256 bytes every 2304) the
// same rows stalled the T = 50 kernels on memory (36% of peak vs ~60% with the data in cache).
template <class T>
void pack_heads(const Operands<T>& io, std::int64_t b, std::int64_t h0, std::int64_t G, std::int64_t T_,
                std::int64_t HS, std::int64_t HSp, T* qp, T* kp, T* vp) {
    const Head<T>* src[3] = {&io.q, &io.k, &io.v};
    T* dst[3] = {qp, kp, vp};
    for (std::int64_t t = 0; t < T_; ++t)
        for (int x = 0; x < 3; ++x)
            for (std::int64_t g = 0; g < G; ++g) {
                const T* s = src[x]->at(b, h0 + g) + t * src[x]->rs;
                T* d = dst[x] + (g * T_ + t) * HSp;
                tile::copy_row(s, src[x]->cs, HS, HSp, d);
            }
}

// Software prefetch of the rows pack_heads will copy for heads [h0, h0 + G) of batch element b,
// issued while the task before computes. An inline-asm prefetcht0: GCC 12 deleted loops of
// __builtin_prefetch (and _mm_prefetch) here as dead code (objdump showed no prefetch
// instruction in the kernels).
inline void prefetch_line(const void* p) {
#if defined(__x86_64__)
    asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
    __builtin_prefetch(p, 0, 3);
#endif
}
// Every cache line of one row of n elements with stride cs.
template <class T> void prefetch_row(const T* row, std::int64_t n, std::int64_t cs) {
    const char* p = reinterpret_cast<const char*>(row);
    const std::int64_t bytes = std::int64_t(sizeof(T)) * ((n - 1) * cs + 1);
    for (std::int64_t c = 0; c < bytes; c += 64) prefetch_line(p + c);
}
template <class T>
void prefetch_heads(const Operands<T>& io, std::int64_t b, std::int64_t h0, std::int64_t G, std::int64_t T_,
                    std::int64_t HS) {
    const Head<T>* src[3] = {&io.q, &io.k, &io.v};
    for (std::int64_t t = 0; t < T_; ++t)
        for (int x = 0; x < 3; ++x)
            for (std::int64_t g = 0; g < G; ++g) prefetch_row(src[x]->at(b, h0 + g) + t * src[x]->rs, HS, src[x]->cs);
}

template <class T> void mul_row(T* p, const T* m, std::int64_t n) {
    using V = simd::batch<T>;
    constexpr std::int64_t S = V::size;
    std::int64_t j = 0;
    for (; j + S <= n; j += S) (V::load_unaligned(p + j) * V::load_unaligned(m + j)).store_unaligned(p + j);
    for (; j < n; ++j) p[j] *= m[j];
}

}  // namespace

AttentionForward attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                                   const Tensor& mask, bool keep_probs) {
    check_qkv(q, k, v);
    check_mask(mask, q);
    const std::int64_t B = q.size(0), NH = q.size(1), T_ = q.size(2), HS = q.size(3);
    // out: (B, NH, T, HS) view of a row-major (B, T, NH, HS); row i of head (b, h) at O[((b T + i) NH + h) HS]
    const Tensor out_rows = Tensor::empty({B, T_, NH, HS}, q.dtype());
    AttentionForward res{layout::transpose(out_rows, 1, 2), Tensor::empty({B, NH, T_}, q.dtype()),
                         keep_probs ? Tensor::empty({B, NH, T_, T_}, q.dtype()) : Tensor()};
    with_operands(q, k, v, mask, [&](auto tag, const auto& io) {
        using T = decltype(tag);
        T* O = out_rows.data<T>();
        T* L = res.lse.data<T>();
        T* P = keep_probs ? res.probs.data<T>() : nullptr;
        const std::int64_t Tp = tile::padded<T>(T_), HSp = tile::padded<T>(HS);
        const std::int64_t nblk = (T_ + tile::kMR - 1) / tile::kMR;  // row blocks of 5-6 rows (50 = 5 x 6 + 4 x 5)
        const Split split(B, NH, T_, HSp, sizeof(T));
        const std::int64_t G = split.G;
        parallel_for(0, split.tasks, split.grain, [&](std::int64_t lo, std::int64_t hi) {
            // packed q, k, v of the task's heads (G, T, HSp); per head k^T (HS, Tp); one S block
            Scratch<T> mem(3 * G * T_ * HSp + HS * Tp + tile::kMR * Tp);
            T *qp = mem.take(G * T_ * HSp), *kp = mem.take(G * T_ * HSp), *vp = mem.take(G * T_ * HSp);
            T *kt = mem.take(HS * Tp), *s = mem.take(tile::kMR * Tp);
            for (std::int64_t bh = lo * G; bh < hi * G; ++bh) {  // task t: heads [t G, (t + 1) G)
                const std::int64_t b = bh / NH, h = bh % NH, g = bh % G;
                if (g == 0) {
                    pack_heads(io, b, h, G, T_, HS, HSp, qp, kp, vp);
                    if (bh + G < hi * G) prefetch_heads(io, (bh + G) / NH, (bh + G) % NH, G, T_, HS);  // next task
                }
                const T* qh = qp + g * T_ * HSp;
                const T* vh = vp + g * T_ * HSp;
                tile::pack(kp + g * T_ * HSp, HS, T_, 1, HSp, kt, Tp);  // k^T (HS, Tp)
                for (std::int64_t blk = 0; blk < nblk; ++blk) {
                    const std::int64_t i0 = blk * T_ / nblk, mr = (blk + 1) * T_ / nblk - i0;
                    const std::int64_t ncol = causal ? i0 + mr : T_;  // keys any row of the block sees
                    // S block (mr, ncol) = q[i0:i0+mr] k^T * scale
                    tile::panel<T>(mr, tile::padded<T>(ncol), 0, HS, io.scale, qh + i0 * HSp, HSp, 1, kt, Tp,
                                   s, Tp);
                    T rmax[tile::kMR], rsum[tile::kMR];
                    softmax_block(s, mr, Tp, causal ? i0 + 1 : T_, causal ? 1 : 0, tile::padded<T>(ncol), rmax, rsum);
                    for (std::int64_t r = 0; r < mr; ++r) {
                        const std::int64_t i = i0 + r;
                        T* p = s + r * Tp;
                        if (P) {
                            std::copy(p, p + ncol, P + (bh * T_ + i) * T_);
                            std::fill(P + (bh * T_ + i) * T_ + ncol, P + (bh * T_ + i + 1) * T_, T(0));
                        }
                        if (io.M) mul_row(p, io.M + (bh * T_ + i) * T_, ncol);
                    }
                    block_lse(rmax, rsum, mr, L + bh * T_ + i0);
                    // O block (mr, HS) = P block (mr, ncol) v[0:ncol]
                    tile::panel<T>(mr, HS, 0, ncol, T(1), s, Tp, 1, vh, HSp, O + ((b * T_ + i0) * NH + h) * HS,
                                   NH * HS);
                }
            }
        });
    });
    return res;
}

AttentionGrads attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Tensor& lse, bool causal, const Tensor& mask) {
    check_qkv(q, k, v);
    check_mask(mask, q);
    const std::int64_t B = q.size(0), NH = q.size(1), T_ = q.size(2), HS = q.size(3);
    PRISM_CHECK(dout.shape() == q.shape() && lse.shape() == Shape({B, NH, T_}) && lse.is_contiguous(),
                "scaled_dot_product_attention", "backward: dout ", shape_str(dout.shape()), ", lse ",
                shape_str(lse.shape()), " for q ", shape_str(q.shape()));
    return with_backward_operands(dout, q, k, v, mask, [&](auto tag, const auto& io) {
        using T = decltype(tag);
        const T* L = lse.data<T>();
        const std::int64_t Tp = tile::padded<T>(T_), HSp = tile::padded<T>(HS);
        const std::int64_t nblk = (T_ + tile::kMR - 1) / tile::kMR;  // row blocks of 5-6 rows (50 = 5 x 6 + 4 x 5)
        const Split split(B, NH, T_, HSp, sizeof(T));
        const std::int64_t G = split.G;
        parallel_for(0, split.tasks, split.grain, [&](std::int64_t lo, std::int64_t hi) {
            // packed operands: q, k, v of the task's heads (G, T, HSp); per head k^T, v^T (HS, Tp),
            // dO (T, HSp), P*M and dS (T, Tp)
            Scratch<T> mem(3 * G * T_ * HSp + 2 * HS * Tp + T_ * HSp + 2 * T_ * Tp + tile::kMR * Tp);
            T *qa = mem.take(G * T_ * HSp), *ka = mem.take(G * T_ * HSp), *va = mem.take(G * T_ * HSp);
            T *kt = mem.take(HS * Tp), *vt = mem.take(HS * Tp), *gp = mem.take(T_ * HSp);
            T *pm = mem.take(T_ * Tp), *ds = mem.take(T_ * Tp), *dp = mem.take(tile::kMR * Tp);
            for (std::int64_t bh = lo * G; bh < hi * G; ++bh) {  // task t: heads [t G, (t + 1) G)
                const std::int64_t b = bh / NH, h = bh % NH, g = bh % G;
                if (g == 0) {
                    pack_heads<T>(io, b, h, G, T_, HS, HSp, qa, ka, va);
                    if (bh + G < hi * G) {  // next task's q, k, v and dO rows
                        prefetch_heads<T>(io, (bh + G) / NH, (bh + G) % NH, G, T_, HS);
                        for (std::int64_t n = bh + G; n < bh + 2 * G; ++n)
                            for (std::int64_t t = 0; t < T_; ++t)
                                prefetch_row(io.dout.at(n / NH, n % NH) + t * io.dout.rs, HS, io.dout.cs);
                    }
                }
                const T *qp = qa + g * T_ * HSp, *kp = ka + g * T_ * HSp;
                tile::pack(kp, HS, T_, 1, HSp, kt, Tp);
                tile::pack(va + g * T_ * HSp, HS, T_, 1, HSp, vt, Tp);
                tile::pack(io.dout.at(b, h), T_, HS, io.dout.rs, io.dout.cs, gp, HSp);
                const std::int64_t o = bh * T_ * HS;
                // pass 1, blocks of query rows: P, dP, dS and dq = dS k
                for (std::int64_t blk = 0; blk < nblk; ++blk) {
                    const std::int64_t i0 = blk * T_ / nblk, mr = (blk + 1) * T_ / nblk - i0;
                    const std::int64_t ncol = causal ? i0 + mr : T_;
                    T* pb = pm + i0 * Tp;
                    T* sb = ds + i0 * Tp;
                    const std::int64_t ncp = tile::padded<T>(ncol);  // whole vectors: zero columns past T
                    tile::panel<T>(mr, ncp, 0, HS, io.scale, qp + i0 * HSp, HSp, 1, kt, Tp, pb, Tp);
                    tile::panel<T>(mr, ncp, 0, HS, T(1), gp + i0 * HSp, HSp, 1, vt, Tp, dp, Tp);
                    for (std::int64_t r = 0; r < mr; ++r) {
                        const std::int64_t i = i0 + r, n = causal ? i + 1 : T_;
                        T* p = pb + r * Tp;
                        T* d = dp + r * Tp;
                        T* s = sb + r * Tp;
                        exp_row(p, L[bh * T_ + i], n, Tp);
                        const T* m = io.M ? io.M + (bh * T_ + i) * T_ : nullptr;
                        if (m) mul_row(d, m, n);
                        softmax_grad_row(p, d, io.scale, s, n, Tp);  // dS
                        if (m) mul_row(p, m, n);                     // P -> P*M for dv
                    }
                    tile::panel<T>(mr, HS, 0, ncol, T(1), sb, Tp, 1, kp, HSp, io.dq + o + i0 * HS, HS);
                }
                // pass 2, blocks of key rows j: dv = (P*M)^T dO, dk = dS^T q over queries i (>= j if causal)
                for (std::int64_t blk = 0; blk < nblk; ++blk) {
                    const std::int64_t j0 = blk * T_ / nblk, mr = (blk + 1) * T_ / nblk - j0;
                    const std::int64_t k0 = causal ? j0 : 0;
                    T* dv = io.dv + o + j0 * HS;
                    T* dk = io.dk + o + j0 * HS;
                    tile::panel<T>(mr, HS, k0, T_, T(1), pm + j0, 1, Tp, gp, HSp, dv, HS);
                    tile::panel<T>(mr, HS, k0, T_, T(1), ds + j0, 1, Tp, qp, HSp, dk, HS);
                }
            }
        });
    });
}

}  // namespace prism::ops
