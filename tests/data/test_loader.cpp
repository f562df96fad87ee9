#include <memory>

#include "../helpers.hpp"
#include "prism/core/runtime.hpp"
#include "prism/data/loader.hpp"
#include "prism/data/split.hpp"

using namespace prism;
using namespace prism::data;

namespace {
// n images (C, 6, 5) of noise-like pixels, labels cycling over k classes (class c has
// about n/k images; the last classes may have one fewer).
std::shared_ptr<const ImageDataset> toy(std::int64_t n, std::int64_t C = 1, std::int64_t k = 4) {
    auto ds = std::make_shared<ImageDataset>();
    ds->channels = C, ds->height = 6, ds->width = 5;
    for (std::int64_t c = 0; c < k; ++c) ds->classes.push_back(std::string(1, char('a' + c)));  // GCC 12 -Wrestrict false positive on "c" + to_string
    for (std::int64_t i = 0; i < n; ++i) {
        ds->labels.push_back(i % k);
        for (std::int64_t j = 0; j < ds->image_numel(); ++j)
            ds->pixels.push_back(static_cast<std::uint8_t>((i * 37 + j * 11 + (i * j) % 7) % 256));
    }
    return ds;
}

std::vector<float> all_images(DataLoader& l, std::int64_t epochs) {
    std::vector<float> v;
    for (std::int64_t e = 0; e < epochs; ++e)
        for (Batch b; l.next(b);) {
            auto x = b.images.to_vector<float>();
            v.insert(v.end(), x.begin(), x.end());
            for (auto y : b.labels.to_vector<std::int64_t>()) v.push_back(static_cast<float>(y));
        }
    return v;
}

LoaderOptions train_opts(std::uint64_t seed, bool prefetch, std::int64_t C = 1) {
    LoaderOptions o;
    o.batch_size = 7;
    o.seed = seed;
    o.augment = {2, true};
    o.norm = {std::vector<float>(C, 0.5f), std::vector<float>(C, 0.25f)};
    o.prefetch = prefetch;
    return o;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(data_loader)

BOOST_AUTO_TEST_CASE(batches_cover_each_index_once_per_epoch) {
    auto ds = toy(33);
    LoaderOptions o;
    o.batch_size = 8;
    DataLoader l(ds, o);
    BOOST_TEST(l.batches_per_epoch() == 5);
    std::vector<int> seen(33, 0);
    std::int64_t nb = 0;
    for (Batch b; l.next(b); ++nb) {
        BOOST_TEST(b.images.dim() == 4);
        BOOST_TEST(b.images.size(1) == 1);
        for (auto i : b.indices) ++seen[i];
        for (std::int64_t k = 0; k < b.labels.numel(); ++k)
            BOOST_TEST(b.labels.to_vector<std::int64_t>()[k] == ds->labels[b.indices[k]]);
    }
    BOOST_TEST(nb == 5);
    for (int s : seen) BOOST_TEST(s == 1);
    BOOST_TEST(l.state().epoch == 1);
    // no augmentation, no norm: values are pixels / 255
    Batch b = l.make_batch(0, 0);
    BOOST_TEST(b.images.to_vector<float>()[3] == ds->image(b.indices[0])[3] / 255.0f);
    o.drop_last = true;
    BOOST_TEST(DataLoader(ds, o).batches_per_epoch() == 4);
}

BOOST_AUTO_TEST_CASE(same_seed_same_batches_different_seed_different) {
    auto ds = toy(40, 3);
    DataLoader a(ds, {}, train_opts(1, false, 3)), b(ds, {}, train_opts(1, false, 3)), c(ds, {}, train_opts(2, false, 3));
    const auto va = all_images(a, 2), vb = all_images(b, 2), vc = all_images(c, 2);
    BOOST_TEST((va == vb));
    BOOST_TEST((va != vc));
    // epochs differ from each other (reshuffled and re-augmented)
    BOOST_TEST((a.make_batch(0, 0).indices != a.make_batch(1, 0).indices));
}

BOOST_AUTO_TEST_CASE(prefetch_and_thread_count_do_not_change_batches) {
    auto ds = toy(50, 3);
    DataLoader plain(ds, {}, train_opts(5, false, 3));
    const auto ref = all_images(plain, 2);
    DataLoader pre(ds, {}, train_opts(5, true, 3));
    BOOST_TEST((all_images(pre, 2) == ref));
    const int saved = runtime::num_threads();
    runtime::set_num_threads(1);
    DataLoader one(ds, {}, train_opts(5, true, 3));
    BOOST_TEST((all_images(one, 2) == ref));
    runtime::set_num_threads(saved);
}

BOOST_AUTO_TEST_CASE(state_resumes_exactly) {
    auto ds = toy(30);
    DataLoader a(ds, {}, train_opts(9, true));
    Batch x;
    for (int k = 0; k < 3; ++k) a.next(x);  // into epoch 0
    const auto st = a.state();
    BOOST_TEST(st.batch == 3);
    std::vector<Batch> rest;
    for (Batch b; a.next(b);) rest.push_back(b);
    DataLoader b(ds, {}, train_opts(9, true));
    b.set_state(st);
    std::size_t k = 0;
    for (Batch y; b.next(y); ++k) {
        BOOST_REQUIRE(k < rest.size());
        BOOST_TEST((y.images.to_vector<float>() == rest[k].images.to_vector<float>()));
        BOOST_TEST((y.indices == rest[k].indices));
    }
    BOOST_TEST(k == rest.size());
    test::check_error([&] { b.set_state({0, 99}); }, {"set_state", "99"});
}

BOOST_AUTO_TEST_CASE(augmentation_crops_and_flips) {
    const std::uint8_t src[6] = {1, 2, 3, 4, 5, 6};  // (1, 2, 3)
    std::uint8_t dst[6];
    augment_image(src, dst, 1, 2, 3, 1, {1, 1, true});  // no shift, flipped
    BOOST_TEST((std::vector<int>(dst, dst + 6) == std::vector<int>{3, 2, 1, 6, 5, 4}));
    augment_image(src, dst, 1, 2, 3, 1, {0, 2, false});  // shift down 1, left 1
    BOOST_TEST((std::vector<int>(dst, dst + 6) == std::vector<int>{0, 0, 0, 2, 3, 0}));
    // offsets cover [0, 2 pad], flips only when enabled
    Augment a{2, false};
    bool seen[5] = {};
    for (int i = 0; i < 200; ++i) {
        auto d = draw_augment(a, 3, 0, i);
        BOOST_TEST(!d.flip);
        BOOST_REQUIRE(d.dx >= 0 && d.dx <= 4);
        seen[d.dx] = true;
    }
    for (bool s : seen) BOOST_TEST(s);
}

BOOST_AUTO_TEST_CASE(split_and_stratified_fraction) {
    auto ds = toy(400, 1, 4);  // 100 per class
    Split s = train_val_split(*ds, 0.1, 3);
    BOOST_TEST(s.val.size() == 40u);
    BOOST_TEST(s.train.size() == 360u);
    std::vector<int> mark(400, 0);
    for (auto i : s.train) ++mark[i];
    for (auto i : s.val) ++mark[i];
    for (int m : mark) BOOST_TEST(m == 1);
    BOOST_TEST((train_val_split(*ds, 0.1, 3).val == s.val));
    BOOST_TEST((train_val_split(*ds, 0.1, 4).val != s.val));
    const auto f = stratified_fraction(*ds, s.train, 0.25, 7);  // 90 per class -> 23 (22.5 rounds away from 0)
    std::vector<int> per(4, 0);
    for (auto i : f) ++per[ds->labels[i]];
    for (int p : per) BOOST_TEST(p == 23);
    BOOST_TEST((stratified_fraction(*ds, s.train, 0.25, 7) == f));
    test::check_error([&] { stratified_fraction(*ds, s.train, 0.0, 7); }, {"fraction", "(0, 1]"});
    DataLoader l(ds, f, LoaderOptions{});
    BOOST_TEST(l.size() == 92);
}

BOOST_AUTO_TEST_CASE(mean_std_and_normalisation) {
    auto ds = std::make_shared<ImageDataset>();
    ds->channels = 2, ds->height = 1, ds->width = 2;
    ds->classes = {"a"};
    ds->labels = {0, 0};
    ds->pixels = {0, 255, 51, 51, 255, 0, 51, 51};
    const Normalization n = compute_mean_std(*ds);
    BOOST_TEST(n.mean[0] == 0.5f, boost::test_tools::tolerance(1e-6f));
    BOOST_TEST(n.std[0] == 0.5f, boost::test_tools::tolerance(1e-6f));
    BOOST_TEST(n.mean[1] == 0.2f, boost::test_tools::tolerance(1e-6f));
    BOOST_TEST(n.std[1] == 0.0f);
    LoaderOptions o;
    o.shuffle = false;
    o.norm = {{0.5f, 0.2f}, {0.5f, 1.0f}};
    DataLoader l(ds, o);
    const auto v = l.make_batch(0, 0).images.to_vector<float>();
    BOOST_TEST(v[0] == -1.0f);
    BOOST_TEST(v[1] == 1.0f);
    BOOST_TEST(v[2] == 0.0f, boost::test_tools::tolerance(1e-6f));
    o.norm = {{0.5f}, {0.5f}};
    test::check_error([&] { DataLoader(ds, o); }, {"normalisation", "2 channels"});
}

BOOST_AUTO_TEST_SUITE_END()
