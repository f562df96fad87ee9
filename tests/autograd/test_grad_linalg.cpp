#include "../helpers.hpp"
#include "prism/autograd/fn_linalg.hpp"
#include "prism/ops/matmul.hpp"

using namespace prism;

namespace {
Tensor mm(const std::vector<Tensor>& in) { return matmul(in[0], in[1]); }

// a + 3 I: far from singular, so R^{-T} in the QR backward is well conditioned
Tensor well_conditioned(std::int64_t n, std::uint64_t seed) {
    Tensor a = test::leaf64({n, n}, seed, 0.5);
    double* p = a.data<double>();
    for (std::int64_t i = 0; i < n; ++i) p[i * n + i] += 3.0;
    return a;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(autograd_linalg)

BOOST_AUTO_TEST_CASE(matmul_forward_matches_a_loop) {
    Generator g(7);
    Tensor a = Tensor::randn({2, 1, 5, 3}, g), b = Tensor::randn({4, 3, 6}, g);
    Tensor c = matmul(a, b);  // (2, 4, 5, 6)
    BOOST_REQUIRE(c.shape() == (Shape{2, 4, 5, 6}));
    const auto va = a.to_vector<float>(), vb = b.to_vector<float>(), vc = c.to_vector<float>();
    double err = 0;
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 4; ++j)
            for (int m = 0; m < 5; ++m)
                for (int n = 0; n < 6; ++n) {
                    double s = 0;
                    for (int k = 0; k < 3; ++k) s += va[(i * 5 + m) * 3 + k] * vb[(j * 3 + k) * 6 + n];
                    err = std::max(err, std::fabs(s - vc[((i * 4 + j) * 5 + m) * 6 + n]));
                }
    BOOST_TEST(err < 1e-5);
    BOOST_TEST(matmul(Tensor::ones({3}), Tensor::ones({3})).dim() == 0);
    BOOST_TEST((matmul(Tensor::ones({3}), Tensor::ones({2, 3, 4})).shape() == Shape{2, 4}));
    BOOST_TEST((matmul(Tensor::ones({2, 3, 4}), Tensor::ones({4})).shape() == Shape{2, 3}));
}

BOOST_AUTO_TEST_CASE(matmul_gradients) {
    CHECK_GRAD(mm, (std::vector<Tensor>{test::leaf64({3, 4}, 1), test::leaf64({4, 5}, 2)}));
    // transposed, non-contiguous leaves
    CHECK_GRAD(mm, (std::vector<Tensor>{test::leaf64_t(3, 4, 3), test::leaf64_t(4, 5, 4)}));
    // batched with broadcast batch dims on both sides
    CHECK_GRAD(mm, (std::vector<Tensor>{test::leaf64({2, 1, 3, 4}, 5), test::leaf64({3, 4, 2}, 6)}));
    // batched @ 2-d (x @ W): dW is one GEMM folded over the batch
    CHECK_GRAD(mm, (std::vector<Tensor>{test::leaf64({2, 3, 4}, 7), test::leaf64({4, 5}, 8)}));
    CHECK_GRAD(mm, (std::vector<Tensor>{test::leaf64({2, 3, 4}, 7), test::leaf64_t(4, 5, 8)}));
    // 2-d @ batched (dA summed over the batch), batched with a transposed operand
    CHECK_GRAD(mm, (std::vector<Tensor>{test::leaf64({3, 4}, 9), test::leaf64({2, 4, 5}, 10)}));
    CHECK_GRAD([](const std::vector<Tensor>& in) { return matmul(in[0], in[1].transpose(-1, -2)); },
               (std::vector<Tensor>{test::leaf64({2, 3, 4}, 11), test::leaf64({2, 5, 4}, 12)}));
    // 1-d operands
    CHECK_GRAD(mm, (std::vector<Tensor>{test::leaf64({4}, 13), test::leaf64({2, 4, 3}, 14)}));
    CHECK_GRAD(mm, (std::vector<Tensor>{test::leaf64({3, 4}, 15), test::leaf64({4}, 16)}));
    CHECK_GRAD(mm, (std::vector<Tensor>{test::leaf64({4}, 17), test::leaf64({4}, 18)}));
}

BOOST_AUTO_TEST_CASE(linear_gradients) {
    auto lin = [](const std::vector<Tensor>& in) { return linear(in[0], in[1], in.size() > 2 ? in[2] : Tensor()); };
    CHECK_GRAD(lin, (std::vector<Tensor>{test::leaf64({5, 4}, 1), test::leaf64({3, 4}, 2), test::leaf64({3}, 3)}));
    CHECK_GRAD(lin, (std::vector<Tensor>{test::leaf64({2, 5, 4}, 4), test::leaf64({3, 4}, 5)}));
    CHECK_GRAD(lin, (std::vector<Tensor>{test::leaf64({2, 5, 4}, 6), test::leaf64_t(3, 4, 7), test::leaf64({3}, 8)}));
    // non-contiguous 3-d input (its rows do not fold: copied once), and a 1-d input
    CHECK_GRAD([](const std::vector<Tensor>& in) { return linear(in[0].transpose(0, 1), in[1], in[2]); },
               (std::vector<Tensor>{test::leaf64({5, 2, 4}, 9), test::leaf64({3, 4}, 10), test::leaf64({3}, 11)}));
    CHECK_GRAD(lin, (std::vector<Tensor>{test::leaf64({4}, 12), test::leaf64({3, 4}, 13), test::leaf64({3}, 14)}));
}

BOOST_AUTO_TEST_CASE(linear_matches_matmul_plus_bias) {
    Generator g(3);
    Tensor x = Tensor::randn({4, 9, 33}, g), w = Tensor::randn({7, 33}, g), b = Tensor::randn({7}, g);
    Tensor y = linear(x, w, b), z = matmul(x, w.t());
    const auto vy = y.to_vector<float>(), vz = z.to_vector<float>(), vb = b.to_vector<float>();
    double err = 0;
    for (std::size_t i = 0; i < vy.size(); ++i) err = std::max(err, double(std::fabs(vy[i] - vz[i] - vb[i % 7])));
    BOOST_TEST(err < 1e-4);
}

BOOST_AUTO_TEST_CASE(qr_gradients) {
    // Q and R separately, then both through one function of the two (Q @ R^T)
    CHECK_GRAD([](const std::vector<Tensor>& in) { return qr(in[0]).first; }, {well_conditioned(5, 1)});
    CHECK_GRAD([](const std::vector<Tensor>& in) { return qr(in[0]).second; }, {well_conditioned(5, 2)});
    CHECK_GRAD(([](const std::vector<Tensor>& in) {
                   auto [q, r] = qr(in[0]);
                   return matmul(q, r.t());
               }),
               {well_conditioned(6, 3)});
    // a transposed, non-contiguous input with negative diagonal entries (sign flips)
    Tensor at = well_conditioned(4, 4).detach().t().detach();
    double* p = at.data<double>();
    p[0] = -p[0];
    CHECK_GRAD([](const std::vector<Tensor>& in) { return matmul(qr(in[0]).first, qr(in[0]).second); },
               {at.requires_grad_()});
}

BOOST_AUTO_TEST_CASE(linalg_errors) {
    test::check_error([] { matmul(Tensor::zeros({2, 3}), Tensor::zeros({4, 5})); },
                      {"matmul", "(2, 3) @ (4, 5)", "inner dimensions 3 != 4"});
    test::check_error([] { matmul(Tensor::zeros({2, 2, 3}), Tensor::zeros({3, 3, 5})); },
                      {"matmul", "(2, 2, 3) @ (3, 3, 5)", "batch"});
    test::check_error([] { matmul(Tensor::zeros({3}), Tensor::zeros({4})); }, {"matmul", "(3) @ (4)"});
    test::check_error([] { linear(Tensor::zeros({2, 5}), Tensor::zeros({3, 4})); },
                      {"linear", "(2, 5)", "(3, 4)", "5 != 4"});
    test::check_error([] { linear(Tensor::zeros({2, 4}), Tensor::zeros({3, 4}), Tensor::zeros({2})); },
                      {"linear", "(2, 4)", "(3, 4)", "(2)"});
    test::check_error([] { qr(Tensor::zeros({2, 3})); }, {"qr", "(2, 3)"});
}

BOOST_AUTO_TEST_SUITE_END()
