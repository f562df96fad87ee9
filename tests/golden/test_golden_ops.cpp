// Single ops against PyTorch: forward outputs and gradients from tests/golden/ops.safetensors
// (written by tests/golden/gen_ops.py; case names must match it).
#include <functional>

#include "prism/autograd/fn_elementwise.hpp"
#include "prism/autograd/fn_linalg.hpp"
#include "prism/autograd/fn_nn.hpp"
#include "golden.hpp"

using namespace prism;
using namespace prism::test;

namespace {

const Golden& ops() {
    static const Golden g("tests/golden/ops.safetensors");
    return g;
}

// Inputs "<c>.in0".."in<n-1>" (floating ones become leaves), out = fn(inputs), checked against
// "<c>.out"; then out.backward("<c>.gout") and each floating input's grad against "<c>.grad<i>".
void check_case(const std::string& c, int n_inputs, const std::function<Tensor(const std::vector<Tensor>&)>& fn) {
    const Golden& g = ops();
    std::vector<Tensor> in;
    for (int i = 0; i < n_inputs; ++i) {
        Tensor t = g[c + ".in" + std::to_string(i)];
        in.push_back(is_floating(t.dtype()) ? t.requires_grad_() : t);
    }
    const Tensor expected = g[c + ".out"];
    const double tol = golden_tol(expected.dtype());
    Tensor out = fn(in);
    check_close(c + ".out", out, expected, tol);
    out.backward(g[c + ".gout"]);
    for (int i = 0; i < n_inputs; ++i)
        if (is_floating(in[i].dtype()))
            check_close(c + ".grad" + std::to_string(i), in[i].grad(), g[c + ".grad" + std::to_string(i)], tol);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(golden_ops)

BOOST_AUTO_TEST_CASE(matmul_batched_broadcast) {
    auto f = [](const std::vector<Tensor>& x) { return matmul(x[0], x[1]); };
    check_case("matmul", 2, f);    // (2, 3, 4, 5) @ (3, 5, 6)
    check_case("matmul32", 2, f);  // (2, 7, 9) @ (9, 5), float32
}

BOOST_AUTO_TEST_CASE(softmax_and_log_softmax) {
    check_case("softmax_last", 1, [](const std::vector<Tensor>& x) { return softmax(x[0], -1); });
    check_case("softmax_mid", 1, [](const std::vector<Tensor>& x) { return softmax(x[0], 1); });
    check_case("log_softmax_last", 1, [](const std::vector<Tensor>& x) { return log_softmax(x[0], -1); });
    check_case("log_softmax_mid", 1, [](const std::vector<Tensor>& x) { return log_softmax(x[0], 1); });
    check_case("softmax32", 1, [](const std::vector<Tensor>& x) { return softmax(x[0], -1); });
}

BOOST_AUTO_TEST_CASE(layer_norm_x_weight_bias) {
    auto f = [](const std::vector<Tensor>& x) { return layer_norm(x[0], x[1], x[2], 1e-5); };
    check_case("layer_norm", 3, f);
    check_case("layer_norm32", 3, f);
}

BOOST_AUTO_TEST_CASE(gelu_exact_and_tanh) {
    check_case("gelu", 1, [](const std::vector<Tensor>& x) { return gelu(x[0], GeluApprox::None); });
    check_case("gelu_tanh", 1, [](const std::vector<Tensor>& x) { return gelu(x[0], GeluApprox::Tanh); });
}

BOOST_AUTO_TEST_CASE(scaled_dot_product_attention_causal_and_not) {
    check_case("sdpa", 3, [](const std::vector<Tensor>& x) { return scaled_dot_product_attention(x[0], x[1], x[2]); });
    check_case("sdpa_causal", 3,
               [](const std::vector<Tensor>& x) { return scaled_dot_product_attention(x[0], x[1], x[2], true); });
}

BOOST_AUTO_TEST_CASE(cross_entropy_smoothing_ignore_index_reductions) {
    auto ce = [](CrossEntropyOptions o) {
        return [o](const std::vector<Tensor>& x) { return cross_entropy(x[0], x[1], o); };
    };
    check_case("ce", 2, ce({}));
    check_case("ce_smooth", 2, ce({.ignore_index = -100, .label_smoothing = 0.1, .reduction = Reduction::Mean}));
    check_case("ce_sum", 2, ce({.ignore_index = 1, .label_smoothing = 0.0, .reduction = Reduction::Sum}));
    check_case("ce_none", 2, ce({.ignore_index = 3, .label_smoothing = 0.2, .reduction = Reduction::None}));
}

BOOST_AUTO_TEST_CASE(qr_sign_normalised_with_gradients) {
    const Golden& g = ops();
    Tensor a = g.leaf("qr.a");
    auto [q, r] = qr(a);
    check_close("qr.q", q, g["qr.q"], 1e-10);
    check_close("qr.r", r, g["qr.r"], 1e-10);
    (sum(mul(q, g["qr.wq"])) + sum(mul(r, g["qr.wr"]))).backward();
    check_close("qr.grad_a", a.grad(), g["qr.grad_a"], 1e-10);
}

BOOST_AUTO_TEST_SUITE_END()
