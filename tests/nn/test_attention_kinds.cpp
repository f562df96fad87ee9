// The attention kinds of nn/attention_kinds.hpp: registry and names, float64 gradchecks through
// every parameter and the input (through the QR for the spectral kinds; 2-block stacks so the
// V^0 paths are checked), the spectra of the spectral heads (Eigen), head_operators() against
// the forward pass, and the command-line parser of models/attention_spec.hpp.
#include <algorithm>

#include "attention_fixture.hpp"
#include "prism/autograd/functions.hpp"
#include "prism/models/attention_spec.hpp"
#include "prism/nn/attention_kinds.hpp"
#include "prism/nn/attention_spectral.hpp"
#include "prism/nn.hpp"

using namespace prism;

namespace {

using test::names_of;
using test::to_eigen;

// Gradchecks of one layer (x from seed 31) and of two pre-LN blocks dim 8, 2 heads (x from seed 41).
void check_layer(const std::shared_ptr<nn::Attention>& a, std::int64_t C) { test::check_attention_layer(a, C, 31); }

void check_stack(const nn::AttentionConfig& attn, std::size_t expect_params) {
    test::check_two_block_stack(attn, 8, 2, 41, expect_params);
}

std::shared_ptr<nn::Attention> make64(const nn::AttentionConfig& cfg, std::int64_t C, std::int64_t NH,
                                      std::int64_t layer = 0) {
    auto a = nn::make_attention(cfg, C, NH, layer);
    a->to(kFloat64);
    return a;
}

nn::AttentionConfig cfg_of(const std::string& kind, std::map<std::string, double> params = {}, bool causal = false) {
    nn::AttentionConfig c;
    c.kind = kind;
    c.params = std::move(params);
    c.causal = causal;
    return c;
}

// Each head's H_h: symmetric, real eigenvalues = its Lambda slice plus C - HS zeros.
void check_spectrum(const nn::SpectralAttention& a, double lo, double hi) {
    const auto lam = a.eigenvalues().to_vector<double>();
    const auto H = nn::head_operators(a);
    BOOST_REQUIRE(static_cast<std::int64_t>(H.size()) == a.heads);
    for (std::int64_t h = 0; h < a.heads; ++h) {
        const Eigen::MatrixXd M = to_eigen(H[h]);
        BOOST_TEST((M - M.transpose()).cwiseAbs().maxCoeff() < 1e-6);
        Eigen::EigenSolver<Eigen::MatrixXd> es(M);
        std::vector<double> got, want(a.dim - a.head_size, 0.0);
        for (std::int64_t i = 0; i < a.dim; ++i) {
            BOOST_TEST(std::fabs(es.eigenvalues()[i].imag()) < 1e-9);
            got.push_back(es.eigenvalues()[i].real());
        }
        for (std::int64_t j = 0; j < a.head_size; ++j) {
            const double l = lam[h * a.head_size + j];
            BOOST_TEST(l >= lo - 1e-12);
            BOOST_TEST(l <= hi + 1e-12);
            want.push_back(l);
        }
        std::sort(got.begin(), got.end());
        std::sort(want.begin(), want.end());
        for (std::size_t i = 0; i < got.size(); ++i) BOOST_TEST(std::fabs(got[i] - want[i]) < 1e-9);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nn_attention_kinds)

BOOST_AUTO_TEST_CASE(registry_has_every_kind_with_its_names) {
    const auto kinds = nn::attention_kinds();
    for (const char* k : {"standard", "spectral-smooth", "spectral-sharpen", "spectral-free", "neutreno", "resformer",
                          "svformer"})
        BOOST_TEST((std::find(kinds.begin(), kinds.end(), k) != kinds.end()), k);
    auto s = nn::make_attention(cfg_of("spectral-sharpen"), 12, 3, 0);
    BOOST_TEST(s->kind() == "spectral-sharpen");
    BOOST_TEST((names_of(*s) == std::vector<std::string>{"theta", "psi", "qk.weight", "qk.bias"}));
    auto sp = std::dynamic_pointer_cast<nn::SpectralAttention>(s);
    BOOST_REQUIRE(sp);
    BOOST_TEST((sp->theta.shape() == Shape{12, 12}));
    for (double v : sp->theta.to_vector<double>()) BOOST_TEST(std::fabs(v) <= 1 / std::sqrt(12.0));
    for (double v : sp->psi.to_vector<double>()) BOOST_TEST((v >= 0 && v < 1));
    BOOST_TEST((names_of(*nn::make_attention(cfg_of("svformer"), 12, 3, 0)) ==
                std::vector<std::string>{"qkv.weight", "qkv.bias", "proj.weight", "proj.bias"}));
    BOOST_TEST((names_of(*nn::make_attention(cfg_of("svformer"), 12, 3, 1)) ==
                std::vector<std::string>{"qk.weight", "qk.bias", "proj.weight", "proj.bias"}));
    BOOST_TEST(names_of(*nn::make_attention(cfg_of("resformer", {{"learnable", 1}}), 12, 3, 1)).size() == 6u);
    BOOST_TEST(names_of(*nn::make_attention(cfg_of("resformer"), 12, 3, 1)).size() == 4u);
    test::check_error([] { nn::make_attention(cfg_of("spectral-bogus"), 12, 3, 0); }, {"spectral-bogus", "neutreno"});
    test::check_error([] { nn::make_attention(cfg_of("spectral-smooth", {{"clip_lo", 0.0}}), 12, 3, 0); },
                      {"clip_hi"});
}

BOOST_AUTO_TEST_CASE(gradcheck_spectral_kinds_through_qr) {
    manual_seed(30);
    check_layer(make64(cfg_of("spectral-smooth"), 6, 2), 6);
    check_layer(make64(cfg_of("spectral-sharpen", {}, true), 6, 3), 6);
    check_layer(make64(cfg_of("spectral-free"), 6, 2), 6);
    check_layer(make64(cfg_of("spectral-sharpen", {{"clip_lo", -0.5}, {"clip_hi", 0.0}}), 6, 2), 6);
}

BOOST_AUTO_TEST_CASE(gradcheck_two_block_stacks) {
    manual_seed(40);
    // per block: 2 norms x 2 + attention + mlp 4
    check_stack(cfg_of("neutreno", {{"alpha", 0.6}}), 2 * 12);
    check_stack(cfg_of("resformer", {{"lambda1", 0.3}, {"lambda2", 0.9}, {"learnable", 1}}), 2 * 12 + 2);
    check_stack(cfg_of("resformer"), 2 * 12);
    check_stack(cfg_of("svformer", {}, true), 2 * 12);
    check_stack(cfg_of("spectral-sharpen", {{"clip_lo", -1.0}, {"clip_hi", 0.0}}), 2 * 12);
}

BOOST_AUTO_TEST_CASE(neutreno_and_value_residual_need_v0) {
    auto n = nn::make_attention(cfg_of("neutreno"), 8, 2, 1);
    Tensor x = Tensor::zeros({1, 3, 8});
    nn::AttentionContext ctx;
    ctx.layer_index = 1;
    test::check_error([&] { n->forward(x, ctx); }, {"neutreno", "V^0"});
    test::check_error([&] { nn::make_attention(cfg_of("svformer"), 8, 2, 1)->forward(x, ctx); }, {"svformer", "V^0"});
    // a standard layer 0 records V^0 for them
    ctx.layer_index = 0;
    nn::make_attention(cfg_of("standard"), 8, 2, 0)->forward(x, ctx);
    BOOST_TEST((ctx.v_first.shape() == Shape{1, 2, 3, 8 / 2}));
    ctx.layer_index = 1;
    BOOST_TEST((n->forward(x, ctx).shape() == Shape{1, 3, 8}));
}

BOOST_AUTO_TEST_CASE(spectral_heads_are_symmetric_with_their_lambda) {
    manual_seed(50);
    for (const char* kind : {"spectral-smooth", "spectral-sharpen", "spectral-free"}) {
        auto a = std::dynamic_pointer_cast<nn::SpectralAttention>(make64(cfg_of(kind), 12, 3));
        BOOST_REQUIRE(a);
        const double lo = std::string(kind) == "spectral-smooth" ? 0.0 : -1.0;
        const double hi = std::string(kind) == "spectral-sharpen" ? 0.0 : 1.0;
        check_spectrum(*a, lo, hi);
    }
    // with a clip, psi^2 up to 4 lands in [-1, -0.25]
    auto a = std::dynamic_pointer_cast<nn::SpectralAttention>(
        make64(cfg_of("spectral-sharpen", {{"clip_lo", -1.0}, {"clip_hi", -0.25}}), 12, 3));
    Generator g(51);
    a->psi.copy_(mul(Tensor::rand({12}, g, kFloat64), 2.0));
    check_spectrum(*a, -1.0, -0.25);
    const auto lam = a->eigenvalues().to_vector<double>();
    BOOST_TEST(*std::min_element(lam.begin(), lam.end()) == -1.0);  // some were clipped
}

// With one token the attention matrix is 1, so attn(x) - attn(0) = x @ sum_h H_h: ties
// head_operators() to the forward pass for the standard and the spectral kinds.
BOOST_AUTO_TEST_CASE(head_operators_match_the_forward_pass) {
    manual_seed(60);
    for (const char* kind : {"standard", "spectral-free", "neutreno"}) {
        auto a = make64(cfg_of(kind), 12, 3);
        const auto H = nn::head_operators(*a);
        BOOST_REQUIRE(H.size() == 3u);
        Tensor sum_h = H[0] + H[1] + H[2];
        Generator g(61);
        Tensor x = Tensor::randn({2, 1, 12}, g, kFloat64);
        nn::AttentionContext c1, c2;
        Tensor y = a->forward(x, c1) - a->forward(Tensor::zeros({2, 1, 12}, kFloat64), c2);
        BOOST_TEST(test::max_abs_diff(y, matmul(x, sum_h)) < 1e-12, kind);
    }
    BOOST_TEST(nn::head_operators(*nn::make_attention(cfg_of("svformer"), 12, 3, 1)).empty());
}

BOOST_AUTO_TEST_CASE(parse_attention_options_defaults_and_errors) {
    using models::parse_attention_options;
    auto s = parse_attention_options("spectral-sharpen", {{"spectral-clip", "-1,0"}}, "0,6");
    BOOST_TEST(s.kind == "spectral-sharpen");
    BOOST_TEST((s.pair("clip") == std::make_pair(-1.0, 0.0)));
    BOOST_TEST((s.layers && s.layers->first == 0 && s.layers->second == 6));
    BOOST_TEST(s.for_layer(3, false, true).param("clip_lo", 9) == -1.0);
    BOOST_TEST(s.for_layer(6, false, true).kind == "standard");
    BOOST_TEST(parse_attention_options("neutreno").params.at("alpha") == 0.6);
    BOOST_TEST(parse_attention_options("neutreno", {}, "", nn::Task::Language).params.at("alpha") == 0.4);
    BOOST_TEST(parse_attention_options("neutreno", {{"alpha", "0.3"}}).params.at("alpha") == 0.3);
    auto r = parse_attention_options("resformer", {{"lambda1", "0.2"}, {"learnable-lambdas", "1"}});
    BOOST_TEST(r.params.at("lambda1") == 0.2);
    BOOST_TEST(r.params.at("lambda2") == 0.5);
    BOOST_TEST(r.params.at("learnable") == 1.0);
    BOOST_TEST(parse_attention_options("standard").params.empty());
    // round trip through the checkpoint config
    auto back = models::AttentionSpec::from_json(s.to_json());
    BOOST_TEST((back.params == s.params && back.layers == s.layers && back.kind == s.kind));
    test::check_error([] { parse_attention_options("sharpen"); }, {"unknown attention kind 'sharpen'", "spectral-sharpen"});
    test::check_error([] { parse_attention_options("neutreno", {{"spectral-clip", "-1,0"}}); },
                      {"--spectral-clip", "neutreno", "neutreno takes --alpha"});
    test::check_error([] { parse_attention_options("spectral-smooth", {{"alpha", "0.5"}}); }, {"--alpha"});
    test::check_error([] { parse_attention_options("neutreno", {{"lambda1", "0.5"}}); }, {"resformer"});
    test::check_error([] { parse_attention_options("spectral-smooth", {{"spectral-clip", "1,x"}}); },
                      {"--spectral-clip", "1,x"});
    test::check_error([] { parse_attention_options("spectral-smooth", {{"spectral-clip", "1,0"}}); }, {"LO"});
    test::check_error([] { parse_attention_options("neutreno", {{"alpha", "nan"}}); }, {"--alpha", "'nan'", "finite"});
    test::check_error([] { parse_attention_options("neutreno", {{"lambda", "0.5"}}); },
                      {"--lambda", "not an attention option"});
    test::check_error([] { parse_attention_options("standard", {}, "3,3"); }, {"--attention-layers"});
}

BOOST_AUTO_TEST_SUITE_END()
