// train::training_augment, behind `prism train vit --no-augment` and `--hflip/--no-hflip`: the
// dataset's own choice by default, nothing with --no-augment, and an explicit flip flag wins.
#include "../helpers.hpp"
#include "prism/train/vit_run.hpp"

using namespace prism;

BOOST_AUTO_TEST_SUITE(train_vit_augment)

BOOST_AUTO_TEST_CASE(dataset_choice_no_augment_and_explicit_flip) {
    train::VisionData clothing;  // as load_vision_data sets Fashion-MNIST: crop, no flip
    clothing.augment = {2, false};
    train::VitRunOptions o;

    auto a = train::training_augment(o, clothing);
    BOOST_TEST(a.pad == 2);
    BOOST_TEST(!a.hflip);

    o.hflip = true;  // --hflip
    a = train::training_augment(o, clothing);
    BOOST_TEST(a.pad == 2);
    BOOST_TEST(a.hflip);

    o.augment = false;  // --no-augment --hflip: flips only
    a = train::training_augment(o, clothing);
    BOOST_TEST(a.pad == 0);
    BOOST_TEST(a.hflip);

    o.hflip.reset();  // --no-augment: plain images
    BOOST_TEST(!train::training_augment(o, clothing).enabled());

    train::VisionData photos;  // CIFAR-10: crop and flip
    photos.augment = {4, true};
    o = {};
    o.hflip = false;  // --no-hflip keeps the crop
    a = train::training_augment(o, photos);
    BOOST_TEST(a.pad == 4);
    BOOST_TEST(!a.hflip);
}

BOOST_AUTO_TEST_SUITE_END()
