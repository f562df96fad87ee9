// CIFAR-10 binary batches and image folders, on small files written by the test.
#include <stb/stb_image_write.h>

#include <filesystem>
#include <fstream>

#include "../helpers.hpp"
#include "prism/data/cifar.hpp"
#include "prism/data/file_io.hpp"
#include "prism/data/image_folder.hpp"
#include "tmpdir.hpp"

using namespace prism;
using namespace prism::data;
namespace fs = std::filesystem;

namespace {
std::vector<std::uint8_t> cifar_records(int n, int first_label) {
    std::vector<std::uint8_t> b;
    for (int r = 0; r < n; ++r) {
        b.push_back(static_cast<std::uint8_t>((first_label + r) % 10));
        for (int k = 0; k < 3072; ++k) b.push_back(static_cast<std::uint8_t>((r * 13 + k) % 256));
    }
    return b;
}

// A w x h image with `comp` interleaved channels, all pixels = value (per channel value + ch).
void write_image(const std::string& path, int w, int h, int comp, int value) {
    std::vector<std::uint8_t> px(w * h * comp);
    for (int k = 0; k < w * h; ++k)
        for (int c = 0; c < comp; ++c) px[k * comp + c] = static_cast<std::uint8_t>(value + 10 * c);
    const bool ok = path.ends_with(".png") ? stbi_write_png(path.c_str(), w, h, comp, px.data(), w * comp)
                                           : stbi_write_bmp(path.c_str(), w, h, comp, px.data());
    BOOST_REQUIRE(ok);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(data_cifar_folder)

BOOST_AUTO_TEST_CASE(cifar10_batches) {
    test::TmpDir d;
    write_file(d / "data_batch_1.bin", cifar_records(3, 0), false, "t");
    write_file(d / "data_batch_2.bin", cifar_records(2, 5), false, "t");
    write_file(d / "test_batch.bin", cifar_records(4, 9), false, "t");
    ImageDataset tr = load_cifar10(d.path.string(), true);
    BOOST_TEST(tr.size() == 5);
    BOOST_TEST((tr.labels == std::vector<std::int64_t>{0, 1, 2, 5, 6}));
    BOOST_TEST(tr.image_numel() == 3072);
    BOOST_TEST(int(tr.image(1)[100]) == (13 + 100) % 256);
    BOOST_TEST(tr.classes[1] == "automobile");
    {
        std::ofstream meta(d / "batches.meta.txt");
        for (int c = 0; c < 10; ++c) meta << "c" << c << "\n";
        meta << "\n";
    }
    ImageDataset te = load_cifar10(d.path.string(), false);
    BOOST_TEST(te.size() == 4);
    BOOST_TEST((te.labels == std::vector<std::int64_t>{9, 0, 1, 2}));
    BOOST_TEST(te.classes[3] == "c3");
    // errors
    auto cut = cifar_records(2, 0);
    cut.resize(cut.size() - 10);
    write_file(d / "test_batch.bin", cut, false, "t");
    test::check_error([&] { load_cifar10(d.path.string(), false); }, {"test_batch.bin", "truncated"});
    test::TmpDir empty;
    test::check_error([&] { load_cifar10(empty.path.string(), true); }, {"data_batch_1.bin", "cannot open"});
}

BOOST_AUTO_TEST_CASE(image_folder_png_bmp) {
    test::TmpDir d;
    fs::create_directories(d.path / "cat");
    fs::create_directories(d.path / "dog");
    write_image(d / "cat/a.png", 8, 8, 3, 100);
    write_image(d / "cat/b.bmp", 4, 6, 3, 50);
    write_image(d / "dog/z.png", 5, 5, 1, 200);  // gray -> replicated to RGB
    write_image(d / "dog/notes.txt", 1, 1, 1, 0);  // a bmp without an image extension: ignored
    ImageDataset ds = load_image_folder(d.path.string(), {3, 4, 4});
    BOOST_TEST(ds.size() == 3);
    BOOST_TEST((ds.classes == std::vector<std::string>{"cat", "dog"}));
    BOOST_TEST((ds.labels == std::vector<std::int64_t>{0, 0, 1}));
    BOOST_TEST(ds.image_numel() == 48);
    BOOST_TEST(int(ds.image(0)[0]) == 100);        // R of a constant image survives resize
    BOOST_TEST(int(ds.image(0)[16]) == 110);       // G plane
    BOOST_TEST(int(ds.image(1)[47]) == 70);        // B of the bmp, resized from 4x6
    BOOST_TEST(int(ds.image(2)[40]) == 200);       // gray replicated
    ImageDataset g = load_image_folder(d.path.string(), {1, 2, 3});
    BOOST_TEST(g.image_numel() == 6);
    BOOST_TEST(int(g.image(2)[5]) == 200);
    // errors: undecodable image, empty class folder, no class folders
    write_file(d / "dog/bad.png", {1, 2, 3, 4, 5}, false, "t");
    test::check_error([&] { load_image_folder(d.path.string(), {3, 4, 4}); }, {"bad.png", "cannot decode"});
    fs::remove(d.path / "dog/bad.png");
    fs::create_directories(d.path / "emu");
    test::check_error([&] { load_image_folder(d.path.string(), {3, 4, 4}); }, {"emu", "no images"});
    test::TmpDir empty;
    test::check_error([&] { load_image_folder(empty.path.string()); }, {empty.path.string(), "empty dataset dir"});
}

BOOST_AUTO_TEST_CASE(bilinear_resize_matches_torch_rule) {
    // 1x2 -> 1x4 along width, align_corners=False: [0, 255] -> [0, 64, 191, 255]
    const std::uint8_t src[2] = {0, 255};
    std::uint8_t dst[4];
    convert_image(src, 1, 1, 2, dst, 1, 1, 4);
    BOOST_TEST((std::vector<int>(dst, dst + 4) == std::vector<int>{0, 64, 191, 255}));
    // RGB -> gray uses 601 luma
    const std::uint8_t rgb[3] = {255, 0, 0};
    std::uint8_t y;
    convert_image(rgb, 3, 1, 1, &y, 1, 1, 1);
    BOOST_TEST(int(y) == 76);
}

BOOST_AUTO_TEST_SUITE_END()
