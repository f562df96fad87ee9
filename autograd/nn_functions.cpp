// Differentiable nn functions (autograd/fn_nn.hpp): each runs its ops/ kernel, then records a
// node whose closure calls the matching backward kernel. Closures capture inputs and saved
// statistics, never the output itself (out.detach() when the output is needed).
#include "prism/autograd/fn_elementwise.hpp"
#include "prism/autograd/fn_nn.hpp"
#include "prism/autograd/node.hpp"
#include "prism/ops/cross_entropy.hpp"
#include "prism/ops/dropout.hpp"
#include "prism/ops/embedding.hpp"
#include "prism/ops/join.hpp"
#include "prism/ops/layer_norm.hpp"
#include "prism/ops/softmax.hpp"

namespace prism {

namespace {
Tensor softmax_impl(const Tensor& x, std::int64_t dim, bool log) {
    Tensor out = ops::softmax(x, dim, log);
    const Tensor y = out.detach();
    return record(log ? "log_softmax" : "softmax", out, {x}, [y, dim, log](const Tensor& g) -> std::vector<Tensor> {
        return {ops::softmax_backward(y, g, dim, log)};
    });
}
}  // namespace

Tensor softmax(const Tensor& x, std::int64_t dim) { return softmax_impl(x, dim, false); }
Tensor log_softmax(const Tensor& x, std::int64_t dim) { return softmax_impl(x, dim, true); }

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
    ops::LayerNormResult r = ops::layer_norm(x, weight, bias, eps);
    const Tensor xs = x.detach(), ws = weight.defined() ? weight.detach() : Tensor(),
                 bs = bias.defined() ? bias.detach() : Tensor();
    const Tensor mean = r.mean, rstd = r.rstd;
    return record("layer_norm", r.y, {x, weight, bias}, [xs, ws, bs, mean, rstd](const Tensor& g) -> std::vector<Tensor> {
        ops::LayerNormGrads d = ops::layer_norm_backward(g, xs, ws, bs, mean, rstd);
        return {d.dx, d.dweight, d.dbias};
    });
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, const CrossEntropyOptions& o) {
    ops::CrossEntropyForward f = ops::cross_entropy(logits, target, o.ignore_index, o.label_smoothing);
    const std::int64_t N = logits.size(0);
    const DType dt = logits.dtype();
    Tensor out;
    if (o.reduction == Reduction::None) {
        out = f.loss;
    } else {
        double s = 0;  // rows summed in order: deterministic
        for (double v : f.loss.to_vector<double>()) s += v;
        if (o.reduction == Reduction::Mean) s /= static_cast<double>(f.count);  // 0/0 = nan, like PyTorch
        out = Tensor::scalar(s, dt);
    }
    const Tensor x = logits.detach(), t = target.detach(), lse = f.lse;
    const double denom = o.reduction == Reduction::Mean ? static_cast<double>(f.count) : 1.0;
    return record("cross_entropy", out, {logits}, [x, t, lse, o, N, dt, denom](const Tensor& g) -> std::vector<Tensor> {
        // per-row upstream weight: g itself for 'none', g / denom broadcast otherwise
        Tensor grow = g;
        if (o.reduction != Reduction::None) grow = Tensor::full({N}, g.item() / denom, dt);
        return {ops::cross_entropy_backward(x, t, lse, grow, o.ignore_index, o.label_smoothing)};
    });
}

Tensor embedding(const Tensor& ids, const Tensor& weight) {
    Tensor out = ops::embedding(ids, weight);
    const Tensor id = ids.detach();
    const std::int64_t V = weight.size(0);
    return record("embedding", out, {weight}, [id, V](const Tensor& g) -> std::vector<Tensor> {
        return {ops::embedding_backward(id, g, V)};
    });
}

Tensor dropout(const Tensor& x, double p, bool training, Generator& gen) {
    if (!training || p == 0.0) return x;
    const Tensor mask = ops::dropout_mask(x.shape(), x.dtype(), p, gen);
    return record("dropout", ops::mul_mask(x, mask), {x},
                  [mask](const Tensor& g) -> std::vector<Tensor> { return {ops::mul_mask(g, mask)}; });
}

Tensor drop_path(const Tensor& x, double p, bool training, Generator& gen) {
    if (!training || p == 0.0) return x;
    PRISM_CHECK(x.dim() >= 1, "drop_path", "input ", shape_str(x.shape()), " has no batch dimension");
    Shape per_sample(x.dim(), 1);  // (B, 1, ..., 1): broadcasts one keep/drop decision over each sample
    per_sample[0] = x.size(0);
    return x * ops::dropout_mask(per_sample, x.dtype(), p, gen);
}

Tensor cat(const std::vector<Tensor>& xs, std::int64_t dim) {
    Tensor out = ops::cat(xs, dim);
    const std::int64_t d = wrap_dim(dim, xs[0].dim(), "cat");
    std::vector<std::int64_t> sizes;
    for (const Tensor& x : xs) sizes.push_back(x.size(d));
    return record("cat", out, xs, [sizes, d](const Tensor& g) -> std::vector<Tensor> {
        std::vector<Tensor> gs;
        std::int64_t off = 0;
        for (std::int64_t s : sizes) {
            gs.push_back(g.narrow(d, off, s));
            off += s;
        }
        return gs;
    });
}

std::vector<Tensor> split(const Tensor& x, std::int64_t split_size, std::int64_t dim) {
    PRISM_CHECK(split_size > 0, "split", "split_size ", split_size, " must be positive for input ", shape_str(x.shape()));
    const std::int64_t d = wrap_dim(dim, x.dim(), "split");
    const std::int64_t n = x.size(d);
    std::vector<Tensor> out;
    if (n == 0) out.push_back(x.narrow(d, 0, 0));
    for (std::int64_t off = 0; off < n; off += split_size)
        out.push_back(x.narrow(d, off, std::min(split_size, n - off)));  // views, like torch.split
    return out;
}

Tensor stack(const std::vector<Tensor>& xs, std::int64_t dim) {
    PRISM_CHECK(!xs.empty(), "stack", "expected a non-empty list of tensors");
    for (const Tensor& x : xs)
        PRISM_CHECK(x.shape() == xs[0].shape(), "stack", "all tensors must have the same shape, got ",
                    shape_str(xs[0].shape()), " and ", shape_str(x.shape()));
    const std::int64_t d = wrap_dim(dim, xs[0].dim() + 1, "stack");
    std::vector<Tensor> us;
    for (const Tensor& x : xs) us.push_back(x.unsqueeze(d));
    return cat(us, d);
}

Tensor causal_mask(std::int64_t T, DType dtype) {
    PRISM_CHECK(is_floating(dtype), "causal_mask", "dtype must be floating, got ", dtype_name(dtype));
    Tensor m = Tensor::zeros({T, T}, dtype);
    dispatch_floating(dtype, [&](auto tag) {
        using E = decltype(tag);
        E* p = m.data<E>();
        for (std::int64_t i = 0; i < T; ++i)
            for (std::int64_t j = i + 1; j < T; ++j) p[i * T + j] = 1;
    });
    return m;
}

}  // namespace prism
