// Finite-difference gradient checks (float64) for the nn functions of autograd/fn_nn.hpp.
#include "../helpers.hpp"
#include "prism/autograd/fn_nn.hpp"

using namespace prism;

namespace {
using In = std::vector<Tensor>;
}

BOOST_AUTO_TEST_SUITE(grad_nn)

BOOST_AUTO_TEST_CASE(softmax_and_log_softmax) {
    Tensor x = test::leaf64({3, 4, 5}, 1);
    for (std::int64_t d : {-1, 0, 1}) {
        CHECK_GRAD([d](const In& in) { return softmax(in[0], d); }, {x});
        CHECK_GRAD([d](const In& in) { return log_softmax(in[0], d); }, {x});
    }
    Tensor xt = test::leaf64_t(4, 7, 2);  // non-contiguous
    CHECK_GRAD([](const In& in) { return softmax(in[0], -1); }, {xt});
    CHECK_GRAD([](const In& in) { return log_softmax(in[0], 0); }, {xt});
}

BOOST_AUTO_TEST_CASE(layer_norm_x_weight_bias) {
    Tensor x = test::leaf64({2, 3, 5}, 3, 2.0, 1.0), w = test::leaf64({5}, 4), b = test::leaf64({5}, 5);
    CHECK_GRAD([](const In& in) { return layer_norm(in[0], in[1], in[2]); }, (In{x, w, b}));
    CHECK_GRAD([](const In& in) { return layer_norm(in[0], Tensor(), Tensor()); }, {x});
    Tensor xt = test::leaf64_t(4, 6, 6);
    Tensor w6 = test::leaf64({6}, 7);
    CHECK_GRAD([](const In& in) { return layer_norm(in[0], in[1], Tensor()); }, (In{xt, w6}));
}

BOOST_AUTO_TEST_CASE(cross_entropy_each_reduction) {
    Tensor logits = test::leaf64({5, 4}, 8, 2.0);
    Tensor target = Tensor::from_vector<std::int64_t>({3, -100, 0, 2, 3}, {5});
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
        for (double eps : {0.0, 0.1}) {
            CrossEntropyOptions o;
            o.reduction = r;
            o.label_smoothing = eps;
            auto f = [target, o](const In& in) { return cross_entropy(in[0], target, o); };
            CHECK_GRAD(f, {logits});
        }
    Tensor lt = test::leaf64_t(5, 4, 9);
    CHECK_GRAD([target](const In& in) { return cross_entropy(in[0], target); }, {lt});
}

BOOST_AUTO_TEST_CASE(cross_entropy_value_with_smoothing_and_ignore) {
    // logits rows [0, 0] (ignored) and [1, 3]: logp = [-2.126928, -0.126928]
    Tensor logits = Tensor::from_vector<double>({0, 0, 1, 3}, {2, 2});
    Tensor target = Tensor::from_vector<std::int64_t>({-100, 0}, {2});
    CrossEntropyOptions o;
    o.label_smoothing = 0.2;
    const double nll = 2.1269280110429727, smooth = (2.1269280110429727 + 0.1269280110429727) / 2;
    BOOST_TEST(std::fabs(cross_entropy(logits, target, o).item() - (0.8 * nll + 0.2 * smooth)) < 1e-12);
}

BOOST_AUTO_TEST_CASE(embedding_repeated_ids) {
    Tensor w = test::leaf64({6, 3}, 10);
    Tensor ids = Tensor::from_vector<std::int64_t>({1, 4, 1, 1, 0, 5, 4, 2}, {2, 4});
    CHECK_GRAD([ids](const In& in) { return embedding(ids, in[0]); }, {w});
    Tensor ids32 = Tensor::from_vector<std::int32_t>({2, 2, 3}, {3});
    CHECK_GRAD([ids32](const In& in) { return embedding(ids32, in[0]); }, {w});
}

BOOST_AUTO_TEST_CASE(cat_split_stack) {
    Tensor a = test::leaf64({2, 3}, 11), b = test::leaf64({2, 1}, 12), c = test::leaf64_t(2, 4, 13);
    CHECK_GRAD([](const In& in) { return cat(in, 1); }, (In{a, b, c}));
    CHECK_GRAD([](const In& in) { return stack({in[0], in[0], in[1]}, 1); }, (In{a, test::leaf64({2, 3}, 14)}));
    Tensor x = test::leaf64({7, 2}, 15);
    CHECK_GRAD([](const In& in) {
        auto parts = split(in[0], 3, 0);
        BOOST_REQUIRE_EQUAL(parts.size(), 3u);
        BOOST_REQUIRE(parts[2].shape() == (Shape{1, 2}));
        return cat({parts[2], parts[0]}, 0);
    }, {x});
}

BOOST_AUTO_TEST_CASE(dropout_with_fixed_generator) {
    Tensor x = test::leaf64({4, 5}, 16);
    // a fresh Generator per call: every +-eps evaluation sees the same mask
    CHECK_GRAD([](const In& in) {
        Generator g(42);
        return dropout(in[0], 0.3, true, g);
    }, {x});
    Generator g(1);
    BOOST_TEST(dropout(x, 0.3, false, g).is_same(x));
}

BOOST_AUTO_TEST_CASE(drop_path_with_fixed_generator) {
    Tensor x = test::leaf64({6, 3, 4}, 23);
    CHECK_GRAD([](const In& in) {
        Generator g(7);  // same per-sample mask for every +-eps evaluation
        return drop_path(in[0], 0.5, true, g);
    }, {x});
    Tensor xt = test::leaf64_t(4, 6, 24);  // non-contiguous (6, 4)
    CHECK_GRAD([](const In& in) {
        Generator g(8);
        return drop_path(in[0], 0.3, true, g);
    }, {xt});
    Generator g(1);
    BOOST_TEST(drop_path(x, 0.5, false, g).is_same(x));
    BOOST_TEST(drop_path(x, 0.0, true, g).is_same(x));
}

BOOST_AUTO_TEST_CASE(attention_causal_and_not_non_contiguous) {
    const std::int64_t B = 2, T = 4, NH = 2, HS = 3;
    Tensor qkv = test::leaf64({B, T, 3, NH, HS}, 17);
    for (bool causal : {false, true}) {
        CHECK_GRAD([causal](const In& in) {
            Tensor q = in[0].select(2, 0).permute({0, 2, 1, 3});
            Tensor k = in[0].select(2, 1).permute({0, 2, 1, 3});
            Tensor v = in[0].select(2, 2).permute({0, 2, 1, 3});
            return scaled_dot_product_attention(q, k, v, causal);
        }, {qkv});
    }
    Tensor q = test::leaf64({1, 2, 5, 3}, 18), k = test::leaf64({1, 2, 5, 3}, 19), v = test::leaf64({1, 2, 5, 3}, 20);
    CHECK_GRAD([](const In& in) {
        Generator g(3);
        return scaled_dot_product_attention(in[0], in[1], in[2], true, 0.2, &g);
    }, (In{q, k, v}));
    Tensor probs;
    scaled_dot_product_attention(q, k, v, true, 0.0, nullptr, &probs);
    BOOST_REQUIRE(probs.shape() == (Shape{1, 2, 5, 5}));
    const auto p = probs.to_vector<double>();
    BOOST_TEST(p[0] == 1.0);  // query 0 sees only key 0
    BOOST_TEST(p[1] == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
