// scaled_dot_product_attention: the fused kernels of ops/attention.hpp plus its autograd node.
//
// The node keeps q, k, v, the dropout mask and the row log-sum-exp (B, NH, T); backward
// recomputes the probabilities from them, so the (B, NH, T, T) matrix is materialised only
// when a caller (a probe) asks for it through probs_out.
#include "prism/autograd/fn_nn.hpp"
#include "prism/autograd/node.hpp"
#include "prism/ops/attention.hpp"
#include "prism/ops/dropout.hpp"

namespace prism {

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal, double dropout_p,
                                    Generator* gen, Tensor* probs_out) {
    Tensor mask;
    if (dropout_p > 0.0) {
        PRISM_CHECK(q.dim() == 4, "scaled_dot_product_attention", "q ", shape_str(q.shape()),
                    ": expected (B, NH, T, HS)");
        Generator& g = gen ? *gen : default_generator();
        mask = ops::dropout_mask({q.size(0), q.size(1), q.size(2), q.size(2)}, q.dtype(), dropout_p, g);
    }
    if (ops::attention_kernel() == ops::AttentionKernel::blis) {
        ops::AttentionForward f = ops::blis::attention_forward(q, k, v, causal, mask);
        if (probs_out) *probs_out = f.probs;
        const Tensor qs = q.detach(), ks = k.detach(), vs = v.detach(), P = f.probs;
        return record("scaled_dot_product_attention", f.out, {q, k, v},
                      [qs, ks, vs, P, mask](const Tensor& g) -> std::vector<Tensor> {
                          ops::AttentionGrads d = ops::blis::attention_backward(g, qs, ks, vs, P, mask);
                          return {d.dq, d.dk, d.dv};
                      });
    }
    ops::AttentionForward f = ops::attention_forward(q, k, v, causal, mask, probs_out != nullptr);
    if (probs_out) *probs_out = f.probs;
    const Tensor qs = q.detach(), ks = k.detach(), vs = v.detach(), lse = f.lse;
    return record("scaled_dot_product_attention", f.out, {q, k, v},
                  [qs, ks, vs, lse, causal, mask](const Tensor& g) -> std::vector<Tensor> {
                      ops::AttentionGrads d = ops::attention_backward(g, qs, ks, vs, lse, causal, mask);
                      return {d.dq, d.dk, d.dv};
                  });
}

}  // namespace prism
