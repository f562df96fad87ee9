// The diagnostics of spectral-rotate (docs/oversmoothing.md, sections 4.1 and 6): the non-trivial
// spectrum of each head is the complex pairs r e^{+-i phi}, and the dominant pair uses
// |1 + lambda_A lambda_H| with complex lambda_H. Known answers with a causal uniform attention
// (A_ij = 1 / (i + 1) for j <= i: eigenvalues 1, 1/2, ..., 1/T) and one slot r = 1:
//   phi = 2 pi / 3: DC |1 + e^{i 2pi/3}| = 1 beats |1 + a e^{i 2pi/3}| = sqrt(1 - a + a^2) < 1  -> dc
//   phi = 5 pi / 6: DC |1 + e^{i 5pi/6}| = sqrt(2 - sqrt 3) = 0.518 loses to a = 1/3:
//                   sqrt((1 - sqrt(3)/6)^2 + 1/36) = sqrt(10/9 - sqrt(3)/3) = 0.731          -> hf
// and the growth rate of the actual layer map (its (T C) x (T C) matrix, built from the forward
// pass) is that |mu|.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numbers>

#include "../helpers.hpp"
#include "prism/autograd/functions.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/diag/head_operators.hpp"
#include "prism/diag/spectrum.hpp"
#include "prism/nn/attention_rotate.hpp"

using namespace prism;
using diag::Complex;
using diag::Dominance;

namespace {

constexpr double kPi = std::numbers::pi;

// (B, NH, T, T): A_ij = 1 / (i + 1) for j <= i.
Tensor causal_uniform(std::int64_t B, std::int64_t NH, std::int64_t T) {
    std::vector<double> v;
    for (std::int64_t n = 0; n < B * NH; ++n)
        for (std::int64_t i = 0; i < T; ++i)
            for (std::int64_t j = 0; j < T; ++j) v.push_back(j <= i ? 1.0 / static_cast<double>(i + 1) : 0.0);
    return Tensor::from_vector(v, {B, NH, T, T});
}

// A float64 rotate layer, C = HS = 2 (one slot r e^{+-i phi}), zero queries and keys, causal:
// its attention is causal_uniform whatever the input.
std::shared_ptr<nn::RotateAttention> one_slot(double r, double phi, Generator& g) {
    nn::AttentionConfig c;
    c.kind = "spectral-rotate";
    c.causal = true;
    c.qkv_bias = false;
    auto a = std::make_shared<nn::RotateAttention>(c, nn::AttentionArgs{.dim = 2, .heads = 1, .gen = &g});
    a->to(kFloat64);
    a->qk->weight.zero_();
    a->psi.copy_(Tensor::from_vector(std::vector<double>{std::sqrt(r)}, {1}));
    a->phi.copy_(Tensor::from_vector(std::vector<double>{phi}, {1}));
    return a;
}

// Largest |eigenvalue| of the linear map X -> X + attn(X) - attn(0), X (1, T, C), built column
// by column from the forward pass.
double layer_map_growth(nn::Attention& attn, std::int64_t T, std::int64_t C) {
    NoGradGuard ng;
    const std::int64_t n = T * C;
    nn::AttentionContext c0;
    const auto f0 = attn.forward(Tensor::zeros({1, T, C}, kFloat64), c0).to_vector<double>();
    Eigen::MatrixXd M(n, n);
    for (std::int64_t j = 0; j < n; ++j) {
        std::vector<double> e(static_cast<std::size_t>(n), 0.0);
        e[static_cast<std::size_t>(j)] = 1.0;
        nn::AttentionContext ctx;
        const auto f = attn.forward(Tensor::from_vector(e, {1, T, C}), ctx).to_vector<double>();
        for (std::int64_t i = 0; i < n; ++i) M(i, j) = e[i] + f[i] - f0[i];
    }
    Eigen::EigenSolver<Eigen::MatrixXd> es(M, false);
    return es.eigenvalues().cwiseAbs().maxCoeff();
}

// Every value of `want` has its own nearest partner in `got` (used up once matched) within tol:
// compares spectra without relying on the order of near-ties.
void check_same_spectrum(std::vector<Complex> got, const std::vector<Complex>& want, double tol,
                         const std::string& what) {
    BOOST_REQUIRE_GE(got.size(), want.size());
    for (const auto& w : want) {
        auto it = std::min_element(got.begin(), got.end(),
                                   [&](const Complex& a, const Complex& b) { return std::abs(a - w) < std::abs(b - w); });
        BOOST_TEST(std::abs(*it - w) < tol, what << ": " << w << ", nearest " << *it);
        got.erase(it);
    }
}

std::vector<Complex> eig_a(const Tensor& probs) {
    const std::int64_t T = probs.size(2);
    return diag::eigenvalues(probs.reshape({-1, T, T}).select(0, 0).contiguous());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(diag_rotate_dominant_pair)

BOOST_AUTO_TEST_CASE(nontrivial_spectrum_is_the_complex_pairs) {
    Generator g(7);
    nn::AttentionConfig c;
    c.kind = "spectral-rotate";
    const std::int64_t C = 15, NH = 3, HS = 5;  // odd: two pairs and a real r cos phi per head
    nn::RotateAttention attn(c, {.dim = C, .heads = NH, .gen = &g});
    const auto ops = diag::layer_operators(attn);
    BOOST_TEST(ops.kind == "spectral-rotate");
    BOOST_TEST(ops.h_operator.find("B_h") != std::string::npos);
    BOOST_TEST(ops.growth.formula == "1 + lambda_A lambda_H");
    const auto Hs = attn.head_operators();
    const Tensor gamma = Tensor::from_vector(std::vector<double>{1.0, -0.5, 2.0, 0.7, 1.3, -1.1, 0.9, 1.0, 1.2, 0.4,
                                                                 -0.3, 1.5, 0.8, 1.1, 0.6},
                                             {C});
    for (std::int64_t h = 0; h < NH; ++h) {
        const auto& e = ops.eig_h[h];
        BOOST_REQUIRE_EQUAL(e.size(), static_cast<std::size_t>(HS));
        // the analytic eigenvalues are the computed ones of R L (HS x HS) and the nonzero ones of H_h (C x C)
        const auto rl = diag::eigenvalues(matmul(ops.heads[h].right, ops.heads[h].left));
        const auto full = diag::eigenvalues(Hs[h].to(kFloat64));
        auto want_full = e;
        want_full.resize(static_cast<std::size_t>(C), 0.0);  // and C - HS structural zeros
        check_same_spectrum(rl, e, 1e-5, "R L, head " + std::to_string(h));
        check_same_spectrum(full, want_full, 1e-5, "H_h, head " + std::to_string(h));
        BOOST_TEST(std::count_if(e.begin(), e.end(), [](const Complex& z) { return std::abs(z.imag()) > 0; }) == 4);
        // P diag(gamma) H_h from the factors matches the full (C, C) operator
        const auto ln = diag::ln_nontrivial_eigenvalues(ops.heads[h], gamma);
        check_same_spectrum(diag::eigenvalues(diag::ln_operator(Hs[h].to(kFloat64), gamma)), ln, 1e-5,
                            "P diag(gamma) H_h, head " + std::to_string(h));
    }
    // layer summaries report the imaginary parts
    const auto sum = diag::layer_summaries(diag::analyse_blocks({{&attn, Tensor::ones({C}), Tensor::ones({C}), {}}}));
    BOOST_REQUIRE_EQUAL(sum.size(), 1u);
    BOOST_TEST(sum[0].eig_max_abs_imag > 0.0);
    BOOST_TEST(sum[0].kind == "spectral-rotate");
}

BOOST_AUTO_TEST_CASE(dc_on_top_for_a_smoothing_angle) {
    Generator g(11);
    const std::int64_t T = 3, B = 2;
    auto attn = one_slot(1.0, 2 * kPi / 3, g);
    const Tensor A = causal_uniform(B, 1, T);
    const auto ops = diag::layer_operators(*attn);
    BOOST_REQUIRE_EQUAL(ops.eig_h.size(), 1u);
    BOOST_TEST(std::abs(ops.eig_h[0][0] - std::polar(1.0, 2 * kPi / 3)) < 1e-12);
    BOOST_TEST(std::abs(ops.eig_h[0][1] - std::polar(1.0, -2 * kPi / 3)) < 1e-12);
    const auto dp = diag::dominant_pair(eig_a(A), ops.eig_h[0], ops.growth);
    BOOST_TEST((dp.category == Dominance::DC));
    BOOST_TEST(dp.growth_dc == 1.0, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(dp.growth_hf == std::sqrt(1 - 1.0 / 3 + 1.0 / 9), boost::test_tools::tolerance(1e-12));
    BOOST_TEST(std::abs(std::abs(dp.lambda_h) - 1.0) < 1e-12);
    BOOST_TEST(std::abs(dp.lambda_h.imag()) > 0.8);  // complex lambda_H: the conjugate ties with it
    BOOST_TEST(layer_map_growth(*attn, T, 2) == dp.growth, boost::test_tools::tolerance(1e-9));
    const auto rep = diag::analyse_blocks({{attn.get(), Tensor::ones({2}), Tensor::ones({2}), A}});
    BOOST_TEST(rep.dominant_cases == B);
    BOOST_TEST(rep.dominant_at_one_h == B);
}

BOOST_AUTO_TEST_CASE(hf_on_top_for_a_sharpening_angle) {
    Generator g(12);
    const std::int64_t T = 3, B = 2;
    auto attn = one_slot(1.0, 5 * kPi / 6, g);
    const Tensor A = causal_uniform(B, 1, T);
    const auto ops = diag::layer_operators(*attn);
    const auto dp = diag::dominant_pair(eig_a(A), ops.eig_h[0], ops.growth);
    BOOST_TEST((dp.category == Dominance::HF));
    BOOST_TEST(dp.growth_dc == std::sqrt(2 - std::sqrt(3.0)), boost::test_tools::tolerance(1e-12));
    BOOST_TEST(dp.growth == std::sqrt(10.0 / 9 - std::sqrt(3.0) / 3), boost::test_tools::tolerance(1e-12));
    BOOST_TEST(std::abs(dp.lambda_a - 1.0 / 3) < 1e-12);
    BOOST_TEST(layer_map_growth(*attn, T, 2) == dp.growth, boost::test_tools::tolerance(1e-9));
    const auto rep = diag::analyse_blocks({{attn.get(), Tensor::ones({2}), Tensor::ones({2}), A}});
    BOOST_TEST(rep.dominant_hf_h == B);
    BOOST_TEST(rep.dominant_at_one_h == 0);
    // the real part alone (r cos phi = -0.87, a sharpen eigenvalue in [-1, 0)) gives the same verdict
    BOOST_TEST((diag::dominant_pair(eig_a(A), {Complex(std::cos(5 * kPi / 6))}).category == Dominance::HF));
}

BOOST_AUTO_TEST_SUITE_END()
