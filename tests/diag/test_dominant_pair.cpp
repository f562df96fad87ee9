// The dominant-pair statistic (diag/spectrum.hpp, docs/oversmoothing.md): each head's own HS
// non-trivial eigenvalues, ties as their own category, and each attention kind's own growth
// factor, checked against power iteration on the actual layer map.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "../helpers.hpp"
#include "prism/autograd/functions.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/diag/head_operators.hpp"
#include "prism/diag/spectrum.hpp"
#include "prism/models/gpt.hpp"
#include "prism/nn/attention_neutreno.hpp"
#include "prism/nn/attention_resformer.hpp"
#include "prism/nn/attention_spectral.hpp"

using namespace prism;
using diag::Complex;
using diag::Dominance;

namespace {

// (B, NH, T, T) float32 from a function of (b, h, i, j).
template <class F> Tensor probs_of(std::int64_t B, std::int64_t NH, std::int64_t T, F&& f) {
    std::vector<float> v;
    for (std::int64_t b = 0; b < B; ++b)
        for (std::int64_t h = 0; h < NH; ++h)
            for (std::int64_t i = 0; i < T; ++i)
                for (std::int64_t j = 0; j < T; ++j) v.push_back(static_cast<float>(f(b, h, i, j)));
    return Tensor::from_vector(v, {B, NH, T, T});
}

// softmax of N(0, 1) logits per row; causal: keys j <= i only.
Tensor random_softmax(std::int64_t B, std::int64_t NH, std::int64_t T, bool causal, Generator& g) {
    const auto z = Tensor::randn({B, NH, T, T}, g).to_vector<double>();
    std::vector<double> p(z.size());
    for (std::int64_t r = 0; r < B * NH * T; ++r) {
        const std::int64_t i = r % T;
        double s = 0;
        for (std::int64_t j = 0; j < T; ++j) s += p[r * T + j] = (!causal || j <= i) ? std::exp(z[r * T + j]) : 0.0;
        for (std::int64_t j = 0; j < T; ++j) p[r * T + j] /= s;
    }
    return probs_of(B, NH, T, [&](auto b, auto h, auto i, auto j) { return p[((b * NH + h) * T + i) * T + j]; });
}

diag::BlockInput block(const nn::Attention& attn, std::int64_t C, const Tensor& probs) {
    return {&attn, Tensor::ones({C}), Tensor::ones({C}), probs};
}

// Growth rate of the linear part of X -> X + attn(X) (A fixed by zero queries/keys, V^0 in ctx
// fixed): power iteration on L(X) = F(X) - F(0), X (1, T, C).
double power_iteration_growth(nn::Attention& attn, nn::AttentionContext ctx, std::int64_t T, std::int64_t C,
                              int iters, Generator& g) {
    NoGradGuard ng;
    attn.eval();
    const Tensor zero = Tensor::zeros({1, T, C});
    const auto f0 = attn.forward(zero, ctx).to_vector<double>();
    std::vector<double> x = Tensor::randn({1, T, C}, g).to_vector<double>();
    double rate = 0;
    for (int k = 0; k < iters; ++k) {
        double nx = 0;
        for (double v : x) nx += v * v;
        nx = std::sqrt(nx);
        std::vector<float> xf;
        for (double v : x) xf.push_back(static_cast<float>(v / nx));
        const Tensor xt = Tensor::from_vector(xf, {1, T, C});
        const auto fx = attn.forward(xt, ctx).to_vector<double>();
        double ny = 0;
        for (std::size_t i = 0; i < x.size(); ++i) {
            x[i] = xf[i] + fx[i] - f0[i];
            ny += x[i] * x[i];
        }
        rate = std::sqrt(ny);  // |L(x)| with |x| = 1
    }
    return rate;
}

// Eigenvalues of the first (T, T) matrix of probs.
std::vector<Complex> eig_a(const Tensor& probs) {
    const std::int64_t T = probs.size(2);
    return diag::eigenvalues(probs.to(kFloat64).reshape({-1, T, T}).select(0, 0).contiguous());
}

// H = Q diag(lambda) Q^T in a standard-layout head (NH = 1, C = HS): W_V = Q, W_O = diag(lambda) Q^T.
void set_symmetric_head(nn::MultiHeadSelfAttention& a, const std::vector<double>& lambda, Generator& g) {
    const std::int64_t C = a.dim;
    Eigen::MatrixXd r(C, C);
    const auto rv = Tensor::randn({C, C}, g).to_vector<double>();
    for (std::int64_t i = 0; i < C * C; ++i) r(i / C, i % C) = rv[i];
    const Eigen::MatrixXd Q = Eigen::HouseholderQR<Eigen::MatrixXd>(r).householderQ();
    a.qkv->weight.zero_();  // zero queries and keys: A fixed
    float* w = a.qkv->weight.data<float>();
    float* p = a.proj->weight.data<float>();
    for (std::int64_t i = 0; i < C; ++i)
        for (std::int64_t j = 0; j < C; ++j) {
            w[(2 * C + i) * C + j] = static_cast<float>(Q(j, i));           // v = x W_v^T, W_v = Q^T
            p[i * C + j] = static_cast<float>(Q(i, j) * lambda[j]);         // out = o W_p^T, W_p = Q diag(lambda)
        }
}

nn::AttentionConfig causal_config(const std::string& kind, std::map<std::string, double> params = {}) {
    nn::AttentionConfig c;
    c.kind = kind;
    c.causal = true;
    c.qkv_bias = false;
    c.params = std::move(params);
    return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(diag_dominant_pair)

// Old code: the C - HS structural zeros of H_h give |1 + lambda_A 0| = 1 for every lambda_A, ties
// went to lambda_A = 1 (sorted first): 100% "DC mode dominant" under lazy and causal attention.
BOOST_AUTO_TEST_CASE(low_rank_sharpen_head_is_not_dc_dominant) {
    Generator g(21);
    const std::int64_t C = 12, NH = 3, HS = 4, B = 4, T = 7;
    nn::SpectralAttention attn(causal_config("spectral-sharpen"), {.dim = C, .heads = NH, .gen = &g},
                               nn::SpectralMode::Sharpen);
    const auto ops = diag::layer_operators(attn);
    BOOST_TEST(ops.h_operator.find("Lambda_h") != std::string::npos);
    BOOST_REQUIRE_EQUAL(ops.eig_h.size(), 3u);
    const auto lam = attn.eigenvalues().to_vector<double>();
    for (std::int64_t h = 0; h < NH; ++h) {
        BOOST_REQUIRE_EQUAL(ops.eig_h[h].size(), static_cast<std::size_t>(HS));
        std::vector<double> got, want(lam.begin() + h * HS, lam.begin() + (h + 1) * HS);
        for (const auto& e : ops.eig_h[h]) got.push_back(e.real());
        std::sort(got.begin(), got.end());
        std::sort(want.begin(), want.end());
        for (std::int64_t i = 0; i < HS; ++i) BOOST_TEST(got[i] == want[i], boost::test_tools::tolerance(1e-12));
        for (double v : want) BOOST_TEST((v < 0 && v >= -1));
    }
    // lazy attention 0.6 I + 0.4 softmax: every eigenvalue of A has real part >= 0.2
    const Tensor soft = random_softmax(B, NH, T, false, g);
    const auto sv = soft.to_vector<double>();
    const Tensor lazy = probs_of(B, NH, T, [&](auto b, auto h, auto i, auto j) {
        return 0.6 * (i == j) + 0.4 * sv[((b * NH + h) * T + i) * T + j];
    });
    for (const Tensor& probs : {lazy, random_softmax(B, NH, T, true, g)}) {
        const auto rep = diag::analyse_blocks({block(attn, C, probs)});
        BOOST_TEST(rep.dominant_cases == B * NH);
        BOOST_TEST(rep.dominant_at_one_h == 0);
        BOOST_TEST(rep.dominant_at_one_ln == 0);
        BOOST_TEST(rep.dominant_tie_h == 0);
        BOOST_TEST(rep.dominant_hf_h == B * NH);
        BOOST_TEST(rep.dominant_hf_ln == B * NH);
        BOOST_REQUIRE_EQUAL(rep.operators.size(), 1u);
        BOOST_TEST(rep.operators[0].growth.formula == "1 + lambda_A lambda_H");
    }
}

// What `prism spectrum` runs on a GPT checkpoint (causal attention): a spectral-sharpen GPT at
// initialisation is 0% DC-dominant. (Old code, a trained 4-layer 128-dim spectral-sharpen GPT:
// 75% "DC dominant", from the structural zeros of H_h.)
BOOST_AUTO_TEST_CASE(sharpen_gpt_through_analyse_model) {
    Generator g(2);
    models::GPTConfig c;
    c.vocab_size = 11;
    c.context_length = 9;
    c.dim = 16;
    c.depth = 2;
    c.heads = 4;
    c.mlp_dim = 32;
    c.attention.kind = "spectral-sharpen";
    models::GPT gpt(c, &g);
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 3 * 9; ++i) ids.push_back((i * 7) % 11);
    const Tensor x = Tensor::from_vector(ids, {3, 9});
    const auto rep = diag::analyse_model(
        gpt, *gpt.h, "transformer.h", [&] { gpt.forward(x); },
        [&] { return gpt.wte->forward(x) + gpt.wpe->forward(Tensor::arange(9, kInt64)); });
    BOOST_TEST(rep.dominant_cases == 2 * 4 * 3);
    BOOST_TEST(rep.dominant_at_one_h == 0);
    BOOST_TEST(rep.dominant_at_one_ln == 0);
    BOOST_TEST(rep.dominant_tie_h == 0);
    for (const auto& h : rep.heads_spectra) BOOST_TEST(h.eig_h.size() == 4u);
    for (const auto& l : rep.smoothing) BOOST_TEST(std::isfinite(l.dirichlet));
}

// Ties are their own category (old code: the first pair, lambda_A = 1, "DC dominant").
BOOST_AUTO_TEST_CASE(ties_are_their_own_category) {
    const std::vector<Complex> ea{1.0, 0.5};
    const auto t = diag::dominant_pair(ea, {0.0, -0.5});  // |1 + 1 * 0| = |1 + 0.5 * 0| = 1 on top
    BOOST_TEST((t.category == Dominance::Tie));
    BOOST_TEST(!t.at_one);
    BOOST_TEST(t.growth_dc == 1.0);
    BOOST_TEST(t.growth_hf == 1.0);
    const auto d = diag::dominant_pair(ea, {0.5});
    BOOST_TEST((d.category == Dominance::DC));
    BOOST_TEST(d.growth == 1.5);
    const auto h = diag::dominant_pair(ea, {-0.5});
    BOOST_TEST((h.category == Dominance::HF));
    BOOST_TEST(h.growth == 0.75);
    BOOST_TEST(std::string(diag::dominance_name(Dominance::Tie)) == "tie");
}

// The HS non-trivial eigenvalues of a standard head are the nonzero ones of the (C, C) H_h, and
// likewise for P diag(gamma) H_h.
BOOST_AUTO_TEST_CASE(standard_head_nontrivial_spectrum) {
    Generator g(4);
    const std::int64_t C = 6, NH = 2, HS = 3;
    nn::AttentionConfig cfg;
    nn::MultiHeadSelfAttention attn(cfg, {.dim = C, .heads = NH, .gen = &g});
    const auto ops = diag::layer_operators(attn);
    BOOST_TEST(ops.h_operator == "eig(W_O^h W_V^h) (HS x HS)");
    std::vector<Tensor> Hs;  // H_h = W_V^h W_O^h in float64, from the float64 factors
    for (const auto& f : ops.heads) Hs.push_back(matmul(f.left, f.right));
    for (std::int64_t h = 0; h < NH; ++h)  // the same operators nn::head_operators gives (in float32)
        BOOST_TEST(test::max_abs_diff(nn::head_operators(attn)[h].to(kFloat64), Hs[h]) < 1e-6);
    const Tensor gamma = Tensor::from_vector(std::vector<double>{1.0, -0.5, 2.0, 0.7, 1.3, -1.1}, {C});
    for (std::int64_t h = 0; h < NH; ++h) {
        for (bool ln : {false, true}) {
            const auto full = diag::eigenvalues(ln ? diag::ln_operator(Hs[h], gamma) : Hs[h]);
            const auto nt = ln ? diag::ln_nontrivial_eigenvalues(ops.heads[h], gamma) : ops.eig_h[h];
            BOOST_REQUIRE_EQUAL(nt.size(), static_cast<std::size_t>(HS));
            for (std::int64_t i = 0; i < HS; ++i) BOOST_TEST(std::abs(full[i] - nt[i]) < 1e-9);
            for (std::int64_t i = HS; i < C; ++i) BOOST_TEST(std::abs(full[i]) < 1e-9);  // the structural zeros
        }
        // H_h = L R, and the rank-HS SVD factors of H_h give the same non-trivial spectrum
        BOOST_TEST(test::max_abs_diff(matmul(ops.heads[h].left, ops.heads[h].right), Hs[h]) < 1e-12);
        const auto f = diag::low_rank_factors(Hs[h], HS);
        BOOST_TEST(test::max_abs_diff(matmul(f.left, f.right), Hs[h]) < 1e-9);
        const auto e = diag::eigenvalues(matmul(f.right, f.left));
        for (std::int64_t i = 0; i < HS; ++i) BOOST_TEST(std::abs(e[i] - ops.eig_h[h][i]) < 1e-9);
    }
}

// Spectral-sharpen, 2 heads of rank 3, fixed causal A: the layer's growth rate (power iteration)
// is the largest per-head |1 + lambda_A lambda_H| over the non-trivial spectra, below 1; the
// structural zeros would have said 1.
BOOST_AUTO_TEST_CASE(spectral_growth_matches_power_iteration) {
    Generator g(8);
    const std::int64_t C = 6, NH = 2, T = 3;
    nn::SpectralAttention attn(causal_config("spectral-sharpen"), {.dim = C, .heads = NH, .gen = &g},
                               nn::SpectralMode::Sharpen);
    attn.qk->weight.zero_();
    const std::vector<float> psi2{0.9f, 0.5f, 0.3f, 0.7f, 0.1f, 0.6f};
    for (std::int64_t i = 0; i < C; ++i) attn.psi.data<float>()[i] = std::sqrt(psi2[i]);
    const Tensor A = probs_of(1, NH, T, [](auto, auto, auto i, auto j) { return j <= i ? 1.0 / (i + 1) : 0.0; });
    const auto ea = eig_a(A);
    const auto ops = diag::layer_operators(attn);
    double want = 0;
    for (const auto& eh : ops.eig_h) want = std::max(want, diag::dominant_pair(ea, eh, ops.growth).growth);
    BOOST_TEST(want == 1.0 - 0.1 / 3, boost::test_tools::tolerance(1e-6));
    nn::AttentionContext ctx;
    ctx.layer_index = 1;
    const double got = power_iteration_growth(attn, ctx, T, C, 1500, g);
    BOOST_TEST(got == want, boost::test_tools::tolerance(1e-4));
    const auto rep = diag::analyse_blocks({block(attn, C, A)});
    BOOST_TEST(rep.dominant_at_one_h == 0);
    BOOST_TEST(rep.dominant_hf_h == NH);
}

// NeuTRENO at layer >= 1: X + (A - alpha I) X H + alpha V^0 W_O, growth 1 + (lambda_A - alpha) lambda_H.
// A positive H (8, 2, 1, 0.5) with alpha = 0.8 and causal A: the high-frequency pair
// (lambda_A = 1/6, lambda_H = 8) grows by |1 - 0.633 * 8| = 4.07 > 2.6 for the DC mode. The
// plain formula (old code) says DC (1 + 8 = 9): "smoothing".
BOOST_AUTO_TEST_CASE(neutreno_growth_from_its_own_operator) {
    Generator g(13);
    const std::int64_t C = 4, T = 6;
    nn::AttentionConfig cfg = causal_config("neutreno", {{"alpha", 0.8}});
    nn::NeutrenoAttention attn(cfg, {.dim = C, .heads = 1, .layer_index = 1, .gen = &g});
    set_symmetric_head(attn, {8.0, 2.0, 1.0, 0.5}, g);
    const Tensor A = probs_of(2, 1, T, [](auto, auto, auto i, auto j) { return j <= i ? 1.0 / (i + 1) : 0.0; });
    const auto ea = eig_a(A);
    const auto ops = diag::layer_operators(attn);
    BOOST_TEST(ops.growth.shift == 0.8, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(ops.growth.formula.find("lambda_A - 0.8") != std::string::npos);
    const auto dp = diag::dominant_pair(ea, ops.eig_h[0], ops.growth);
    BOOST_TEST((dp.category == Dominance::HF));
    BOOST_TEST(dp.growth == std::abs(1.0 + (1.0 / 6 - 0.8) * 8.0), boost::test_tools::tolerance(1e-5));
    BOOST_TEST(dp.growth_dc == 1.0 + 0.2 * 8.0, boost::test_tools::tolerance(1e-5));
    // the plain formula would call it DC-dominant
    BOOST_TEST((diag::dominant_pair(ea, ops.eig_h[0]).category == Dominance::DC));

    nn::AttentionContext ctx;
    ctx.layer_index = 1;
    ctx.v_first = Tensor::randn({1, 1, T, C}, g);  // V^0: an input, not part of the layer's map
    BOOST_TEST(power_iteration_growth(attn, ctx, T, C, 400, g) == dp.growth, boost::test_tools::tolerance(1e-4));

    const auto rep = diag::analyse_blocks({block(attn, C, A)});
    BOOST_TEST(rep.dominant_cases == 2);
    BOOST_TEST(rep.dominant_at_one_h == 0);
    BOOST_TEST(rep.dominant_hf_h == 2);
    BOOST_TEST(rep.operators[0].kind == "neutreno");
}

// ResFormer at layer >= 1: X + lambda2 A X H + lambda1 A V^0 W_O, growth 1 + lambda2 lambda_A lambda_H.
BOOST_AUTO_TEST_CASE(resformer_growth_from_its_own_operator) {
    Generator g(17);
    const std::int64_t C = 4, T = 5;
    nn::AttentionConfig cfg = causal_config("resformer", {{"lambda1", 0.7}, {"lambda2", 0.3}});
    nn::ResFormerAttention attn(cfg, {.dim = C, .heads = 1, .layer_index = 1, .gen = &g});
    set_symmetric_head(attn, {-10.0, -2.0, 1.0, 0.5}, g);
    const Tensor A = probs_of(1, 1, T, [](auto, auto, auto i, auto j) { return j <= i ? 1.0 / (i + 1) : 0.0; });
    const auto ops = diag::layer_operators(attn);
    BOOST_TEST(ops.growth.scale == 0.3, boost::test_tools::tolerance(1e-12));
    const auto dp = diag::dominant_pair(eig_a(A), ops.eig_h[0], ops.growth);
    BOOST_TEST(dp.growth == std::abs(1.0 - 0.3 * 10.0), boost::test_tools::tolerance(1e-5));
    nn::AttentionContext ctx;
    ctx.layer_index = 1;
    ctx.v_first = Tensor::randn({1, 1, T, C}, g);
    BOOST_TEST(power_iteration_growth(attn, ctx, T, C, 300, g) == dp.growth, boost::test_tools::tolerance(1e-4));
    // the plain formula's top growth |1 - 10| = 9 is not this layer's
    BOOST_TEST(std::abs(diag::dominant_pair(eig_a(A), ops.eig_h[0]).growth - dp.growth) > 1.0);
}

// Layer 0 of NeuTRENO / ResFormer is standard attention; svformer layers >= 1 have no H.
BOOST_AUTO_TEST_CASE(first_layers_and_svformer) {
    Generator g(3);
    const std::int64_t C = 4, NH = 2, B = 3, T = 4;
    nn::NeutrenoAttention n0(causal_config("neutreno"), {.dim = C, .heads = NH, .layer_index = 0, .gen = &g});
    BOOST_TEST(diag::layer_operators(n0).growth.formula == "1 + lambda_A lambda_H");
    nn::ResFormerAttention r0(causal_config("resformer"), {.dim = C, .heads = NH, .layer_index = 0, .gen = &g});
    BOOST_TEST(diag::layer_operators(r0).growth.formula == "1 + lambda_A lambda_H");

    auto sv = nn::make_svformer(causal_config("svformer"), {.dim = C, .heads = NH, .layer_index = 1, .gen = &g});
    const auto ops = diag::layer_operators(*sv);
    BOOST_TEST(!ops.growth.applicable);
    BOOST_TEST(ops.growth.reason.find("V^0") != std::string::npos);
    const auto rep = diag::analyse_blocks({block(*sv, C, random_softmax(B, NH, T, true, g))});
    BOOST_TEST(rep.dominant_cases == 0);
    BOOST_TEST(rep.dominant_not_applicable == B * NH);
    BOOST_REQUIRE_EQUAL(rep.attention.size(), static_cast<std::size_t>(NH));
    BOOST_TEST(!rep.attention[0].applicable);
    const auto sum = diag::layer_summaries(rep);
    BOOST_REQUIRE_EQUAL(sum.size(), 1u);
    BOOST_TEST(sum[0].growth.rfind("n/a: ", 0) == 0);
    BOOST_TEST(std::isnan(sum[0].eig_min));
    BOOST_TEST(sum[0].dominant_h.total() == 0);
}

// diag::layer_summaries: the per-layer record for results files.
BOOST_AUTO_TEST_CASE(layer_summaries_ranges_and_gain_signs) {
    Generator g(5);
    const std::int64_t C = 6, NH = 2, B = 2, T = 4;
    nn::SpectralAttention attn(causal_config("spectral-sharpen"), {.dim = C, .heads = NH, .gen = &g},
                               nn::SpectralMode::Sharpen);
    const auto lam = attn.eigenvalues().to_vector<double>();
    diag::BlockInput bi{&attn, Tensor::from_vector(std::vector<float>{1, -1, 1, 1, -2, 1}, {C}),
                        Tensor::from_vector(std::vector<float>{-1, 1, 1, 1, 1, 1}, {C}),
                        random_softmax(B, NH, T, true, g)};
    const auto sum = diag::layer_summaries(diag::analyse_blocks({bi, bi}));
    BOOST_REQUIRE_EQUAL(sum.size(), 2u);
    BOOST_TEST(sum[1].layer == 1);
    BOOST_TEST(sum[0].eig_min == *std::min_element(lam.begin(), lam.end()), boost::test_tools::tolerance(1e-12));
    BOOST_TEST(sum[0].eig_max == *std::max_element(lam.begin(), lam.end()), boost::test_tools::tolerance(1e-12));
    BOOST_TEST(sum[0].eig_max_abs_imag == 0.0);
    BOOST_TEST(sum[0].negative_gain_share_norm1 == 2.0 / 6, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(sum[0].negative_gain_share_norm2 == 1.0 / 6, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(sum[0].dominant_h.total() == B * NH);
    BOOST_TEST(sum[0].kind == "spectral-sharpen");
    const auto j = diag::to_json(sum);
    BOOST_TEST(j.size() == 2u);
    BOOST_TEST(j[0]["dominant_h"]["cases"].get<std::int64_t>() == B * NH);
    BOOST_TEST(j[0]["growth"].get<std::string>() == "1 + lambda_A lambda_H");
}

BOOST_AUTO_TEST_SUITE_END()
