#include <filesystem>

#include "../helpers.hpp"
#include "prism/data/file_io.hpp"
#include "prism/data/idx.hpp"
#include "tmpdir.hpp"

using namespace prism;
using namespace prism::data;

namespace {
// n images (h, w) with pixel = (i * 7 + k) % 256, labels i % 3.
void write_set(const test::TmpDir& d, const std::string& prefix, std::int64_t n, std::int64_t h, std::int64_t w,
               bool gzip) {
    IdxArray im{{n, h, w}, {}}, lb{{n}, {}};
    for (std::int64_t i = 0; i < n; ++i) {
        for (std::int64_t k = 0; k < h * w; ++k) im.data.push_back(static_cast<std::uint8_t>((i * 7 + k) % 256));
        lb.data.push_back(static_cast<std::uint8_t>(i % 3));
    }
    const std::string gz = gzip ? ".gz" : "";
    write_idx(d / (prefix + "-images-idx3-ubyte" + gz), im, gzip);
    write_idx(d / (prefix + "-labels-idx1-ubyte" + gz), lb, gzip);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(data_idx)

BOOST_AUTO_TEST_CASE(round_trip_gzip_and_plain) {
    for (bool gz : {true, false}) {
        test::TmpDir d;
        write_set(d, "train", 5, 4, 3, gz);
        write_set(d, "t10k", 2, 4, 3, gz);
        ImageDataset tr = load_idx_dir(d.path.string(), true), te = load_idx_dir(d.path.string(), false);
        BOOST_TEST(tr.size() == 5);
        BOOST_TEST(te.size() == 2);
        BOOST_TEST(tr.channels == 1);
        BOOST_TEST(tr.height == 4);
        BOOST_TEST(tr.width == 3);
        BOOST_TEST(tr.num_classes() == 3);
        BOOST_TEST(tr.classes[2] == "2");
        BOOST_TEST((tr.labels == std::vector<std::int64_t>{0, 1, 2, 0, 1}));
        BOOST_TEST(int(tr.image(3)[5]) == (3 * 7 + 5) % 256);
        IdxArray a = read_idx(d / (std::string("train-images-idx3-ubyte") + (gz ? ".gz" : "")));
        BOOST_TEST((a.dims == std::vector<std::int64_t>{5, 4, 3}));
        BOOST_TEST(a.data.size() == 60u);
    }
}

BOOST_AUTO_TEST_CASE(hwc_images_become_chw) {
    test::TmpDir d;
    IdxArray im{{1, 2, 2, 3}, {}}, lb{{1}, {0}};
    for (int k = 0; k < 12; ++k) im.data.push_back(static_cast<std::uint8_t>(k));  // (H, W, C)
    write_idx(d / "i", im, false);
    write_idx(d / "l", lb, false);
    ImageDataset ds = load_idx(d / "i", d / "l");
    BOOST_TEST(ds.channels == 3);
    // channel 1 plane = elements 1, 4, 7, 10 of the HWC data
    BOOST_TEST((std::vector<int>(ds.image(0) + 4, ds.image(0) + 8) == std::vector<int>{1, 4, 7, 10}));
}

BOOST_AUTO_TEST_CASE(bad_files_name_the_file_and_problem) {
    test::TmpDir d;
    test::check_error([&] { read_idx(d / "nope.gz"); }, {"nope.gz", "cannot open"});
    write_file(d / "magic", {1, 2, 3, 4, 0, 0, 0, 0}, false, "t");
    test::check_error([&] { read_idx(d / "magic"); }, {"magic", "wrong IDX magic"});
    // a gzip stream cut in half
    IdxArray big{{1000}, std::vector<std::uint8_t>(1000)};
    for (int i = 0; i < 1000; ++i) big.data[i] = static_cast<std::uint8_t>(i * 31 % 251);
    write_idx(d / "whole.gz", big, true);
    auto bytes = read_file(d / "whole.gz", "t");
    bytes.resize(bytes.size() / 2);
    write_file(d / "cut.gz", bytes, false, "t");
    test::check_error([&] { read_idx(d / "cut.gz"); }, {"cut.gz", "truncated gzip"});
    // header promises more data than there is
    write_file(d / "short", {0, 0, 8, 1, 0, 0, 0, 9, 1, 2}, false, "t");
    test::check_error([&] { read_idx(d / "short"); }, {"short", "truncated"});
    // 3 images, 2 labels
    write_idx(d / "im", IdxArray{{3, 2, 2}, std::vector<std::uint8_t>(12)}, false);
    write_idx(d / "lb", IdxArray{{2}, {0, 1}}, false);
    test::check_error([&] { load_idx(d / "im", d / "lb"); }, {"im", "lb", "3 images", "2 labels", "mismatch"});
    // an empty dataset dir
    test::TmpDir empty;
    test::check_error([&] { load_idx_dir(empty.path.string(), true); }, {empty.path.string(), "empty dataset dir"});
    test::check_error([&] { load_idx_dir(empty / "missing", true); }, {"missing", "not a directory"});
}

BOOST_AUTO_TEST_CASE(real_fashion_mnist) {
    if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/train-images-idx3-ubyte.gz")) {
        BOOST_TEST_MESSAGE("Fashion-MNIST not installed; skipped");
        return;
    }
    ImageDataset tr = load_fashion_mnist(true), te = load_fashion_mnist(false);
    BOOST_TEST(tr.size() == 60000);
    BOOST_TEST(te.size() == 10000);
    BOOST_TEST(tr.channels == 1);
    BOOST_TEST(tr.height == 28);
    BOOST_TEST(tr.width == 28);
    BOOST_TEST(tr.classes[9] == "Ankle boot");
    BOOST_TEST((std::vector<std::int64_t>(tr.labels.begin(), tr.labels.begin() + 10) ==
                std::vector<std::int64_t>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5}));
    BOOST_TEST((std::vector<std::int64_t>(te.labels.begin(), te.labels.begin() + 10) ==
                std::vector<std::int64_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}));
    std::int64_t s = 0;
    for (int k = 0; k < 784; ++k) s += tr.image(0)[k];
    BOOST_TEST(s == 76247);  // pixel sum of the first training image (checked with Python's gzip)
    for (auto c : tr.class_counts()) BOOST_TEST(c == 6000);
    const Normalization n = compute_mean_std(tr);
    BOOST_TEST(n.mean[0] == 0.2860f, boost::test_tools::tolerance(1e-3f));  // the well-known values
    BOOST_TEST(n.std[0] == 0.3530f, boost::test_tools::tolerance(1e-3f));
}

BOOST_AUTO_TEST_SUITE_END()
