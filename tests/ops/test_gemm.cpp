#include <vector>

#include "../helpers.hpp"
#include "prism/core/rng.hpp"
#include "prism/core/runtime.hpp"
#include "prism/core/tensor.hpp"
#include "prism/ops/gemm.hpp"
#include "prism/ops/matmul.hpp"

using namespace prism;

namespace {

// A (rows, cols) matrix stored inside a bigger buffer with the given layout, so the strides
// can be row-major, column-major (a transposed operand) or neither (padding on both).
template <class T> struct Strided {
    std::int64_t rows, cols, rs, cs;
    std::vector<T> buf;
    Strided(std::int64_t r, std::int64_t c, int layout, std::uint64_t seed) : rows(r), cols(c) {
        if (layout == 0) { rs = c + 3; cs = 1; }          // row-major, padded rows
        else if (layout == 1) { rs = 1; cs = r + 2; }     // column-major: a transposed view
        else { rs = 2 * c + 1; cs = 2; }                  // general strides: BLIS gets a copy
        buf.assign(static_cast<std::size_t>((r - 1) * rs + (c - 1) * cs + 1), T(0));
        Generator g(seed);
        std::vector<float> u(buf.size());
        g.uniform(u.data(), static_cast<std::int64_t>(u.size()));
        for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = T(u[i] * 2 - 1);
    }
    T at(std::int64_t i, std::int64_t j) const { return buf[i * rs + j * cs]; }
    ops::MatrixView<T> view() { return {buf.data(), rows, cols, rs, cs}; }
};

template <class T> void compare_one(std::int64_t M, std::int64_t N, std::int64_t K, int la, int lb, int lc) {
    Strided<T> a(M, K, la, 1), b(K, N, lb, 2), c(M, N, lc, 3);
    Strided<T> ref = c, par = c;
    const T alpha = T(0.75), beta = T(0.5);
    ops::gemm_reference<T>(alpha, a.view(), b.view(), beta, ref.view());
    ops::gemm<T>(alpha, a.view(), b.view(), beta, c.view());
    ops::gemm_parallel<T>(alpha, a.view(), b.view(), beta, par.view());
    const double tol = (std::is_same_v<T, float> ? 2e-5 : 1e-12) * (K + 1);
    double err = 0, perr = 0;
    for (std::size_t i = 0; i < c.buf.size(); ++i) {
        err = std::max(err, std::fabs(double(c.buf[i]) - double(ref.buf[i])));
        perr = std::max(perr, std::fabs(double(par.buf[i]) - double(c.buf[i])));
    }
    BOOST_CHECK_MESSAGE(err <= tol, "gemm " << M << "x" << N << "x" << K << " layouts " << la << lb << lc
                                            << ": max error " << err);
    BOOST_CHECK_MESSAGE(perr <= tol, "gemm_parallel " << M << "x" << N << "x" << K << ": max diff " << perr);
}

template <class T> void compare_all() {
    const std::int64_t sizes[] = {1, 7, 33, 100};
    for (auto M : sizes)
        for (auto N : sizes)
            for (auto K : sizes)
                for (int la = 0; la < 2; ++la)
                    for (int lb = 0; lb < 2; ++lb) compare_one<T>(M, N, K, la, lb, 0);  // all four transposes
    for (int l = 0; l < 3; ++l) {  // general strides on each operand, and a column-major C
        compare_one<T>(33, 7, 100, 2, l, l);
        compare_one<T>(7, 100, 33, l, 2, 1);
        compare_one<T>(100, 33, 7, l, l, 2);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ops_gemm)

BOOST_AUTO_TEST_CASE(blis_matches_reference_float) { compare_all<float>(); }
BOOST_AUTO_TEST_CASE(blis_matches_reference_double) { compare_all<double>(); }

BOOST_AUTO_TEST_CASE(blis_uses_optimised_kernels) {
    const auto& c = runtime::init_blis();
    BOOST_TEST_MESSAGE("BLIS sub-configuration: " << c.name << " (" << c.source << ")");
    BOOST_TEST(c.name != "");
}

BOOST_AUTO_TEST_CASE(parallel_split_is_exact_on_big_products) {
    // big enough to split: rows (M > N) and columns (N > M), each block a separate BLIS call
    compare_one<float>(1000, 70, 64, 0, 1, 0);
    compare_one<float>(70, 1000, 64, 1, 0, 0);
    compare_one<double>(1000, 33, 100, 0, 0, 0);
}

BOOST_AUTO_TEST_CASE(split_along_k_matches_reference) {
    // K >= 4 max(M, N): a weight-gradient shape, split along K into per-thread partials (beta
    // applies once, to part 0); transposed A, and C column-major or with general strides
    compare_one<float>(70, 60, 3000, 1, 0, 0);
    compare_one<float>(64, 96, 2501, 0, 1, 1);
    compare_one<float>(33, 65, 4000, 1, 0, 2);
    compare_one<float>(40, 300, 2000, 0, 0, 0);  // M < N: the transposed product
    compare_one<double>(30, 90, 2000, 1, 1, 2);
    compare_one<double>(70, 60, 3000, 1, 0, 0);
}

BOOST_AUTO_TEST_CASE(linear_with_bias_matches_a_loop) {
    // big enough for the row-block path (bias written per block, then one GEMM per block),
    // with a row count that leaves a ragged last block
    for (const std::int64_t rows : {std::int64_t(3), std::int64_t(1001)}) {
        Generator g(4);
        const std::int64_t in = 64, out = 70;
        Tensor x = Tensor::randn({rows, in}, g), w = Tensor::randn({out, in}, g), b = Tensor::randn({out}, g);
        Tensor y = ops::linear(x, w, b);
        const float *px = x.data<float>(), *pw = w.data<float>(), *pb = b.data<float>(), *py = y.data<float>();
        double err = 0;
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t o = 0; o < out; ++o) {
                double acc = pb[o];
                for (std::int64_t i = 0; i < in; ++i) acc += double(px[r * in + i]) * pw[o * in + i];
                err = std::max(err, std::fabs(acc - py[r * out + o]));
            }
        BOOST_TEST(err <= 1e-4, "linear rows " << rows << ": max error " << err);
    }
}

BOOST_AUTO_TEST_CASE(zero_k_scales_c_and_beta_zero_ignores_nan) {
    std::vector<float> c = {1, 2, 3, 4};
    ops::gemm<float>(1.f, {nullptr, 2, 0, 1, 1}, {nullptr, 0, 2, 1, 1}, 2.f, ops::row_major(c.data(), 2, 2));
    BOOST_TEST((c == std::vector<float>{2, 4, 6, 8}));
    std::vector<float> a = {1, 2}, b = {3, 4}, d = {std::nanf("")};
    ops::gemm<float>(1.f, ops::row_major(a.data(), 1, 2), ops::row_major(b.data(), 2, 1), 0.f,
                     ops::row_major(d.data(), 1, 1));
    BOOST_TEST(d[0] == 11.f);
}

BOOST_AUTO_TEST_CASE(mismatched_views_throw_naming_the_shapes) {
    std::vector<float> a(12), b(30), c(18);
    const auto A = ops::row_major(a.data(), 3, 4), B = ops::row_major(b.data(), 5, 6);  // A.cols 4 != B.rows 5
    const auto C = ops::row_major(c.data(), 3, 6);
    const std::initializer_list<std::string> names = {"A (3, 4)", "B (5, 6)", "C (3, 6)", "A.cols != B.rows"};
    test::check_error([&] { ops::gemm<float>(1.f, A, B, 0.f, C); }, names);
    test::check_error([&] { ops::gemm_parallel<float>(1.f, A, B, 0.f, C); }, names);
    test::check_error([&] { ops::gemm_reference<float>(1.f, A, B, 0.f, C); }, names);
    // A C of the wrong shape, and the transposed view that does fit
    const auto B46 = ops::row_major(b.data(), 4, 6), C63 = ops::row_major(c.data(), 6, 3);
    test::check_error([&] { ops::gemm<float>(1.f, A, B46, 0.f, C63); }, {"C (6, 3)", "A.rows != C.rows"});
    BOOST_CHECK_NO_THROW(ops::gemm<float>(1.f, A, ops::row_major(b.data(), 6, 4).transposed(), 0.f, C));
}

BOOST_AUTO_TEST_CASE(column_sums_match_a_loop) {
    for (std::int64_t N : {1, 7, 33, 1000}) {
        const std::int64_t R = 37;
        std::vector<double> m(R * (N + 1));
        for (std::size_t i = 0; i < m.size(); ++i) m[i] = double(i % 13) - 6;
        std::vector<double> out(N);
        ops::column_sums<double>(m.data(), R, N, N + 1, out.data());
        for (std::int64_t j = 0; j < N; ++j) {
            double s = 0;
            for (std::int64_t r = 0; r < R; ++r) s += m[r * (N + 1) + j];
            BOOST_CHECK_EQUAL(out[j], s);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
