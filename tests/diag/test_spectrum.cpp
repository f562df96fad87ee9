#include <Eigen/Dense>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../data/tmpdir.hpp"
#include "../helpers.hpp"
#include "../models/tiny_vit.hpp"
#include "prism/autograd/functions.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/diag/head_operators.hpp"
#include "prism/nn/attention_kinds.hpp"
#include "prism/diag/report.hpp"
#include "prism/diag/spectrum.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/models/vit.hpp"

using namespace prism;
using diag::Complex;

namespace {

Tensor from_eigen(const Eigen::MatrixXd& m) {
    Tensor t = Tensor::empty({m.rows(), m.cols()}, kFloat64);
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j) t.data<double>()[i * m.cols() + j] = m(i, j);
    return t;
}

nn::AttentionConfig std_config(bool bias) {
    nn::AttentionConfig c;
    c.qkv_bias = bias;
    return c;
}

std::vector<Complex> eigs_of(const Eigen::MatrixXd& m) { return diag::eigenvalues(from_eigen(m)); }

}  // namespace

BOOST_AUTO_TEST_SUITE(diag_spectrum)

BOOST_AUTO_TEST_CASE(eigenvalues_symmetric_and_rotation) {
    Eigen::MatrixXd r = Eigen::MatrixXd::Random(7, 7);
    Eigen::MatrixXd s = r + r.transpose();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> ref(s);
    auto e = eigs_of(s);
    std::vector<double> got, want(ref.eigenvalues().data(), ref.eigenvalues().data() + 7);
    for (auto& c : e) {
        BOOST_TEST(std::abs(c.imag()) < 1e-12);
        got.push_back(c.real());
    }
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    for (int i = 0; i < 7; ++i) BOOST_TEST(got[i] == want[i], boost::test_tools::tolerance(1e-10));
    // sorted by modulus, largest first
    for (std::size_t i = 1; i < e.size(); ++i) BOOST_TEST(std::abs(e[i - 1]) >= std::abs(e[i]));

    const double th = 0.7;
    Eigen::MatrixXd rot(2, 2);
    rot << std::cos(th), -std::sin(th), std::sin(th), std::cos(th);
    auto er = eigs_of(2.0 * rot);
    BOOST_REQUIRE_EQUAL(er.size(), 2u);
    BOOST_TEST(er[0].real() == 2 * std::cos(th), boost::test_tools::tolerance(1e-12));
    BOOST_TEST(er[0].imag() == 2 * std::sin(th), boost::test_tools::tolerance(1e-12));  // +im first on ties
    BOOST_TEST(er[1].imag() == -2 * std::sin(th), boost::test_tools::tolerance(1e-12));
    test::check_error([] { diag::eigenvalues(Tensor::zeros({2, 3})); }, {"eigenvalues", "(2, 3)"});
}

BOOST_AUTO_TEST_CASE(dominant_pair_hand_built) {
    Eigen::MatrixXd A(2, 2);  // row-stochastic, eigenvalues 1 and 0.1
    A << 0.55, 0.45, 0.45, 0.55;
    const auto ea = eigs_of(A);
    BOOST_TEST(std::abs(ea[0] - 1.0) < 1e-12);
    BOOST_TEST(std::abs(ea[1] - 0.1) < 1e-12);
    // positive spectrum: the DC mode (lambda_A = 1) dominates
    Eigen::MatrixXd hp = Eigen::Vector3d(0.5, 2.0, 0.1).asDiagonal();
    auto dp = diag::dominant_pair(ea, eigs_of(hp));
    BOOST_TEST(dp.at_one);
    BOOST_TEST(dp.growth == 3.0, boost::test_tools::tolerance(1e-12));
    // spectrum in [-1, 0) and a small second eigenvalue of A: a high-frequency pair dominates
    Eigen::MatrixXd hn = Eigen::Vector3d(-0.5, -1.0, -0.25).asDiagonal();
    auto dn = diag::dominant_pair(ea, eigs_of(hn));
    BOOST_TEST(!dn.at_one);
    BOOST_TEST(std::abs(dn.lambda_a - 0.1) < 1e-12);
    BOOST_TEST(dn.growth == 1.0 - 0.1 * 0.25, boost::test_tools::tolerance(1e-12));
    // well below -1 the DC mode wins again: |1 - 3| > |1 - 0.3|
    auto d3 = diag::dominant_pair(ea, {Complex(-3.0, 0)});
    BOOST_TEST(d3.at_one);
}

BOOST_AUTO_TEST_CASE(standard_head_operators_match_weights_and_layer) {
    Generator g(11);
    const std::int64_t C = 6, NH = 2, HS = 3, T = 5;
    nn::MultiHeadSelfAttention attn(std_config(false), {.dim = C, .heads = NH, .gen = &g});
    std::vector<Tensor> Hs;
    for (const auto& H : nn::head_operators(attn)) Hs.push_back(H.to(kFloat64));
    BOOST_REQUIRE_EQUAL(Hs.size(), 2u);
    const auto W = attn.qkv->weight.to_vector<double>();  // (3C, C)
    const auto O = attn.proj->weight.to_vector<double>();  // (C, C)
    for (std::int64_t h = 0; h < NH; ++h) {
        // slow loop: H[i][j] = sum_k W_v[h HS + k][i] * W_o[j][h HS + k]
        double worst = 0;
        for (std::int64_t i = 0; i < C; ++i)
            for (std::int64_t j = 0; j < C; ++j) {
                double s = 0;
                for (std::int64_t k = 0; k < HS; ++k) s += W[(2 * C + h * HS + k) * C + i] * O[j * C + h * HS + k];
                worst = std::max(worst, std::abs(s - Hs[h].data<double>()[i * C + j]));
            }
        BOOST_TEST(worst < 1e-6);
    }
    const auto shared = diag::head_operators_of(attn);
    BOOST_REQUIRE_EQUAL(shared.size(), 2u);
    for (std::int64_t h = 0; h < NH; ++h) BOOST_TEST(test::max_abs_diff(shared[h].to(kFloat64), Hs[h]) < 1e-12);

    // zero queries and keys -> uniform attention: out = mean token @ sum_h H_h + proj.bias
    attn.qkv->weight.narrow(0, 0, 2 * C).detach().zero_();
    Tensor x = Tensor::randn({2, T, C}, g);
    Tensor out;
    {
        NoGradGuard ng;
        nn::AttentionContext ctx;
        attn.eval();
        out = attn.forward(x, ctx);
    }
    const auto xv = x.to_vector<double>(), ov = out.to_vector<double>(), bv = attn.proj->bias.to_vector<double>();
    double worst = 0;
    for (std::int64_t b = 0; b < 2; ++b) {
        std::vector<double> mean(C, 0.0);
        for (std::int64_t t = 0; t < T; ++t)
            for (std::int64_t c = 0; c < C; ++c) mean[c] += xv[(b * T + t) * C + c] / T;
        for (std::int64_t j = 0; j < C; ++j) {
            double want = bv[j];
            for (std::int64_t i = 0; i < C; ++i)
                for (std::int64_t h = 0; h < NH; ++h) want += mean[i] * Hs[h].data<double>()[i * C + j];
            for (std::int64_t t = 0; t < T; ++t) worst = std::max(worst, std::abs(ov[(b * T + t) * C + j] - want));
        }
    }
    BOOST_TEST(worst < 1e-5);
}

BOOST_AUTO_TEST_CASE(ln_operator_explicit) {
    Eigen::MatrixXd H = Eigen::MatrixXd::Random(4, 4);
    Tensor gamma = Tensor::from_vector(std::vector<double>{1.0, -2.0, 0.5, 3.0}, {4});
    Tensor m = diag::ln_operator(from_eigen(H), gamma);
    Eigen::MatrixXd P = Eigen::MatrixXd::Identity(4, 4) - Eigen::MatrixXd::Constant(4, 4, 0.25);
    Eigen::MatrixXd want = P * Eigen::Vector4d(1.0, -2.0, 0.5, 3.0).asDiagonal() * H;
    BOOST_TEST(test::max_abs_diff(m, from_eigen(want)) < 1e-12);
}

BOOST_AUTO_TEST_CASE(analyse_blocks_counts) {
    Generator g(5);
    const std::int64_t C = 4;
    nn::MultiHeadSelfAttention attn(std_config(false), {.dim = C, .heads = 1, .gen = &g});
    // H = W_v^T W_o^T = diag(0.5, 1, 1.5, 2): positive spectrum
    attn.qkv->weight.zero_();
    attn.proj->weight.zero_();
    for (std::int64_t i = 0; i < C; ++i) {
        attn.qkv->weight.data<float>()[(2 * C + i) * C + i] = 1.0f;
        attn.proj->weight.data<float>()[i * C + i] = 0.5f * (i + 1);
    }
    Tensor probs = Tensor::full({3, 1, 5, 5}, 0.2f);  // uniform attention: eigenvalues 1, 0, ...
    diag::BlockInput bi{&attn, Tensor::from_vector(std::vector<float>{1, -1, 1, -2}, {4}), Tensor(), probs};
    auto rep = diag::analyse_blocks({bi});
    BOOST_TEST(rep.dominant_cases == 3);
    BOOST_TEST(rep.dominant_at_one_h == 3);
    BOOST_REQUIRE_EQUAL(rep.ln_gains.size(), 1u);
    BOOST_TEST(rep.ln_gains[0].negative_norm1 == 2);
    BOOST_REQUIRE_EQUAL(rep.attention.size(), 1u);
    BOOST_TEST(rep.attention[0].mean_abs_lambda2 < 1e-6);
    BOOST_TEST(rep.heads_spectra[0].eig_h[0].real() == 2.0, boost::test_tools::tolerance(1e-6));
    // negated: spectrum in [-1, 0) ... scale into [-1, -0.25]; with uniform A (lambda_2 = 0) the
    // high-frequency pairs give |1 + 0| = 1 > |1 - lambda| for the DC mode
    for (std::int64_t i = 0; i < C; ++i) attn.proj->weight.data<float>()[i * C + i] = -0.25f * (i + 1);
    auto rep2 = diag::analyse_blocks({bi});
    BOOST_TEST(rep2.dominant_at_one_h == 0);
}

BOOST_AUTO_TEST_CASE(spectrum_report_end_to_end) {
    test::TmpDir dir;
    const models::ViTConfig c = test::tiny_vit_config(3);
    Generator g(1);
    {
        models::ViT vit(c, &g);
        io::save_checkpoint(dir / "tiny.safetensors", vit, c.to_json());
    }
    // what `prism spectrum --dataset random` does after parsing its options
    auto ck = io::load_checkpoint(dir / "tiny.safetensors");
    models::ViT vit(models::ViTConfig::from_json(ck.config));
    vit.load_state_dict(ck.model);
    Tensor images = Tensor::randn({4, 1, 8, 8}, g);
    auto rep = diag::analyse_vit(vit, images);
    BOOST_TEST(rep.depth == 3);
    BOOST_TEST(rep.heads == 2);
    BOOST_TEST(rep.tokens == 5);
    BOOST_TEST(rep.smoothing.size() == 4u);
    BOOST_TEST(rep.heads_spectra.size() == 6u);
    BOOST_TEST(rep.dominant_cases == 3 * 2 * 4);
    const auto files = diag::write_spectrum_report(rep, dir / "out");
    for (const char* f : {"spectrum.json", "smoothing.csv", "eig_h.csv", "eig_ln.csv", "attention_eigs.csv",
                          "dominant_pair.csv", "layers.csv", "ln_gains.csv"})
        BOOST_TEST(std::filesystem::file_size(dir / ("out/" + std::string(f))) > 0, f);
    if (diag::gnuplot_available()) {
        BOOST_TEST(files.plots);
        for (const char* f : {"eig_h.png", "eig_ln.png", "smoothing.png"})
            BOOST_TEST(std::filesystem::file_size(dir / ("out/" + std::string(f))) > 1000, f);
    }
    std::ifstream in(dir / "out/spectrum.json");
    const auto j = nlohmann::json::parse(in);
    BOOST_TEST(j["smoothing"]["cos_sim"].size() == 4u);
    BOOST_TEST(j["heads_spectra"].size() == 6u);
    BOOST_TEST(j["heads_spectra"][0]["eig_h"].size() == 4u);  // HS non-trivial eigenvalues (C = 8, 2 heads)
    BOOST_TEST(j["layers"].size() == 3u);
    BOOST_TEST(j["layers"][0]["h_operator"].get<std::string>() == "eig(W_O^h W_V^h) (HS x HS)");
    BOOST_TEST(j["dominant_pair"]["cases"].get<int>() == 24);
    std::ifstream csv(dir / "out/eig_h.csv");
    std::string header;
    std::getline(csv, header);
    BOOST_TEST(header == "layer,head,index,re,im");
}

BOOST_AUTO_TEST_SUITE_END()
