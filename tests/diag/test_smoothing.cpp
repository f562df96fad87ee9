#include <cmath>

#include "../helpers.hpp"
#include "../models/tiny_vit.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/diag/smoothing.hpp"
#include "prism/models/vit.hpp"

using namespace prism;

namespace {

Tensor mat(const std::vector<double>& v, std::int64_t T, std::int64_t C) { return Tensor::from_vector(v, {T, C}); }

// (1/T) sum_ij A_ij |x_i - x_j|^2 averaged over heads and samples: the definition, by pairs.
// x (B, T, C), probs (B, NH, T, T), both float64.
double dirichlet_by_pairs(const Tensor& x, const Tensor& probs) {
    const auto v = x.to_vector<double>(), a = probs.to_vector<double>();
    const std::int64_t B = x.size(0), T = x.size(1), C = x.size(2), NH = probs.size(1);
    double total = 0;
    for (std::int64_t b = 0; b < B; ++b)
        for (std::int64_t h = 0; h < NH; ++h)
            for (std::int64_t i = 0; i < T; ++i)
                for (std::int64_t j = 0; j < T; ++j) {
                    double d = 0;
                    for (std::int64_t c = 0; c < C; ++c) d += std::pow(v[(b * T + i) * C + c] - v[(b * T + j) * C + c], 2);
                    total += a[((b * NH + h) * T + i) * T + j] * d / double(T);
                }
    return total / double(B * NH);
}

// Row-stochastic random attention (B, NH, T, T) float64.
Tensor random_attention(std::int64_t B, std::int64_t NH, std::int64_t T, Generator& g) {
    auto z = Tensor::rand({B, NH, T, T}, g, kFloat64).to_vector<double>();
    for (std::int64_t r = 0; r < B * NH * T; ++r) {
        double s = 0;
        for (std::int64_t j = 0; j < T; ++j) s += z[r * T + j];
        for (std::int64_t j = 0; j < T; ++j) z[r * T + j] /= s;
    }
    return Tensor::from_vector(z, {B, NH, T, T});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(diag_smoothing)

BOOST_AUTO_TEST_CASE(cosine_identical_and_orthogonal) {
    BOOST_TEST(diag::mean_cosine_similarity(mat({1, 2, 3, 2, 4, 6, 0.5, 1, 1.5}, 3, 3)) == 1.0,
               boost::test_tools::tolerance(1e-12));
    BOOST_TEST(std::abs(diag::mean_cosine_similarity(mat({1, 0, 0, 0, 2, 0, 0, 0, 3}, 3, 3))) < 1e-15);
    // antiparallel pair: -1; batch average of 1 and -1 is 0
    BOOST_TEST(diag::mean_cosine_similarity(mat({1, 1, -2, -2}, 2, 2)) == -1.0, boost::test_tools::tolerance(1e-12));
    Tensor b = Tensor::from_vector(std::vector<double>{1, 1, 2, 2, 1, 1, -1, -1}, {2, 2, 2});
    BOOST_TEST(std::abs(diag::mean_cosine_similarity(b)) < 1e-12);
}

BOOST_AUTO_TEST_CASE(hc_dc) {
    BOOST_TEST(diag::hc_dc_ratio(mat({3, -1, 3, -1, 3, -1}, 3, 2)) == 0.0);
    // zero mean, nonzero tokens: no DC at all
    BOOST_TEST(std::isinf(diag::hc_dc_ratio(mat({1, 0, -1, 0}, 2, 2))));
    // tokens (1,0),(3,0): mean (2,0), DC norm 2 sqrt(2), HC norm sqrt(2)
    BOOST_TEST(diag::hc_dc_ratio(mat({1, 0, 3, 0}, 2, 2)) == 0.5, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(effective_rank_and_sigma_ratio) {
    // rank one: u v^T
    std::vector<double> r1;
    for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 7; ++j) r1.push_back((i + 1) * (j - 3.5));
    auto s1 = diag::svd_stats(mat(r1, 5, 7));
    BOOST_TEST(s1.eff_rank == 1.0, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(s1.sigma_ratio < 1e-12);
    std::vector<double> id(6 * 6, 0.0);
    for (int i = 0; i < 6; ++i) id[i * 6 + i] = 2.0;
    auto si = diag::svd_stats(mat(id, 6, 6));
    BOOST_TEST(si.eff_rank == 6.0, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(si.sigma_ratio == 1.0, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(dirichlet_on_the_attention_graph) {
    Generator g(3);
    for (std::int64_t T : {1, 2, 7, 19}) {
        Tensor x = Tensor::randn({2, T, 5}, g, kFloat64);
        Tensor a = random_attention(2, 3, T, g);
        BOOST_TEST(diag::dirichlet_energy(x, a) == dirichlet_by_pairs(x, a), boost::test_tools::tolerance(1e-10));
        // symmetrising A does not change it
        auto av = a.to_vector<double>(), sym = av;
        for (std::int64_t m = 0; m < 2 * 3; ++m)
            for (std::int64_t i = 0; i < T; ++i)
                for (std::int64_t j = 0; j < T; ++j)
                    sym[(m * T + i) * T + j] = 0.5 * (av[(m * T + i) * T + j] + av[(m * T + j) * T + i]);
        BOOST_TEST(diag::dirichlet_energy(x, Tensor::from_vector(sym, {2, 3, T, T})) == diag::dirichlet_energy(x, a),
                   boost::test_tools::tolerance(1e-10));
    }
    // equal tokens: 0 on any graph
    Tensor same = Tensor::from_vector(std::vector<double>{1, 2, 1, 2, 1, 2}, {1, 3, 2});
    BOOST_TEST(diag::dirichlet_energy(same, random_attention(1, 2, 3, g)) == 0.0);
    // It depends on the graph, not only on the tokens (the old complete-graph value was
    // |HC|^2 / |X|^2 = r^2 / (1 + r^2), a function of HC/DC r): identity attention gives 0
    // for tokens that are all different, uniform attention the complete-graph sum.
    Tensor x = Tensor::randn({2, 7, 4}, g, kFloat64);
    Tensor eye = Tensor::zeros({2, 1, 7, 7}, kFloat64);
    for (int b = 0; b < 2; ++b)
        for (int i = 0; i < 7; ++i) eye.data<double>()[(b * 7 + i) * 7 + i] = 1.0;
    const auto l_eye = diag::layer_smoothing(x, &eye);
    BOOST_TEST(l_eye.hc_dc > 0.1);
    BOOST_TEST(l_eye.dirichlet == 0.0);
    Tensor uni = Tensor::full({2, 1, 7, 7}, 1.0 / 7, kFloat64);
    BOOST_TEST(diag::layer_smoothing(x, &uni).dirichlet == dirichlet_by_pairs(x, uni), boost::test_tools::tolerance(1e-10));
    // no graph: NaN
    BOOST_TEST(std::isnan(diag::layer_smoothing(x).dirichlet));
    test::check_error([&] { diag::dirichlet_energy(x, Tensor::zeros({2, 1, 6, 6})); }, {"(2, 7, 4)", "(2, 1, 6, 6)"});
}

BOOST_AUTO_TEST_CASE(errors) {
    test::check_error([] { diag::mean_cosine_similarity(Tensor::zeros({3})); }, {"mean_cosine_similarity", "(3)"});
}

BOOST_AUTO_TEST_CASE(vit_profile_and_record) {
    Generator g(7);
    models::ViT vit(test::tiny_vit_config(), &g);
    Tensor images = Tensor::randn({3, 1, 8, 8}, g);
    // the recomputed embedding is what the blocks see: running them on it gives forward_features
    Tensor emb = diag::vit_embedding(vit, images);
    nn::AttentionContext ctx;
    Tensor h = emb;
    for (std::size_t i = 0; i < vit.blocks->size(); ++i) h = vit.blocks->at<nn::TransformerBlock>(i)->forward(h, ctx);
    BOOST_TEST(test::max_abs_diff(vit.norm->forward(h), vit.forward_features(images)) < 1e-6);

    auto layers = diag::smoothing_profile(vit, images);
    BOOST_REQUIRE_EQUAL(layers.size(), 3u);
    BOOST_TEST(layers[0].name == "embed");
    BOOST_TEST(layers[2].name == "blocks.1.out");
    // Dirichlet energy: the embedding on block 0's attention, block i's output on block i's
    nn::ProbeSet probes({"blocks.*.attn.probs"});
    {
        NoGradGuard ng;
        nn::ProbeScope scope(probes);
        vit.forward_features(images);
    }
    BOOST_TEST(layers[0].dirichlet == diag::dirichlet_energy(emb, probes.get("blocks.0.attn.probs")),
               boost::test_tools::tolerance(1e-9));
    BOOST_TEST(layers[2].dirichlet == diag::dirichlet_energy(h, probes.get("blocks.1.attn.probs")),
               boost::test_tools::tolerance(1e-6));
    BOOST_TEST(layers[2].cos_sim == diag::mean_cosine_similarity(h), boost::test_tools::tolerance(1e-9));
    BOOST_TEST(layers[0].hc_dc == diag::hc_dc_ratio(emb), boost::test_tools::tolerance(1e-9));
    vit.train();
    auto rec = diag::smoothing_record(vit, images);
    BOOST_TEST(vit.is_training());
    BOOST_REQUIRE_EQUAL(rec["cos_sim"].size(), 3u);
    BOOST_TEST(rec["cos_sim"][0].get<double>() == layers[0].cos_sim, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(rec.contains("hc_dc"));
    BOOST_TEST(rec.contains("eff_rank"));
    // the probe record has the same Dirichlet energy as the profile (old code: complete graph)
    BOOST_REQUIRE_EQUAL(rec["dirichlet"].size(), 3u);
    for (int i = 0; i < 3; ++i)
        BOOST_TEST(rec["dirichlet"][i].get<double>() == layers[i].dirichlet, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(!rec.contains("dirichlet_attn"));
}

BOOST_AUTO_TEST_SUITE_END()
