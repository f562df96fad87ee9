// Matched initialisation (nn/attention_init.hpp, issue 15): after match_head_norms every head's
// H_h has the requested spectral norm, for every kind, measured independently (eigenvalues of
// H^T H via diag::eigenvalues); ViT and GPT apply it for init "matched"; configs without the new
// fields load as before (qkv bias on, default init).
#include <cmath>

#include "../helpers.hpp"
#include "prism/diag/spectrum.hpp"
#include "prism/models/gpt.hpp"
#include "prism/models/vit.hpp"
#include "prism/nn/attention_init.hpp"
#include "prism/nn/attention_kinds.hpp"
#include "prism/autograd/functions.hpp"

using namespace prism;

namespace {

// ||H||_2 = sqrt(largest eigenvalue of H^T H), by diag's Eigen eigen-solver (not nn::spectral_norm).
double norm2(const Tensor& h) {
    const Tensor h64 = h.to(kFloat64);
    const auto eig = diag::eigenvalues(matmul(h64.t(), h64));
    return std::sqrt(std::abs(eig.front()));
}

std::vector<std::string> matched_kinds() {
    return {"standard",  "spectral-smooth", "spectral-sharpen", "spectral-free",
            "neutreno",  "resformer",       "svformer",         "spectral-rotate"};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nn_attention_init)

BOOST_AUTO_TEST_CASE(every_kind_reaches_the_target_norm) {
    for (const auto& kind : matched_kinds()) {
        nn::AttentionConfig c;
        c.kind = kind;
        manual_seed(3);
        auto attn = nn::make_attention(c, 24, 3, /*layer_index=*/kind == "svformer" ? 0 : 1);
        const auto before = nn::head_operators(*attn);
        BOOST_REQUIRE_EQUAL(before.size(), 3u);
        const auto n = nn::match_head_norms(*attn, 0.3);
        BOOST_TEST(n == 3);
        const auto after = nn::head_operators(*attn);
        for (std::size_t h = 0; h < after.size(); ++h) {
            BOOST_TEST(std::fabs(norm2(after[h]) - 0.3) < 3e-5, kind << " head " << h << ": " << norm2(after[h]));
            // only the scale changed: H_after = (0.3 / ||H_before||) H_before
            const double f = 0.3 / norm2(before[h]);
            const auto a = after[h].to(kFloat64).to_vector<double>(), b = before[h].to(kFloat64).to_vector<double>();
            double err = 0, mag = 0;
            for (std::size_t i = 0; i < a.size(); ++i) err = std::max(err, std::fabs(a[i] - f * b[i])), mag = std::max(mag, std::fabs(a[i]));
            BOOST_TEST(err <= 1e-5 * std::max(mag, 1e-3), kind << " head " << h);
        }
    }
    // svformer layers >= 1 have no value projection: nothing to match
    nn::AttentionConfig c;
    c.kind = "svformer";
    auto later = nn::make_attention(c, 24, 3, 1);
    BOOST_TEST(nn::match_head_norms(*later, 0.3) == 0);
    test::check_error([&] { nn::match_head_norms(*later, 0.0); }, {"positive"});
}

BOOST_AUTO_TEST_CASE(spectral_norm_of_a_known_matrix) {
    // diag(3, -4) rotated: singular values 4 and 3
    const Tensor m = Tensor::from_vector<float>({0, -4, 3, 0}, {2, 2});
    BOOST_TEST(std::fabs(nn::spectral_norm(m) - 4.0) < 1e-12);
}

BOOST_AUTO_TEST_CASE(vit_and_gpt_apply_the_matched_init) {
    for (const std::string kind : {"standard", "spectral-sharpen", "neutreno"}) {
        models::ViTConfig c;
        c.dim = 24; c.heads = 3; c.depth = 2; c.mlp_dim = 32; c.patch_size = 7;
        c.attention.kind = kind;
        c.init = "matched";
        c.init_norm = 0.2;
        c.qkv_bias = false;
        models::ViT vit(c);
        for (std::size_t b = 0; b < vit.blocks->size(); ++b)
            for (const auto& h : nn::head_operators(*vit.blocks->at<nn::TransformerBlock>(b)->attn))
                BOOST_TEST(std::fabs(norm2(h) - 0.2) < 2e-5, "vit " << kind << " block " << b);
        for (auto& [name, p] : vit.named_parameters()) BOOST_TEST(name.find("qkv.bias") == std::string::npos, name);

        models::GPTConfig g;
        g.vocab_size = 11; g.context_length = 8; g.dim = 24; g.heads = 3; g.depth = 2; g.mlp_dim = 32;
        g.attention.kind = kind;
        g.init = "matched";
        g.init_norm = 0.2;
        models::GPT gpt(g);
        for (std::size_t b = 0; b < gpt.h->size(); ++b)
            for (const auto& h : nn::head_operators(*gpt.h->at<nn::TransformerBlock>(b)->attn))
                BOOST_TEST(std::fabs(norm2(h) - 0.2) < 2e-5, "gpt " << kind << " block " << b);
    }
    // default init: the standard kind's heads are far from a spectral kind's
    models::ViTConfig c;
    c.dim = 24; c.heads = 3; c.depth = 1; c.mlp_dim = 32; c.patch_size = 7;
    manual_seed(0);
    models::ViT std_vit(c);
    c.attention.kind = "spectral-smooth";
    models::ViT spec_vit(c);
    const double ns = norm2(nn::head_operators(*std_vit.blocks->at<nn::TransformerBlock>(0)->attn)[0]);
    const double np = norm2(nn::head_operators(*spec_vit.blocks->at<nn::TransformerBlock>(0)->attn)[0]);
    BOOST_TEST(np > 3 * ns, "default init: standard " << ns << ", spectral " << np);
}

BOOST_AUTO_TEST_CASE(configs_without_the_fields_keep_bias_and_default_init) {
    models::ViTConfig c;
    auto j = c.to_json();
    BOOST_TEST(j.at("init") == "default");
    j.erase("qkv_bias");
    j.erase("init");
    j.erase("init_norm");
    const auto back = models::ViTConfig::from_json(j);
    BOOST_TEST(back.qkv_bias);
    BOOST_TEST(back.init == "default");
    c.qkv_bias = false;
    c.init = "matched";
    BOOST_TEST(!models::ViTConfig::from_json(c.to_json()).qkv_bias);
    BOOST_TEST(models::ViTConfig::from_json(c.to_json()).init == "matched");
    c.init = "orthogonal";
    test::check_error([&] { c.validate(); }, {"init", "orthogonal", "matched"});

    models::GPTConfig g;
    auto gj = g.to_json();
    gj.erase("qkv_bias");
    gj.erase("init");
    const auto gb = models::GPTConfig::from_json(gj);
    BOOST_TEST(gb.qkv_bias);
    BOOST_TEST(gb.init == "default");
    g.qkv_bias = false;
    g.vocab_size = 11;
    models::GPT gpt(models::GPTConfig::from_json(g.to_json()));
    for (auto& [name, p] : gpt.named_parameters()) BOOST_TEST(name.find("c_attn.bias") == std::string::npos, name);
}

BOOST_AUTO_TEST_SUITE_END()
