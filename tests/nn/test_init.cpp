#include <cmath>

#include "../helpers.hpp"
#include "prism/nn.hpp"

using namespace prism;

namespace {

struct Stats {
    double mean = 0, std = 0, min = 1e300, max = -1e300;
};

Stats stats(const Tensor& t) {
    const auto v = t.to_vector<double>();
    Stats s;
    for (double x : v) {
        s.mean += x;
        s.min = std::min(s.min, x);
        s.max = std::max(s.max, x);
    }
    s.mean /= static_cast<double>(v.size());
    for (double x : v) s.std += (x - s.mean) * (x - s.mean);
    s.std = std::sqrt(s.std / static_cast<double>(v.size()));
    return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nn_init)

BOOST_AUTO_TEST_CASE(trunc_normal_bounds_and_std) {
    Generator g(1);
    Tensor t = Tensor::empty({200, 500});
    nn::init::trunc_normal_(t, 0.02, 0.0, std::nullopt, std::nullopt, &g);
    const Stats s = stats(t);
    BOOST_TEST(s.min >= -0.04);
    BOOST_TEST(s.max <= 0.04);
    BOOST_TEST(s.min < -0.039);  // the tails are reached
    BOOST_TEST(s.max > 0.039);
    BOOST_TEST(std::fabs(s.mean) < 2e-4);
    // std of N(0, 1) truncated to [-2, 2] is 0.8796
    BOOST_TEST(std::fabs(s.std - 0.02 * 0.8796) < 2e-4);
    // one-sided, far bounds in float64
    Tensor u = Tensor::empty({10000}, kFloat64);
    nn::init::trunc_normal_(u, 1.0, 0.0, 1.5, 3.0, &g);
    const Stats su = stats(u);
    BOOST_TEST(su.min >= 1.5);
    BOOST_TEST(su.max <= 3.0);
    // mean of N(0,1) truncated to [1.5, 3]: (phi(1.5) - phi(3)) / (Phi(3) - Phi(1.5)) = 1.9110
    BOOST_TEST(std::fabs(su.mean - 1.9110) < 0.02);
}

BOOST_AUTO_TEST_CASE(kaiming_and_linear_default_bounds) {
    Generator g(2);
    Tensor w = Tensor::empty({300, 64});
    nn::init::kaiming_uniform_(w, std::sqrt(5.0), &g);
    Stats s = stats(w);
    const double bound = 1.0 / 8.0;  // 1/sqrt(fan_in) for a = sqrt(5)
    BOOST_TEST(s.min >= -bound);
    BOOST_TEST(s.max <= bound);
    BOOST_TEST(s.max > 0.99 * bound);
    BOOST_TEST(std::fabs(s.std - bound / std::sqrt(3.0)) < 2e-3);

    nn::init::kaiming_uniform_(w, 0.0, &g);  // relu gain: bound sqrt(6 / fan_in)
    s = stats(w);
    BOOST_TEST(s.max <= std::sqrt(6.0 / 64));
    BOOST_TEST(s.max > 0.99 * std::sqrt(6.0 / 64));

    nn::Linear fc(64, 300, true, &g);
    BOOST_TEST(stats(fc.weight).max <= bound);
    BOOST_TEST(stats(fc.bias).max <= bound);
    BOOST_TEST(stats(fc.bias).min >= -bound);
}

BOOST_AUTO_TEST_CASE(xavier_normal_uniform_constant) {
    Generator g(3);
    Tensor w = Tensor::empty({100, 300});
    nn::init::xavier_uniform_(w, 1.0, &g);
    const double bound = std::sqrt(6.0 / 400);
    BOOST_TEST(stats(w).max <= bound);
    BOOST_TEST(stats(w).min >= -bound);
    nn::init::normal_(w, 1.0, 0.5, &g);
    BOOST_TEST(std::fabs(stats(w).mean - 1.0) < 0.01);
    BOOST_TEST(std::fabs(stats(w).std - 0.5) < 0.01);
    nn::init::uniform_(w, -3, -2, &g);
    BOOST_TEST(stats(w).min >= -3);
    BOOST_TEST(stats(w).max < -2);
    nn::init::zeros_(w);
    BOOST_TEST(stats(w).max == 0);
    nn::init::ones_(w);
    BOOST_TEST(stats(w).min == 1);
    test::check_error([&] { nn::init::fan_in_and_out(Tensor::zeros({3})); }, {"fan_in_and_out", "(3)"});
}

BOOST_AUTO_TEST_CASE(seeded_and_reproducible) {
    manual_seed(42);
    nn::Linear a(5, 7);
    manual_seed(42);
    nn::Linear b(5, 7);
    BOOST_TEST(test::max_abs_diff(a.weight, b.weight) == 0);
    BOOST_TEST(test::max_abs_diff(a.bias, b.bias) == 0);
    nn::Linear c(5, 7);
    BOOST_TEST(test::max_abs_diff(a.weight, c.weight) > 0);
    // non-contiguous target
    Generator g1(9), g2(9);
    Tensor t = Tensor::zeros({4, 6}).t();
    nn::init::normal_(t, 0, 1, &g1);
    Tensor r = Tensor::empty({6, 4});
    nn::init::normal_(r, 0, 1, &g2);
    BOOST_TEST(test::max_abs_diff(t, r) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
