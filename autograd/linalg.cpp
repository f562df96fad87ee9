// Differentiable matmul, linear and QR (autograd/fn_linalg.hpp). The arithmetic lives in
// ops/matmul.cpp and ops/qr.cpp; this file checks shapes and records the backward closures.
#include "prism/autograd/fn_linalg.hpp"
#include "prism/autograd/node.hpp"
#include "prism/ops/elementwise.hpp"
#include "prism/ops/matmul.hpp"
#include "prism/ops/qr.hpp"

namespace prism {

namespace {

Shape batch_of(const Tensor& t) { return Shape(t.shape().begin(), t.shape().end() - 2); }

// Gradient of one operand x of out = a @ b, given the product that produces it:
// `full(g)` is g @ other^T (or other^T @ g) over the output's batch. When x's batch dims were
// broadcast, the sum over them is folded into the GEMM (x 2-d) or done afterwards (sum_to).
Tensor operand_grad(const Tensor& x, const Shape& out_batch, const Tensor& lhs, const Tensor& rhs) {
    if (batch_of(x) == out_batch) return ops::matmul(lhs, rhs);
    if (x.dim() == 2) {
        auto expand_to = [&](const Tensor& t) {
            Shape s = out_batch;
            s.push_back(t.size(-2));
            s.push_back(t.size(-1));
            return t.expand(s);  // zero strides over the batch, no copy
        };
        return ops::matmul_sum_batch(expand_to(lhs), expand_to(rhs));
    }
    return ops::sum_to(ops::matmul(lhs, rhs), x.shape());
}

Tensor matmul_nd(const Tensor& a, const Tensor& b) {  // both at least 2-d
    Tensor out = ops::matmul(a.detach(), b.detach());
    const Tensor ad = a.detach(), bd = b.detach();
    const bool ga = a.requires_grad(), gb = b.requires_grad();
    const Shape out_batch = batch_of(out);
    return record("matmul", out, {a, b}, [ad, bd, ga, gb, out_batch](const Tensor& g) -> std::vector<Tensor> {
        Tensor da, db;
        if (ga) da = operand_grad(ad, out_batch, g, bd.transpose(-1, -2));  // dA = dC @ B^T
        if (gb) db = operand_grad(bd, out_batch, ad.transpose(-1, -2), g);  // dB = A^T @ dC
        return {da, db};
    });
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
    PRISM_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul", shape_str(a.shape()), " @ ", shape_str(b.shape()),
                ": both arguments need at least 1 dimension");
    const std::int64_t kb = b.dim() == 1 ? b.size(0) : b.size(-2);
    PRISM_CHECK(a.size(-1) == kb, "matmul", shape_str(a.shape()), " @ ", shape_str(b.shape()), ": inner dimensions ",
                a.size(-1), " != ", kb);
    // torch.matmul: a 1-d operand is a row (left) or column (right) vector whose dim is dropped again
    if (a.dim() == 1) {
        Tensor r = matmul(a.unsqueeze(0), b);
        return r.squeeze(b.dim() == 1 ? -1 : -2);
    }
    if (b.dim() == 1) return matmul(a, b.unsqueeze(-1)).squeeze(-1);
    return matmul_nd(a, b);
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
    Tensor y = ops::linear(x.detach(), weight.detach(), bias.defined() ? bias.detach() : bias);
    const Tensor xd = x.detach(), wd = weight.detach();
    const bool gx = x.requires_grad(), gw = weight.requires_grad(), gb = bias.defined() && bias.requires_grad();
    return record("linear", y, {x, weight, bias}, [xd, wd, gx, gw, gb](const Tensor& g) -> std::vector<Tensor> {
        auto r = ops::linear_backward(g, xd, wd, gx, gw, gb);
        return {r.dx, r.dw, r.db};
    });
}

std::pair<Tensor, Tensor> qr(const Tensor& a) {
    auto [q, r] = ops::qr(a.detach());
    if (!needs_grad({a})) return {q, r};
    // One recorded node for both outputs: Q and R are the two halves of a (2n, n) tensor, so
    // the backward sees dQ and dR together (zeros for an unused output).
    const std::int64_t n = q.size(0);
    Tensor both = Tensor::empty({2 * n, n}, q.dtype());
    both.narrow(0, 0, n).copy_(q);
    both.narrow(0, n, n).copy_(r);
    both = record("qr", both, {a}, [q = q, r = r, n](const Tensor& g) -> std::vector<Tensor> {
        return {ops::qr_backward(g.narrow(0, 0, n), g.narrow(0, n, n), q, r)};
    });
    return {both.narrow(0, 0, n), both.narrow(0, n, n)};
}

}  // namespace prism
