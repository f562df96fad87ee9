// spectral-rotate (nn/attention_rotate.hpp): names, shapes and init; float64 gradchecks of
// rotation_blocks and of the layer through every parameter and the input (even and odd head
// sizes, causal, clipped, and a 2-block stack); each head's spectrum r e^{+-i phi} checked with
// Eigen on the (C, C) operator; head_operators() tied to the forward pass; the matched init; the
// option parser and the checkpoint round trip (config and weights, timm names).
#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

#include "../data/tmpdir.hpp"
#include "attention_fixture.hpp"
#include "prism/autograd/functions.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/models/attention_spec.hpp"
#include "prism/models/gpt.hpp"
#include "prism/models/vit.hpp"
#include "prism/nn.hpp"

using namespace prism;

namespace {

constexpr double kPi = std::numbers::pi;

using test::names_of;
using test::to_eigen;

// Gradcheck of one layer through x (from seed 71) and every parameter.
void check_layer(const std::shared_ptr<nn::Attention>& a, std::int64_t C) { test::check_attention_layer(a, C, 71); }

nn::AttentionConfig rotate_cfg(std::map<std::string, double> params = {}, bool causal = false) {
    nn::AttentionConfig c;
    c.kind = "spectral-rotate";
    c.params = std::move(params);
    c.causal = causal;
    return c;
}

std::shared_ptr<nn::RotateAttention> make_rotate(std::int64_t C, std::int64_t NH, const nn::AttentionConfig& cfg,
                                                 bool f64 = true) {
    auto a = std::dynamic_pointer_cast<nn::RotateAttention>(nn::make_attention(cfg, C, NH, 0));
    BOOST_REQUIRE(a);
    if (f64) a->to(kFloat64);
    return a;
}

// The HS expected eigenvalues of head h from r and phi (pairs r e^{+-i phi}; odd HS: r cos phi).
std::vector<std::complex<double>> expected_eigs(const nn::RotateAttention& a, std::int64_t h) {
    const auto r = a.magnitudes().to_vector<double>(), phi = a.phi.to_vector<double>();
    std::vector<std::complex<double>> e;
    for (std::int64_t k = 0; k < a.slots; ++k) {
        const std::size_t p = static_cast<std::size_t>(h * a.slots + k);
        if (2 * k + 1 < a.head_size) {
            e.push_back(std::polar(r[p], phi[p]));
            e.push_back(std::polar(r[p], -phi[p]));
        } else {
            e.emplace_back(r[p] * std::cos(phi[p]), 0.0);
        }
    }
    return e;
}

// Each expected eigenvalue is matched (and used up) by one computed within tol.
void check_same_multiset(std::vector<std::complex<double>> got, const std::vector<std::complex<double>>& want,
                         double tol, const std::string& what) {
    for (const auto& w : want) {
        auto it = std::min_element(got.begin(), got.end(),
                                   [&](const auto& a, const auto& b) { return std::abs(a - w) < std::abs(b - w); });
        BOOST_REQUIRE(it != got.end());
        BOOST_TEST(std::abs(*it - w) < tol, what << ": " << w << " nearest " << *it);
        got.erase(it);
    }
}

// ||H||_2 from Eigen's SVD (independent of nn::spectral_norm).
double norm2(const Tensor& h) {
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(to_eigen(h.to(kFloat64)));
    return svd.singularValues()(0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nn_attention_rotate)

BOOST_AUTO_TEST_CASE(registered_with_names_shapes_and_init) {
    const auto kinds = nn::attention_kinds();
    BOOST_TEST((std::find(kinds.begin(), kinds.end(), "spectral-rotate") != kinds.end()));
    manual_seed(80);
    for (const auto& [C, NH, K] : std::vector<std::array<std::int64_t, 3>>{{12, 3, 2}, {15, 3, 3}, {8, 8, 1}}) {
        auto a = make_rotate(C, NH, rotate_cfg(), false);
        BOOST_TEST(a->kind() == "spectral-rotate");
        BOOST_TEST(a->slots == K);
        BOOST_TEST((names_of(*a) == std::vector<std::string>{"theta", "psi", "phi", "qk.weight", "qk.bias"}));
        BOOST_TEST((a->theta.shape() == Shape{C, C}));
        BOOST_TEST((a->psi.shape() == Shape{NH * K}));
        BOOST_TEST((a->phi.shape() == Shape{NH * K}));
        for (double v : a->theta.to_vector<double>()) BOOST_TEST(std::fabs(v) <= 1 / std::sqrt(double(C)));
        for (double v : a->psi.to_vector<double>()) BOOST_TEST((v >= 0 && v < 1));
        for (double v : a->phi.to_vector<double>()) BOOST_TEST((v >= 0 && v < kPi));
    }
    test::check_error([] { make_rotate(12, 3, rotate_cfg({{"clip_lo", 0.0}})); }, {"spectral-rotate", "clip_hi"});
    test::check_error([] { make_rotate(12, 3, rotate_cfg({{"clip_lo", -0.5}, {"clip_hi", 1.0}})); },
                      {"spectral-rotate", "--rotate-clip", "a finite number >= 0"});  // the registered range
    test::check_error([] { make_rotate(12, 3, rotate_cfg({{"clip_lo", 0.5}, {"clip_hi", 0.2}})); }, {"[0.5, 0.2]"});
    test::check_error([] { make_rotate(12, 5, rotate_cfg()); }, {"spectral-rotate", "12", "5"});
}

// B (C, C) from r, phi: the documented layout, and its custom backward against finite differences.
BOOST_AUTO_TEST_CASE(rotation_blocks_layout_and_gradcheck) {
    const Tensor r = Tensor::from_vector(std::vector<double>{2.0, 0.5, 3.0, 1.5}, {4});
    const Tensor phi = Tensor::from_vector(std::vector<double>{kPi / 2, kPi, kPi / 3, 0.25}, {4});
    // 2 heads of size 3: per head a 2x2 slot (columns 0, 1) and a 1x1 slot (column 2)
    const auto b = nn::rotation_blocks(r, phi, 2, 3).to_vector<double>();
    auto at = [&](int i, int j) { return b[static_cast<std::size_t>(i * 6 + j)]; };
    BOOST_TEST(std::fabs(at(0, 0)) < 1e-15);
    BOOST_TEST(at(0, 1) == -2.0, boost::test_tools::tolerance(1e-15));  // r [[c, -s], [s, c]], phi = pi / 2
    BOOST_TEST(at(1, 0) == 2.0, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(at(2, 2) == -0.5, boost::test_tools::tolerance(1e-15));  // 1x1: r cos(pi)
    BOOST_TEST(at(3, 3) == 1.5, boost::test_tools::tolerance(1e-14));   // 3 cos(pi / 3)
    BOOST_TEST(at(4, 3) == 3.0 * std::sin(kPi / 3), boost::test_tools::tolerance(1e-14));
    BOOST_TEST(at(5, 5) == 1.5 * std::cos(0.25), boost::test_tools::tolerance(1e-14));
    double off = 0;  // nothing outside the blocks
    for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j) {
            const bool in_pair = (i / 3 == j / 3) && (i % 3 < 2) && (j % 3 < 2);
            if (!in_pair && i != j) off = std::max(off, std::fabs(at(i, j)));
        }
    BOOST_TEST(off == 0.0);

    for (const auto& [NH, HS] : std::vector<std::pair<std::int64_t, std::int64_t>>{{2, 3}, {2, 4}, {1, 1}}) {
        const std::int64_t P = NH * ((HS + 1) / 2);
        Tensor rr = test::leaf64({P}, 90 + HS), pp = test::leaf64({P}, 91 + HS);
        CHECK_GRAD([&](const std::vector<Tensor>& in) { return nn::rotation_blocks(in[0], in[1], NH, HS); },
                   (std::vector<Tensor>{rr, pp}));
    }
    test::check_error([] { nn::rotation_blocks(Tensor::zeros({3}), Tensor::zeros({3}), 2, 4); },
                      {"rotation_blocks", "(3)", "(4)"});
}

BOOST_AUTO_TEST_CASE(gradcheck_layer_through_qr_and_blocks) {
    manual_seed(81);
    check_layer(make_rotate(8, 2, rotate_cfg()), 8);                  // HS 4: two pairs per head
    check_layer(make_rotate(9, 3, rotate_cfg({}, true)), 9);          // HS 3: a pair and a 1x1 slot, causal
    auto clipped = make_rotate(8, 2, rotate_cfg({{"clip_lo", 0.1}, {"clip_hi", 0.6}}));
    // r = psi^2 of 0.01 and 0.9 are clipped (zero gradient), the others are well inside
    clipped->psi.copy_(Tensor::from_vector(std::vector<double>{0.1, 0.5, 0.95, 0.6}, {4}));
    check_layer(clipped, 8);
}

BOOST_AUTO_TEST_CASE(gradcheck_two_block_stack) {
    manual_seed(82);
    // per block: 2 norms x 2 + attention 5 + mlp 4
    test::check_two_block_stack(rotate_cfg(), 6, 2, 83, 2u * 13u);
}

// The (C, C) operator of every head, from Eigen's general eigen-solver: r e^{+-i phi} per pair
// (r cos phi for the 1x1 slot of an odd head) and C - HS zeros; V_H orthogonal; ||H_h||_2 = max r.
BOOST_AUTO_TEST_CASE(head_spectra_are_the_rotation_pairs) {
    manual_seed(84);
    for (const auto& [C, NH] : std::vector<std::pair<std::int64_t, std::int64_t>>{{12, 3}, {15, 3}}) {
        auto a = make_rotate(C, NH, rotate_cfg({{"clip_lo", 0.05}, {"clip_hi", 0.8}}));
        const Eigen::MatrixXd V = to_eigen(a->basis());
        BOOST_TEST((V.transpose() * V - Eigen::MatrixXd::Identity(C, C)).cwiseAbs().maxCoeff() < 1e-12);
        const auto H = a->head_operators();
        BOOST_REQUIRE(static_cast<std::int64_t>(H.size()) == NH);
        const auto r = a->magnitudes().to_vector<double>();
        for (std::int64_t h = 0; h < NH; ++h) {
            Eigen::EigenSolver<Eigen::MatrixXd> es(to_eigen(H[h]), false);
            std::vector<std::complex<double>> got(es.eigenvalues().data(), es.eigenvalues().data() + C);
            auto want = expected_eigs(*a, h);
            BOOST_TEST(std::count_if(want.begin(), want.end(), [](auto e) { return std::abs(e.imag()) > 1e-3; }) >= 2);
            want.resize(static_cast<std::size_t>(C), 0.0);  // the structural zeros
            check_same_multiset(got, want, 1e-8, "head " + std::to_string(h));
            double rmax = 0;
            for (std::int64_t k = 0; k < a->slots; ++k) {
                const double rk = r[static_cast<std::size_t>(h * a->slots + k)];
                BOOST_TEST((rk >= 0.05 - 1e-15 && rk <= 0.8 + 1e-15));
                const bool pair = 2 * k + 1 < a->head_size;
                const double phi = a->phi.to_vector<double>()[static_cast<std::size_t>(h * a->slots + k)];
                rmax = std::max(rmax, pair ? rk : rk * std::fabs(std::cos(phi)));
            }
            BOOST_TEST(norm2(H[h]) == rmax, boost::test_tools::tolerance(1e-10));
        }
    }
}

// With one token the attention matrix is 1, so attn(x) - attn(0) = x @ sum_h H_h.
BOOST_AUTO_TEST_CASE(head_operators_match_the_forward_pass) {
    manual_seed(85);
    for (std::int64_t C : {12, 15}) {
        auto a = make_rotate(C, 3, rotate_cfg());
        const auto H = a->head_operators();
        Tensor sum_h = H[0] + H[1] + H[2];
        Generator g(86);
        Tensor x = Tensor::randn({2, 1, C}, g, kFloat64);
        nn::AttentionContext c1, c2;
        NoGradGuard ng;
        Tensor y = a->forward(x, c1) - a->forward(Tensor::zeros({2, 1, C}, kFloat64), c2);
        BOOST_TEST(test::max_abs_diff(y, matmul(x, sum_h)) < 1e-12, "C " << C);
        BOOST_TEST(nn::head_operators(*a).size() == 3u);  // through the HeadOperators interface
    }
}

// The matched init scales r only: every head reaches the target norm, eigenvectors and angles
// unchanged; with a clip the largest unclipped r is the target (as the spectral kinds' Lambda).
BOOST_AUTO_TEST_CASE(matched_init_scales_the_magnitudes) {
    for (std::int64_t C : {24, 27}) {
        manual_seed(87);
        auto a = make_rotate(C, 3, rotate_cfg(), false);
        const auto before = a->head_operators();
        const auto phi_before = a->phi.to_vector<double>();
        BOOST_TEST(nn::match_head_norms(*a, 0.3) == 3);
        const auto after = a->head_operators();
        for (std::size_t h = 0; h < 3; ++h) {
            BOOST_TEST(std::fabs(norm2(after[h]) - 0.3) < 2e-6, "C " << C << " head " << h << ": " << norm2(after[h]));
            BOOST_TEST(test::max_abs_diff(after[h], mul(before[h], 0.3 / norm2(before[h]))) < 1e-6);
        }
        BOOST_TEST(a->phi.to_vector<double>() == phi_before, boost::test_tools::per_element());
    }
    manual_seed(88);
    auto c = make_rotate(24, 3, rotate_cfg({{"clip_lo", 0.0}, {"clip_hi", 0.2}}), false);
    nn::match_head_norms(*c, 0.3);
    for (std::int64_t h = 0; h < 3; ++h) BOOST_TEST(c->unclipped_head_norm(h) == 0.3, boost::test_tools::tolerance(1e-6));
    for (const auto& H : c->head_operators()) BOOST_TEST(norm2(H) == 0.2, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(parse_options_and_config_round_trip) {
    using models::parse_attention_options;
    const auto s = parse_attention_options("spectral-rotate", {{"rotate-clip", "0,1.5"}}, "1,3");
    BOOST_TEST(s.kind == "spectral-rotate");
    BOOST_TEST((s.pair("clip") == std::make_pair(0.0, 1.5)));
    BOOST_TEST(s.for_layer(1, false, true).param("clip_hi", 9) == 1.5);
    BOOST_TEST(s.for_layer(0, false, true).kind == "standard");
    BOOST_TEST(parse_attention_options("spectral-rotate").params.empty());
    const auto back = models::AttentionSpec::from_json(nlohmann::json::parse(s.to_json().dump()));
    BOOST_TEST((back.kind == s.kind && back.params == s.params && back.layers == s.layers));
    BOOST_TEST(nn::attention_kind("spectral-sharpen").param("spectral-clip"));
    BOOST_TEST(!nn::attention_kind("spectral-rotate").param("spectral-clip"));
    test::check_error([] { parse_attention_options("spectral-rotate", {{"spectral-clip", "-1,0"}}); },
                      {"--spectral-clip", "--rotate-clip"});
    test::check_error([] { parse_attention_options("spectral-sharpen", {{"rotate-clip", "0,1"}}); },
                      {"--rotate-clip", "spectral-sharpen"});
    for (const char* bad : {"-1,0", "1,0", "0,inf", "0,x", "1"})
        test::check_error([&] { parse_attention_options("spectral-rotate", {{"rotate-clip", bad}}); }, {"--rotate-clip"});
}

// A ViT and a GPT with spectral-rotate: timm / nanoGPT-style names, and a checkpoint rebuilds the
// model (config with the clip, weights) with identical outputs.
BOOST_AUTO_TEST_CASE(checkpoint_round_trip_and_names) {
    test::TmpDir dir;
    models::ViTConfig cfg = models::ViTConfig::preset("vit-micro");
    cfg.image_size = 8; cfg.patch_size = 4; cfg.dim = 12; cfg.depth = 2; cfg.heads = 2; cfg.mlp_dim = 16;
    cfg.num_classes = 3;
    cfg.attention = models::parse_attention_options("spectral-rotate", {{"rotate-clip", "0.1,0.9"}});
    Generator g(5);
    models::ViT model(cfg, &g);
    const auto params = model.named_parameters();
    std::vector<std::string> names;
    for (auto& [n, p] : params) names.push_back(n);
    for (const char* n : {"blocks.1.attn.theta", "blocks.1.attn.psi", "blocks.1.attn.phi", "blocks.1.attn.qk.weight"})
        BOOST_TEST((std::find(names.begin(), names.end(), n) != names.end()), n);
    const std::string path = dir / "rotate.safetensors";
    io::save_checkpoint(path, model, cfg.to_json());
    const io::Checkpoint c = io::load_checkpoint(path);
    const auto back_cfg = models::ViTConfig::from_json(c.config);
    BOOST_TEST(back_cfg.attention.kind == "spectral-rotate");
    BOOST_TEST((back_cfg.attention.pair("clip") == cfg.attention.pair("clip")));
    models::ViT back(back_cfg);
    back.load_state_dict(c.model);
    Generator gi(6);
    const Tensor x = Tensor::randn({2, 1, 8, 8}, gi);
    NoGradGuard ng;
    model.eval();
    back.eval();
    BOOST_TEST(test::max_abs_diff(model.forward(x), back.forward(x)) == 0.0);

    models::GPTConfig gc;
    gc.vocab_size = 11; gc.context_length = 8; gc.dim = 12; gc.heads = 2; gc.depth = 1; gc.mlp_dim = 16;
    gc.attention.kind = "spectral-rotate";
    models::GPT gpt(gc);
    std::vector<std::string> gnames;
    for (auto& [n, p] : gpt.named_parameters()) gnames.push_back(n);
    for (const char* n : {"transformer.h.0.attn.theta", "transformer.h.0.attn.psi", "transformer.h.0.attn.phi"})
        BOOST_TEST((std::find(gnames.begin(), gnames.end(), n) != gnames.end()), n);
}

BOOST_AUTO_TEST_SUITE_END()
