#include "../helpers.hpp"
#include "prism/autograd/fn_elementwise.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/autograd/node.hpp"

using namespace prism;

BOOST_AUTO_TEST_SUITE(autograd_engine)

BOOST_AUTO_TEST_CASE(view_gradients_flow_back) {
    Tensor x = test::leaf64({2, 3}, 1);
    CHECK_GRAD([](const std::vector<Tensor>& in) { return in[0].t().reshape({6}).narrow(0, 1, 4); }, {x});
    CHECK_GRAD([](const std::vector<Tensor>& in) { return in[0].unsqueeze(0).expand({4, 2, 3}); }, {x});
    CHECK_GRAD([](const std::vector<Tensor>& in) { return in[0].select(1, 2); }, {x});
    CHECK_GRAD([](const std::vector<Tensor>& in) { return in[0].permute({1, 0}).contiguous(); }, {x});
    Tensor y = test::leaf64_t(3, 4, 2);  // non-contiguous leaf
    CHECK_GRAD([](const std::vector<Tensor>& in) { return in[0].reshape({2, 6}); }, {y});
}

// unbind: one backward node gathers the slices' gradients, including slices that get none
// (out[1] below) and a slice used twice; a permuted input gets its gradient in its own layout.
BOOST_AUTO_TEST_CASE(unbind_gradients) {
    Tensor x = test::leaf64({3, 2, 4}, 5);
    CHECK_GRAD([](const std::vector<Tensor>& in) { return in[0].unbind(0)[2]; }, {x});
    CHECK_GRAD(
        [](const std::vector<Tensor>& in) {
            const auto s = in[0].unbind(1);  // 2 slices of (3, 4)
            return mul(s[0], s[0]) + s[1].t().reshape({12}).reshape({3, 4}) * 3.0;
        },
        {x});
    CHECK_GRAD(
        [](const std::vector<Tensor>& in) {
            const auto s = in[0].reshape({2, 3, 4}).permute({1, 0, 2}).unbind(0);  // 3 of (2, 4), 1 unused
            return mul(s[0], s[2]) + s[2];
        },
        {x});
    // the same gradient as three select()s, bit for bit
    Tensor base = test::leaf64({2, 5, 3, 4}, 6);
    auto loss = [](const std::vector<Tensor>& qkv) { return sum(mul(qkv[0], qkv[1]) + qkv[2] * 2.0); };
    Tensor p = base.permute({2, 0, 1, 3});  // (3, 2, 5, 4), strides of a (2, 5, 3, 4) block
    const auto u = p.unbind(0);
    loss({u[0], u[1], u[2]}).backward();
    const Tensor g_unbind = base.grad().clone();
    base.zero_grad();
    loss({p.select(0, 0), p.select(0, 1), p.select(0, 2)}).backward();
    BOOST_TEST(test::max_abs_diff(g_unbind, base.grad()) == 0.0);
    // without grad: plain views
    NoGradGuard ng;
    const auto v = p.unbind(0);
    BOOST_TEST(v.size() == 3u);
    BOOST_TEST(!v[1].requires_grad());
    BOOST_TEST(v[1].storage() == base.storage());
}

BOOST_AUTO_TEST_CASE(a_tensor_used_twice_gets_both_gradients) {
    Tensor x = test::leaf64({3}, 3);
    // y = concat of two views of x, both feeding the same leaf
    Tensor y = x.unsqueeze(0).expand({2, 3});
    y.backward(Tensor::ones({2, 3}, kFloat64));
    BOOST_TEST((x.grad().to_vector<double>() == std::vector<double>{2, 2, 2}));
    // a second backward accumulates
    x.unsqueeze(0).expand({2, 3}).backward(Tensor::ones({2, 3}, kFloat64));
    BOOST_TEST((x.grad().to_vector<double>() == std::vector<double>{4, 4, 4}));
    x.zero_grad();
    BOOST_TEST(!x.grad().defined());
}

BOOST_AUTO_TEST_CASE(no_grad_records_nothing) {
    Tensor x = test::leaf64({2, 2}, 4);
    {
        NoGradGuard g;
        Tensor y = x.t();
        BOOST_TEST(!y.requires_grad());
        BOOST_TEST(y.is_leaf());
    }
    BOOST_TEST(grad_enabled());
    BOOST_TEST(x.t().requires_grad());
    BOOST_TEST(!x.t().detach().requires_grad());
}

BOOST_AUTO_TEST_CASE(intermediate_grads_are_released_unless_retained) {
    Tensor x = test::leaf64({2, 2}, 5);
    Tensor y = x.t();
    Tensor z = y.reshape({4});
    y.retain_grad();
    z.backward(Tensor::ones({4}, kFloat64));
    BOOST_TEST(y.grad().defined());
    BOOST_TEST(!z.grad().defined());
    BOOST_TEST(x.grad().defined());
}

BOOST_AUTO_TEST_CASE(backward_errors) {
    Tensor x = Tensor::zeros({2});
    test::check_error([&] { x.backward(); }, {"backward", "(2)"});
    Tensor l = Tensor::zeros({1});
    test::check_error([&] { l.backward(); }, {"backward", "does not require grad"});
    test::check_error([&] { Tensor::zeros({2}, kInt64).requires_grad_(); }, {"requires_grad_", "int64"});
}

BOOST_AUTO_TEST_SUITE_END()
