// Fast reductions vs reference loops: every (K1, R, K2) layout, copied layouts (transposed,
// split reduced dims), keepdim, a long row split into parallel chunks, sum_to, max/argmax.
#include "../helpers.hpp"
#include "prism/ops/elementwise.hpp"
#include "prism/ops/reduce.hpp"

using namespace prism;

namespace {
Tensor rnd(const Shape& s, std::uint64_t seed, DType dt = kFloat32) {
    Generator g(seed);
    return Tensor::randn(s, g, dt);
}
// float32 sums are accumulated in float: allow for rounding growing with the row length
double tol(const Tensor& x, std::int64_t r) { return x.dtype() == kFloat32 ? 2e-6 * std::sqrt(double(r) + 1) * 4 : 1e-12; }
}  // namespace

BOOST_AUTO_TEST_SUITE(ops_reduce)

BOOST_AUTO_TEST_CASE(sum_matches_reference) {
    for (DType dt : {kFloat32, kFloat64})
        for (std::int64_t n : {1, 7, 33, 1000, 4099}) {
            struct Case {
                Tensor x;
                std::vector<std::int64_t> dims;
            };
            const std::vector<Case> cases = {
                {rnd({n}, 1, dt), {}},                   // everything: one row
                {rnd({3, n}, 2, dt), {1}},               // row sums (K2 == 1)
                {rnd({n, 5}, 3, dt), {0}},               // column sums: bias gradient (N, C) -> (C)
                {rnd({2, n, 3}, 4, dt), {1}},            // middle block (K1, R, K2)
                {rnd({2, n, 3}, 5, dt), {0, 2}},         // split reduced dims: copied first
                {rnd({n, 4}, 6, dt).t(), {1}},           // transposed input
                {rnd({4, 1, n}, 7, dt), {0, 2}},         // size-1 dim between reduced dims
                {rnd({2, 3, n}, 8, dt), {-1, -2}},       // negative dims
            };
            for (const auto& c : cases)
                for (bool keep : {false, true}) {
                    const Tensor got = ops::sum(c.x, c.dims, keep), want = ops::ref::sum(c.x, c.dims, keep);
                    BOOST_TEST(test::max_abs_diff(got, want) <= tol(c.x, n),
                               shape_str(c.x.shape()) << " keep " << keep << " " << dtype_name(dt));
                }
        }
}

BOOST_AUTO_TEST_CASE(parallel_chunks_are_deterministic_and_correct) {
    for (const Shape& s : {Shape{100003}, Shape{3001, 64}, Shape{17, 9000}}) {
        Tensor x = rnd(s, 11, kFloat64);
        for (std::int64_t d : {0, -1}) {
            const Tensor got = ops::sum(x, {d});
            BOOST_TEST(test::max_abs_diff(got, ops::ref::sum(x, {d})) <= 1e-9);
            BOOST_TEST(test::max_abs_diff(got, ops::sum(x, {d})) == 0.0);
        }
        Tensor xf = x.to(kFloat32);
        BOOST_TEST(test::max_abs_diff(ops::sum(xf, {0}), ops::ref::sum(xf, {0})) <= 1e-3);
    }
}

BOOST_AUTO_TEST_CASE(mean_and_var) {
    Tensor x = Tensor::from_vector<double>({1, 2, 3, 4, 6, 8}, {2, 3});
    BOOST_TEST((ops::mean(x, {1}).to_vector<double>() == std::vector<double>{2, 6}));
    BOOST_TEST(ops::mean(x).item() == 4.0);
    BOOST_TEST((ops::var(x, {1}).to_vector<double>() == std::vector<double>{1, 4}));
    BOOST_TEST((ops::var(x, {1}, false, true).to_vector<double>() == std::vector<double>{2.0 / 3, 8.0 / 3}));
    BOOST_TEST((ops::var(x, {1}, false, true).shape() == Shape{2, 1}));
}

BOOST_AUTO_TEST_CASE(max_and_argmax_match_reference) {
    for (std::int64_t n : {1, 7, 33, 1000, 4099})
        for (const Tensor& x : {rnd({3, n}, 1), rnd({n, 3}, 2).t(), rnd({2, n, 5}, 3)})
            for (std::int64_t d = 0; d < x.dim(); ++d)
                for (bool keep : {false, true}) {
                    auto [v, i] = ops::max(x, d, keep);
                    auto [rv, ri] = ops::ref::max(x, d, keep);
                    BOOST_TEST(test::max_abs_diff(v, rv) == 0.0);
                    BOOST_TEST((i.to_vector<std::int64_t>() == ri.to_vector<std::int64_t>()));
                    BOOST_TEST((ops::argmax(x, d, keep).shape() == ri.shape()));
                }
    // ties go to the first occurrence, like torch
    Tensor t = Tensor::from_vector<float>({1, 3, 3, 0}, {4});
    BOOST_TEST(ops::argmax(t, 0).item() == 1.0);
}

BOOST_AUTO_TEST_CASE(max_backward_scatters_to_argmax) {
    Tensor x = Tensor::from_vector<double>({1, 5, 2, 7, 0, 3}, {2, 3});
    auto [v, i] = ops::max(x, 1);
    Tensor g = Tensor::from_vector<double>({10, 20}, {2});
    BOOST_TEST((ops::max_backward(g, i, x.shape(), 1, false).to_vector<double>() ==
                std::vector<double>{0, 10, 0, 20, 0, 0}));
}

BOOST_AUTO_TEST_CASE(sum_to_reduces_broadcast_dims) {
    for (std::int64_t n : {1, 7, 33, 1000, 4099}) {
        Tensor g = rnd({6, n}, 5, kFloat64);
        BOOST_TEST(test::max_abs_diff(ops::sum_to(g, {n}), ops::ref::sum(g, {0})) <= 1e-12);
        BOOST_TEST(test::max_abs_diff(ops::sum_to(g, {6, 1}), ops::ref::sum(g, {1}, true)) <= 1e-12);
        BOOST_TEST(test::max_abs_diff(ops::sum_to(g, {1, n}), ops::ref::sum(g, {0}, true)) <= 1e-12);
        BOOST_TEST(test::max_abs_diff(ops::sum_to(g, {}), ops::ref::sum(g)) <= 1e-12);
        Tensor gt = rnd({n, 6}, 6, kFloat64).t();  // non-contiguous gradient
        BOOST_TEST(test::max_abs_diff(ops::sum_to(gt, {n}), ops::ref::sum(gt, {0})) <= 1e-12);
    }
    BOOST_TEST(ops::sum_to(rnd({2, 3}, 1), {2, 3}).shape() == (Shape{2, 3}));
}

BOOST_AUTO_TEST_CASE(reduce_errors) {
    Tensor x = Tensor::zeros({2, 3});
    test::check_error([&] { ops::sum(x, {2}); }, {"sum", "2"});
    test::check_error([&] { ops::sum(x, {1, -1}); }, {"sum", "(2, 3)"});
    test::check_error([&] { ops::sum_to(x, {4}); }, {"sum_to", "(2, 3)", "(4)"});
    test::check_error([&] { ops::sum(Tensor::zeros({2}, kInt32)); }, {"sum", "int32"});
    test::check_error([&] { ops::max(Tensor::zeros({2, 0}), 1); }, {"max", "(2, 0)"});
}

BOOST_AUTO_TEST_SUITE_END()
