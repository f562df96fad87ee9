#include <Eigen/Dense>

#include "../helpers.hpp"
#include "prism/ops/qr.hpp"

using namespace prism;

namespace {

// Q^T Q = I, Q R = A, R upper triangular with a non-negative diagonal; and the same Q, R as
// Eigen's Householder QR after its signs are fixed the same way (the factorisation is unique).
template <class T> void check_qr(std::int64_t n, double tol) {
    Generator g(n);
    Tensor a = Tensor::randn({n, n}, g, dtype_of<T>::value);
    auto [q, r] = ops::qr(a.t());  // non-contiguous input
    BOOST_REQUIRE(q.shape() == (Shape{n, n}));
    using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    auto to_mat = [n](const Tensor& t) {
        const auto v = t.to_vector<double>();
        return Mat(Eigen::Map<const Mat>(v.data(), n, n));
    };
    const Mat A = to_mat(a).transpose(), Q = to_mat(q), R = to_mat(r);
    BOOST_CHECK_SMALL((Q.transpose() * Q - Mat::Identity(n, n)).cwiseAbs().maxCoeff(), tol);
    BOOST_CHECK_SMALL((Q * R - A).cwiseAbs().maxCoeff(), tol * std::max<double>(1, n / 4));
    for (std::int64_t i = 0; i < n; ++i) {
        BOOST_CHECK_GE(R(i, i), 0.0);
        for (std::int64_t j = 0; j < i; ++j) BOOST_CHECK_EQUAL(R(i, j), 0.0);
    }
    Eigen::HouseholderQR<Mat> h(A);
    Mat eq = h.householderQ(), er = h.matrixQR().triangularView<Eigen::Upper>();
    for (std::int64_t k = 0; k < n; ++k)
        if (er(k, k) < 0) {
            er.row(k) *= -1;
            eq.col(k) *= -1;
        }
    BOOST_CHECK_SMALL((eq - Q).cwiseAbs().maxCoeff(), tol * n);
    BOOST_CHECK_SMALL((er - R).cwiseAbs().maxCoeff(), tol * n);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ops_qr)

BOOST_AUTO_TEST_CASE(qr_factors_match_eigen) {
    for (std::int64_t n : {1, 2, 7, 33, 100}) {
        check_qr<double>(n, 1e-12);
        check_qr<float>(n, 2e-5);
    }
}

BOOST_AUTO_TEST_CASE(triangular_solve_matches_a_loop) {
    // Y R^T = X, checked by multiplying back
    const std::int64_t n = 7, m = 3;
    std::vector<double> r(n * n, 0.0), x(m * n), y;
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = i; j < n; ++j) r[i * n + j] = (i == j ? 3.0 : 0.0) + 0.1 * double(i + 2 * j % 5);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = double(i % 7) - 3;
    y = x;
    ops::solve_right_upper_transposed<double>(r.data(), n, y.data(), m);
    for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t j = 0; j < n; ++j) {
            double s = 0;
            for (std::int64_t l = 0; l < n; ++l) s += y[i * n + l] * r[j * n + l];
            BOOST_CHECK_SMALL(s - x[i * n + j], 1e-12);
        }
}

BOOST_AUTO_TEST_CASE(qr_errors) {
    test::check_error([] { ops::qr(Tensor::zeros({2, 3})); }, {"qr", "(2, 3)", "square"});
    test::check_error([] { ops::qr(Tensor::zeros({4})); }, {"qr", "(4)"});
}

BOOST_AUTO_TEST_SUITE_END()
