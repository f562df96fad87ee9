// DropPath (stochastic depth, timm's DropPath / drop_path_rate): whole samples are dropped,
// the survivors scaled by 1/(1-p); eval mode is the identity; the ViT spreads the rate
// linearly over its blocks as timm does, without adding any parameter.
#include <cmath>

#include "../helpers.hpp"
#include "prism/models/vit.hpp"
#include "prism/nn.hpp"

using namespace prism;

namespace {

// an 8x8 single-channel ViT small enough to build and run in microseconds
models::ViTConfig tiny_vit(std::int64_t depth, double drop_path_rate) {
    models::ViTConfig c;
    c.image_size = 8; c.patch_size = 4; c.dim = 8; c.depth = depth; c.heads = 2; c.mlp_dim = 16;
    c.drop_path_rate = drop_path_rate;
    return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nn_drop_path)

BOOST_AUTO_TEST_CASE(drops_whole_samples_and_rescales_the_rest) {
    Generator gen(5);
    nn::DropPath dp(0.25, &gen);
    const std::int64_t B = 2000, T = 3, C = 4;
    const Tensor x = Tensor::randn({B, T, C}, gen);
    dp.eval();
    BOOST_TEST(dp.forward(x).is_same(x));
    dp.train();
    const auto xs = x.to_vector<float>(), ys = dp.forward(x).to_vector<float>();
    std::int64_t dropped = 0;
    for (std::int64_t b = 0; b < B; ++b) {
        // every element of a sample shares one decision: all zero, or all x / 0.75
        const bool zero = ys[b * T * C] == 0.0f;
        dropped += zero;
        for (std::int64_t i = b * T * C; i < (b + 1) * T * C; ++i) {
            const float want = zero ? 0.0f : xs[i] / 0.75f;
            BOOST_TEST(std::fabs(ys[i] - want) <= 1e-6f * (1 + std::fabs(want)));
        }
    }
    // 500 expected; the binomial's standard deviation is ~19
    BOOST_TEST(dropped > 420);
    BOOST_TEST(dropped < 580);
}

BOOST_AUTO_TEST_CASE(bad_probability_is_refused) {
    test::check_error([] { nn::DropPath(1.0); }, {"DropPath", "[0, 1)", "got 1"});
    test::check_error([] { nn::DropPath(-0.1); }, {"DropPath", "got -0.1"});
}

BOOST_AUTO_TEST_CASE(vit_spreads_the_rate_linearly_over_blocks) {
    models::ViTConfig c = tiny_vit(5, 0.2);
    Generator gen(1);
    models::ViT model(c, &gen);
    for (std::int64_t i = 0; i < c.depth; ++i) {
        auto blk = model.blocks->at<nn::TransformerBlock>(i);
        // torch.linspace(0, 0.2, 5) = 0, 0.05, 0.1, 0.15, 0.2
        BOOST_TEST(blk->drop_path1->p == 0.05 * i, boost::test_tools::tolerance(1e-12));
        BOOST_TEST(blk->drop_path2->p == 0.05 * i, boost::test_tools::tolerance(1e-12));
    }
    // parameter names and count are those of the model without stochastic depth (timm's too)
    models::ViTConfig plain = c;
    plain.drop_path_rate = 0.0;
    models::ViT reference(plain, &gen);
    const auto a = model.named_parameters(), b = reference.named_parameters();
    BOOST_REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) BOOST_TEST(a[i].first == b[i].first);
    // the rate is part of the checkpoint config and checked like the other probabilities
    BOOST_TEST(models::ViTConfig::from_json(c.to_json()).drop_path_rate == 0.2);
    c.drop_path_rate = 1.0;
    test::check_error([&] { c.validate(); }, {"drop_path_rate must be in [0, 1), got 1"});
}

BOOST_AUTO_TEST_CASE(vit_with_drop_path_is_random_in_train_mode_only) {
    const models::ViTConfig c = tiny_vit(3, 0.5);
    Generator gen(2);
    models::ViT model(c, &gen);
    const Tensor images = Tensor::randn({16, 1, 8, 8}, gen);
    model.train();
    BOOST_TEST(test::max_abs_diff(model(images), model(images)) > 1e-4);
    model.eval();
    BOOST_TEST(test::max_abs_diff(model(images), model(images)) == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
