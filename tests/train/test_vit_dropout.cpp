// `prism train vit --drop P --attn-drop P --drop-path P`: the overrides reach the ViT config and its checkpoint
// JSON, bad probabilities are refused with the field named, and the dropout really acts in train
// mode while eval mode stays deterministic. Also: a patch size that does not divide the images
// is refused with the dataset named and the patch sizes that would fit.
#include "../helpers.hpp"
#include "synthetic_images.hpp"
#include "prism/train/vit_run.hpp"

using namespace prism;

namespace {

train::VitRunOptions small_options() {
    train::VitRunOptions o;
    o.dim = 16; o.depth = 2; o.heads = 2; o.patch = 4; o.mlp_dim = 32;
    return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(train_vit_dropout)

BOOST_AUTO_TEST_CASE(overrides_reach_config_and_checkpoint_json) {
    const auto data = test::synthetic_vision_data();
    auto o = small_options();
    auto c = train::make_vit_config(o, data);
    BOOST_TEST(c.drop == 0.0);  // the presets train without dropout
    BOOST_TEST(c.attn_drop == 0.0);

    BOOST_TEST(c.drop_path_rate == 0.0);
    o.drop = 0.1;
    o.attn_drop = 0.05;
    o.drop_path = 0.2;
    c = train::make_vit_config(o, data);
    BOOST_TEST(c.drop == 0.1);
    BOOST_TEST(c.attn_drop == 0.05);
    BOOST_TEST(c.drop_path_rate == 0.2);
    const auto back = models::ViTConfig::from_json(c.to_json());
    BOOST_TEST(back.drop == 0.1);
    BOOST_TEST(back.attn_drop == 0.05);
    BOOST_TEST(back.drop_path_rate == 0.2);
}

BOOST_AUTO_TEST_CASE(bad_probability_names_the_field) {
    const auto data = test::synthetic_vision_data();
    auto o = small_options();
    o.drop = 1.0;
    BOOST_CHECK_EXCEPTION(train::make_vit_config(o, data), Error, [](const Error& e) {
        return std::string(e.what()).find("drop must be in [0, 1), got 1") != std::string::npos;
    });
    o.drop.reset();
    o.attn_drop = -0.1;
    BOOST_CHECK_EXCEPTION(train::make_vit_config(o, data), Error, [](const Error& e) {
        return std::string(e.what()).find("attn_drop must be in [0, 1)") != std::string::npos;
    });
}

// A preset whose patch does not divide the dataset's image size (vit-micro's 7 on 8x8 images,
// like 7 on a folder's 32x32) is refused naming the dataset, the sizes and the patches that fit.
BOOST_AUTO_TEST_CASE(patch_that_does_not_divide_the_images_is_refused_with_the_fix) {
    const auto data = test::synthetic_vision_data();
    auto o = small_options();
    o.patch.reset();  // vit-micro's patch 7
    BOOST_CHECK_EXCEPTION(train::make_vit_config(o, data), Error, [](const Error& e) {
        const std::string m = e.what();
        return m.find("synthetic has 8x8 images, not a multiple of patch size 7 (preset vit-micro)") !=
                   std::string::npos &&
               m.find("pass --patch P with P one of 2, 4") != std::string::npos;
    });
    o.patch = 3;
    BOOST_CHECK_EXCEPTION(train::make_vit_config(o, data), Error, [](const Error& e) {
        return std::string(e.what()).find("patch size 3 (--patch)") != std::string::npos;
    });
}

BOOST_AUTO_TEST_CASE(dropout_acts_in_train_mode_only) {
    const auto data = test::synthetic_vision_data();
    auto o = small_options();
    o.drop = 0.5;
    o.attn_drop = 0.5;
    Generator gen(3);
    models::ViT model(train::make_vit_config(o, data), &gen);
    const Tensor images = Tensor::randn({4, 1, 8, 8}, gen);

    model.train();
    const double train_diff = test::max_abs_diff(model(images), model(images));
    BOOST_TEST(train_diff > 1e-3);  // two different dropout masks

    model.eval();
    BOOST_TEST(test::max_abs_diff(model(images), model(images)) == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
