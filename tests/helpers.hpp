// Small helpers shared by the tests.
#pragma once
#ifndef BOOST_TEST_DYN_LINK
#define BOOST_TEST_DYN_LINK
#endif
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <string>

#include "prism/autograd/gradcheck.hpp"
#include "prism/core/rng.hpp"
#include "prism/core/tensor.hpp"

namespace prism::test {

// Largest |a - b| over all elements (shapes must match).
inline double max_abs_diff(const Tensor& a, const Tensor& b) {
    BOOST_REQUIRE_MESSAGE(a.shape() == b.shape(), "shape " + shape_str(a.shape()) + " vs " + shape_str(b.shape()));
    const auto x = a.to_vector<double>(), y = b.to_vector<double>();
    double m = 0;
    for (std::size_t i = 0; i < x.size(); ++i) m = std::max(m, std::fabs(x[i] - y[i]));
    return m;
}

// A float64 leaf that requires grad, filled with N(0, 1) * scale + shift.
inline Tensor leaf64(const Shape& shape, std::uint64_t seed, double scale = 1.0, double shift = 0.0) {
    Generator g(seed);
    Tensor t = Tensor::randn(shape, g, kFloat64);
    double* p = t.data<double>();
    for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = p[i] * scale + shift;
    return t.requires_grad_();
}

// The same data seen through a transpose: a non-contiguous leaf of shape (rows, cols).
inline Tensor leaf64_t(std::int64_t rows, std::int64_t cols, std::uint64_t seed) {
    Generator g(seed);
    Tensor t = Tensor::randn({cols, rows}, g, kFloat64).t().detach();
    return t.requires_grad_();
}

// Throws prism::Error whose message contains every one of `parts`.
template <class F> void check_error(F&& f, std::initializer_list<std::string> parts) {
    try {
        f();
    } catch (const Error& e) {
        const std::string msg = e.what();
        for (const auto& p : parts) BOOST_CHECK_MESSAGE(msg.find(p) != std::string::npos, "'" + p + "' not in: " + msg);
        return;
    }
    BOOST_ERROR("expected prism::Error");
}

}  // namespace prism::test

#define CHECK_GRAD(fn, inputs)                                          \
    do {                                                                \
        auto _r = ::prism::gradcheck(fn, inputs);                       \
        BOOST_CHECK_MESSAGE(_r.ok, "gradcheck failed:\n" + _r.report);  \
    } while (0)
