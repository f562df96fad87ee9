// Finite-difference gradchecks (float64) for every function in autograd/fn_elementwise.hpp,
// with broadcasting and non-contiguous (transposed) inputs. Inputs stay away from points
// where a function is not differentiable (relu/abs at 0, clamp edges, ties for max).
#include "../helpers.hpp"
#include "prism/autograd/fn_elementwise.hpp"

using namespace prism;
using In = std::vector<Tensor>;

BOOST_AUTO_TEST_SUITE(autograd_elementwise)

BOOST_AUTO_TEST_CASE(binary_ops_with_broadcasting) {
    Tensor a = test::leaf64({3, 4}, 1), row = test::leaf64({4}, 2), col = test::leaf64({3, 1}, 3);
    Tensor at = test::leaf64_t(3, 4, 4);                  // transposed leaf
    Tensor pos = test::leaf64({4}, 5, 0.3, 2.0);           // divisor away from 0
    Tensor s = test::leaf64({}, 6);                        // 0-d
    CHECK_GRAD([](const In& in) { return add(in[0], in[1]); }, (In{a, row}));
    CHECK_GRAD([](const In& in) { return sub(in[0], in[1]); }, (In{col, at}));
    CHECK_GRAD([](const In& in) { return mul(in[0], in[1]); }, (In{at, row}));
    CHECK_GRAD([](const In& in) { return mul(in[0], in[1]); }, (In{col, s}));
    CHECK_GRAD([](const In& in) { return div(in[0], in[1]); }, (In{a, pos}));
    CHECK_GRAD([](const In& in) { return div(in[0], in[1]); }, (In{at, pos}));
    CHECK_GRAD([](const In& in) { return in[0] * in[1] + in[0] / in[2] - in[1]; }, (In{a, col, pos}));
    CHECK_GRAD([](const In& in) { return -in[0]; }, (In{at}));
    // only one operand requires grad
    Tensor c = Tensor::ones({3, 4}, kFloat64);
    CHECK_GRAD([c](const In& in) { return mul(c, in[0]) - c; }, (In{row}));
}

BOOST_AUTO_TEST_CASE(scalar_ops) {
    Tensor a = test::leaf64_t(3, 5, 7);
    Tensor pos = test::leaf64({3, 5}, 8, 0.3, 2.0);
    CHECK_GRAD([](const In& in) { return add(in[0], 1.5); }, (In{a}));
    CHECK_GRAD([](const In& in) { return sub(in[0], 1.5); }, (In{a}));
    CHECK_GRAD([](const In& in) { return mul(in[0], -2.5); }, (In{a}));
    CHECK_GRAD([](const In& in) { return div(in[0], 4.0); }, (In{a}));
    CHECK_GRAD([](const In& in) { return rsub(in[0], 3.0); }, (In{a}));
    CHECK_GRAD([](const In& in) { return rdiv(in[0], 3.0); }, (In{pos}));
    CHECK_GRAD([](const In& in) { return 2.0 + in[0] * 3.0 - 1.0 / in[1] + (1.0 - in[0]) / 2.0 + 2.0 * in[1]; },
               (In{a, pos}));
}

BOOST_AUTO_TEST_CASE(unary_ops) {
    Tensor x = test::leaf64({4, 6}, 9);
    Tensor xt = test::leaf64_t(4, 6, 10);
    Tensor pos = test::leaf64({4, 6}, 11, 0.3, 2.0);
    CHECK_GRAD([](const In& in) { return neg(in[0]); }, (In{xt}));
    CHECK_GRAD([](const In& in) { return exp(in[0]); }, (In{xt}));
    CHECK_GRAD([](const In& in) { return log(in[0]); }, (In{pos}));
    CHECK_GRAD([](const In& in) { return sqrt(in[0]); }, (In{pos}));
    CHECK_GRAD([](const In& in) { return rsqrt(in[0]); }, (In{pos}));
    CHECK_GRAD([](const In& in) { return tanh(in[0]); }, (In{xt}));
    CHECK_GRAD([](const In& in) { return sigmoid(in[0]); }, (In{x}));
    CHECK_GRAD([](const In& in) { return gelu(in[0]); }, (In{xt}));
    CHECK_GRAD([](const In& in) { return gelu(in[0], GeluApprox::Tanh); }, (In{x}));
    CHECK_GRAD([](const In& in) { return square(in[0]); }, (In{xt}));
    CHECK_GRAD([](const In& in) { return pow(in[0], 3.0); }, (In{x}));
    CHECK_GRAD([](const In& in) { return pow(in[0], -1.5); }, (In{pos}));
    CHECK_GRAD([](const In& in) { return pow(in[0], 0.5); }, (In{pos}));
}

BOOST_AUTO_TEST_CASE(kinks_away_from_the_kink) {
    // values in +-[0.5, 1.5]: relu/abs never see 0, clamp(-0.25, 0.25)... edges avoided
    std::vector<double> v(24);
    for (int i = 0; i < 24; ++i) v[i] = (i % 2 ? 1 : -1) * (0.5 + 0.04 * i);
    Tensor x = Tensor::from_vector(v, {4, 6}).requires_grad_();
    Tensor xt = Tensor::from_vector(v, {6, 4}).t().detach().requires_grad_();
    CHECK_GRAD([](const In& in) { return relu(in[0]); }, (In{x}));
    CHECK_GRAD([](const In& in) { return relu(in[0]); }, (In{xt}));
    CHECK_GRAD([](const In& in) { return abs(in[0]); }, (In{xt}));
    CHECK_GRAD([](const In& in) { return clamp(in[0], -0.7, 1.0); }, (In{x}));  // edges at 0.7, 1.0 not hit
    CHECK_GRAD([](const In& in) { return clamp(in[0], -0.7, 1.0); }, (In{xt}));
}

BOOST_AUTO_TEST_CASE(where_and_masked_fill) {
    Tensor a = test::leaf64({3, 4}, 12), b = test::leaf64({4}, 13), at = test::leaf64_t(3, 4, 14);
    Tensor cond = Tensor::from_vector<std::int64_t>({1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0}, {3, 4});
    Tensor col = Tensor::from_vector<float>({1, 0, 1}, {3, 1});
    CHECK_GRAD([cond](const In& in) { return where(cond, in[0], in[1]); }, (In{a, b}));
    CHECK_GRAD([col](const In& in) { return where(col, in[1], in[0]); }, (In{at, b}));
    CHECK_GRAD([cond](const In& in) { return masked_fill(in[0], cond, -3.0); }, (In{at}));
    CHECK_GRAD([col](const In& in) { return masked_fill(in[0], col, 0.0); }, (In{a}));
}

BOOST_AUTO_TEST_CASE(reductions) {
    Tensor x = test::leaf64({2, 3, 4}, 15);
    Tensor xt = test::leaf64_t(5, 3, 16);
    CHECK_GRAD([](const In& in) { return sum(in[0]); }, (In{x}));
    CHECK_GRAD([](const In& in) { return sum(in[0], {1}); }, (In{x}));
    CHECK_GRAD([](const In& in) { return sum(in[0], {0, 2}, true); }, (In{x}));
    CHECK_GRAD([](const In& in) { return sum(in[0], {0}); }, (In{xt}));
    CHECK_GRAD([](const In& in) { return mean(in[0]); }, (In{xt}));
    CHECK_GRAD([](const In& in) { return mean(in[0], {-1}, true); }, (In{x}));
    CHECK_GRAD([](const In& in) { return mean(in[0], {0, 1}); }, (In{x}));
    CHECK_GRAD([](const In& in) { return var(in[0], {-1}); }, (In{x}));
    CHECK_GRAD([](const In& in) { return var(in[0], {0, 2}, false, true); }, (In{x}));
    CHECK_GRAD([](const In& in) { return var(in[0], {1}, true, false); }, (In{xt}));
    CHECK_GRAD([](const In& in) { return max(in[0], 1); }, (In{x}));  // random normals: no ties
    CHECK_GRAD([](const In& in) { return max(in[0], 0, true); }, (In{xt}));
    Tensor am = argmax(x, 2);
    BOOST_TEST(am.dtype() == kInt64);
    BOOST_TEST(!am.requires_grad());
    BOOST_TEST((am.shape() == Shape{2, 3}));
}

BOOST_AUTO_TEST_CASE(errors_name_shapes) {
    Tensor a = test::leaf64({2, 3}, 17), b = test::leaf64({4}, 18);
    test::check_error([&] { add(a, b); }, {"add", "(2, 3)", "(4)"});
    test::check_error([&] { a * Tensor::zeros({2, 3}); }, {"mul", "float64", "float32"});
}

BOOST_AUTO_TEST_SUITE_END()
