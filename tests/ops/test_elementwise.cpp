// Fast elementwise kernels vs their reference loops (ops::ref) on odd sizes, broadcasting and
// transposed inputs, in float32 and float64; error messages.
#include <functional>

#include "../helpers.hpp"
#include "prism/ops/elementwise.hpp"
#include "prism/ops/unary.hpp"

using namespace prism;

namespace {

const std::vector<std::int64_t> kSizes = {1, 7, 33, 1000, 4099};

Tensor rnd(const Shape& s, std::uint64_t seed, DType dt = kFloat32, double scale = 1.0, double shift = 0.0) {
    Generator g(seed);
    Tensor t = Tensor::randn(s, g, kFloat64);
    double* p = t.data<double>();
    for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = p[i] * scale + shift;
    return t.to(dt);
}

// max |a - b| / (1 + |b|): float32 transcendental kernels differ from <cmath> by a few ulp
double rel_err(const Tensor& a, const Tensor& b) {
    BOOST_REQUIRE_MESSAGE(a.shape() == b.shape(), shape_str(a.shape()) + " vs " + shape_str(b.shape()));
    const auto x = a.to_vector<double>(), y = b.to_vector<double>();
    double m = 0;
    for (std::size_t i = 0; i < x.size(); ++i) m = std::max(m, std::fabs(x[i] - y[i]) / (1 + std::fabs(y[i])));
    return m;
}

double tol(DType dt) { return dt == kFloat32 ? 2e-6 : 1e-13; }

// Input pairs for a binary kernel: same shape, row vector over rows, column, scalar, transposed.
std::vector<std::pair<Tensor, Tensor>> binary_cases(DType dt, double shift_b) {
    std::vector<std::pair<Tensor, Tensor>> cases;
    std::uint64_t seed = 10;
    for (auto n : kSizes) {
        cases.push_back({rnd({n}, seed, dt), rnd({n}, seed + 1, dt, 1, shift_b)});
        seed += 2;
        cases.push_back({rnd({3, n}, seed, dt), rnd({n}, seed + 1, dt, 1, shift_b)});      // (C) over (N, C)
        seed += 2;
        cases.push_back({rnd({n, 5}, seed, dt), rnd({n, 1}, seed + 1, dt, 1, shift_b)});   // column broadcast
        seed += 2;
        cases.push_back({rnd({2, n}, seed, dt), rnd({}, seed + 1, dt, 1, shift_b)});       // 0-d
        seed += 2;
        cases.push_back({rnd({n, 3}, seed, dt).t(), rnd({3, n}, seed + 1, dt, 1, shift_b)});  // transposed
        seed += 2;
        cases.push_back({rnd({n, 1}, seed, dt), rnd({1, 4}, seed + 1, dt, 1, shift_b)});   // outer product
        seed += 2;
    }
    cases.push_back({rnd({300, 257}, seed, dt), rnd({257}, seed + 1, dt, 1, shift_b)});  // > one parallel chunk
    seed += 2;
    return cases;
}

// Inputs for a unary kernel: contiguous odd sizes, a transposed view, a big array.
std::vector<Tensor> unary_cases(DType dt, double scale, double shift) {
    std::vector<Tensor> cases;
    std::uint64_t seed = 100;
    for (auto n : kSizes) {
        cases.push_back(rnd({n}, seed++, dt, scale, shift));
        cases.push_back(rnd({n, 3}, seed++, dt, scale, shift).t());
    }
    cases.push_back(rnd({70001}, seed++, dt, scale, shift));
    return cases;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ops_elementwise)

BOOST_AUTO_TEST_CASE(binary_matches_reference) {
    for (DType dt : {kFloat32, kFloat64})
        for (auto op : {ops::BinaryOp::Add, ops::BinaryOp::Sub, ops::BinaryOp::Mul, ops::BinaryOp::Div})
            for (auto& [a, b] : binary_cases(dt, op == ops::BinaryOp::Div ? 4.0 : 0.0)) {
                const double e = rel_err(ops::binary(a, b, op), ops::ref::binary(a, b, op));
                BOOST_TEST(e <= tol(dt), "op " << int(op) << " " << shape_str(a.shape()) << " " << shape_str(b.shape())
                                               << " " << dtype_name(dt) << " err " << e);
            }
}

BOOST_AUTO_TEST_CASE(add_in_place_and_expand_copy) {
    for (auto n : kSizes) {
        Tensor a = rnd({4, n}, 1), b = rnd({n}, 2);
        Tensor want = ops::ref::binary(a, b, ops::BinaryOp::Add);
        ops::add_(a, b);
        BOOST_TEST(test::max_abs_diff(a, want) == 0.0);
        Tensor e = ops::expand_copy(b, {3, n});
        BOOST_TEST(e.is_contiguous());
        BOOST_TEST(test::max_abs_diff(e, b.unsqueeze(0).expand({3, n}).contiguous()) == 0.0);
    }
    // a += b into a transposed (non-contiguous) destination
    Tensor a = rnd({5, 9}, 3).t(), b = rnd({9, 5}, 4);
    Tensor want = ops::ref::binary(a, b, ops::BinaryOp::Add);
    ops::add_(a, b);
    BOOST_TEST(test::max_abs_diff(a, want) == 0.0);
}

BOOST_AUTO_TEST_CASE(unary_matches_reference) {
    using U = ops::UnaryOp;
    struct Case {
        U op;
        double scale, shift;  // input distribution: keep log/sqrt positive
    };
    const std::vector<Case> cases = {{U::Neg, 1, 0},  {U::Exp, 2, 0},     {U::Log, 1, 4},       {U::Sqrt, 1, 4},
                                     {U::Rsqrt, 1, 4}, {U::Tanh, 3, 0},   {U::Sigmoid, 5, 0},   {U::Relu, 1, 0},
                                     {U::Gelu, 3, 0},  {U::GeluTanh, 3, 0}, {U::Abs, 1, 0},     {U::Square, 1, 0},
                                     {U::Sign, 1, 0}};
    for (DType dt : {kFloat32, kFloat64})
        for (const auto& c : cases)
            for (const Tensor& x : unary_cases(dt, c.scale, c.shift)) {
                const double e = rel_err(ops::unary(x, c.op), ops::ref::unary(x, c.op));
                BOOST_TEST(e <= 4 * tol(dt), "op " << int(c.op) << " " << shape_str(x.shape()) << " "
                                                   << dtype_name(dt) << " err " << e);
            }
}

BOOST_AUTO_TEST_CASE(scalar_ops_pow_clamp_match_reference) {
    using S = ops::ScalarOp;
    for (DType dt : {kFloat32, kFloat64})
        for (const Tensor& x : unary_cases(dt, 1, 3)) {
            for (auto op : {S::Add, S::Sub, S::Mul, S::Div, S::RSub, S::RDiv})
                BOOST_TEST(rel_err(ops::scalar_op(x, 1.7, op), ops::ref::scalar_op(x, 1.7, op)) <= tol(dt));
            for (double p : {2.0, 3.0, -1.0, 0.5, 1.5})
                BOOST_TEST(rel_err(ops::pow(x, p), ops::ref::scalar_op(x, p, S::Pow)) <= 4 * tol(dt), "pow " << p);
            BOOST_TEST(rel_err(ops::clamp(x, 2.5, 3.5), ops::ref::clamp(x, 2.5, 3.5)) == 0.0);
        }
    // integer exponents are exact for negative bases
    Tensor x = Tensor::from_vector<float>({-2, -1.5, 3}, {3});
    BOOST_TEST((ops::pow(x, 3).to_vector<float>() == std::vector<float>{-8, -3.375f, 27}));
}

BOOST_AUTO_TEST_CASE(backward_kernels_match_reference) {
    for (DType dt : {kFloat32, kFloat64})
        for (const Tensor& x : unary_cases(dt, 3, 0)) {
            const Tensor g = rnd(x.shape(), 77, dt);
            const Tensor y = ops::tanh(x), s = ops::sigmoid(x);
            BOOST_TEST(rel_err(ops::relu_backward(x, g), ops::ref::relu_backward(x, g)) == 0.0);
            BOOST_TEST(rel_err(ops::gelu_backward(x, g), ops::ref::gelu_backward(x, g)) <= 4 * tol(dt));
            BOOST_TEST(rel_err(ops::gelu_tanh_backward(x, g), ops::ref::gelu_tanh_backward(x, g)) <= 4 * tol(dt));
            BOOST_TEST(rel_err(ops::tanh_backward(y, g), ops::ref::tanh_backward(y, g)) <= tol(dt));
            BOOST_TEST(rel_err(ops::sigmoid_backward(s, g), ops::ref::sigmoid_backward(s, g)) <= tol(dt));
            BOOST_TEST(rel_err(ops::clamp_backward(x, g, -1, 2), ops::ref::clamp_backward(x, g, -1, 2)) == 0.0);
        }
}

BOOST_AUTO_TEST_CASE(gelu_known_values) {
    // torch.nn.functional.gelu(torch.tensor([-1., 0.5, 2.]), approximate='none' / 'tanh')
    Tensor x = Tensor::from_vector<double>({-1.0, 0.5, 2.0}, {3});
    const auto e = ops::gelu(x).to_vector<double>();
    const auto t = ops::gelu_tanh(x).to_vector<double>();
    const std::vector<double> we = {-0.15865525393145707, 0.34573123063700656, 1.9544997361036416};
    const std::vector<double> wt = {-0.15880800939172324, 0.34571400982514394, 1.9545976940871754};
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST(std::fabs(e[i] - we[i]) < 1e-12);
        BOOST_TEST(std::fabs(t[i] - wt[i]) < 1e-12);
    }
}

BOOST_AUTO_TEST_CASE(where_and_masked_fill_match_reference) {
    for (auto n : kSizes) {
        Tensor a = rnd({3, n}, 1), b = rnd({n}, 2);
        Tensor cf = rnd({3, 1}, 3);  // float condition, broadcast over columns
        Tensor ci = Tensor::from_vector<std::int64_t>(std::vector<std::int64_t>(n, 0), {n});
        ci.data<std::int64_t>()[n / 2] = 5;
        BOOST_TEST(test::max_abs_diff(ops::where(cf, a, b), ops::ref::where(cf, a, b)) == 0.0);
        BOOST_TEST(test::max_abs_diff(ops::where(ci, a, b), ops::ref::where(ci, a, b)) == 0.0);
        BOOST_TEST(test::max_abs_diff(ops::masked_fill(a, ci, -1e9), ops::ref::masked_fill(a, ci, -1e9)) == 0.0);
        Tensor at = rnd({n, 3}, 4).t();
        BOOST_TEST(test::max_abs_diff(ops::masked_fill(at, cf, 7), ops::ref::masked_fill(at, cf, 7)) == 0.0);
    }
    // integer payloads are allowed
    Tensor ia = Tensor::from_vector<std::int32_t>({1, 2, 3}, {3}), ib = Tensor::from_vector<std::int32_t>({4, 5, 6}, {3});
    Tensor c = Tensor::from_vector<float>({1, 0, 1}, {3});
    BOOST_TEST((ops::where(c, ia, ib).to_vector<std::int32_t>() == std::vector<std::int32_t>{1, 5, 3}));
}

BOOST_AUTO_TEST_CASE(errors_name_op_shapes_and_dtypes) {
    Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({4}), d = Tensor::zeros({2, 3}, kFloat64);
    test::check_error([&] { ops::add(a, b); }, {"add", "(2, 3)", "(4)"});
    test::check_error([&] { ops::mul(a, d); }, {"mul", "(2, 3)", "float32", "float64"});
    test::check_error([&] { ops::exp(Tensor::zeros({2}, kInt64)); }, {"exp", "(2)", "int64"});
    Tensor a2 = Tensor::zeros({3});
    test::check_error([&] { ops::add_(a2, a); }, {"add_", "(2, 3)", "(3)"});
    test::check_error([&] { ops::masked_fill(a2, a, 0); }, {"masked_fill", "(2, 3)", "(3)"});
    test::check_error([&] { ops::where(b, a, a); }, {"where", "(4)", "(2, 3)"});
    test::check_error([&] { ops::clamp(a, 1, 0); }, {"clamp", "(2, 3)"});
}

BOOST_AUTO_TEST_SUITE_END()
