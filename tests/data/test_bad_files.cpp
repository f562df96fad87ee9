// Bad dataset files (issue #14): what a reader does with a FIFO, /dev/zero, a directory, an
// IDX header whose sizes overflow, a gzip bomb, labels outside the classes, a split that
// leaves no training images, a test set the model cannot take, and non-UTF-8 class names.
// Every case must end in a prism::Error naming the file, never a hang, a crash or a silent
// misread.
#include <stb/stb_image_write.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "../helpers.hpp"
#include "no_block.hpp"
#include "prism/core/regular_file.hpp"
#include "prism/data/cifar.hpp"
#include "prism/data/file_io.hpp"
#include "prism/data/idx.hpp"
#include "prism/data/image_folder.hpp"
#include "prism/data/loader.hpp"
#include "prism/data/split.hpp"
#include "prism/data/text.hpp"
#include "prism/train/vision_data.hpp"
#include "tmpdir.hpp"

using namespace prism;
using namespace prism::data;
namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> be32(std::initializer_list<std::uint32_t> dims) {
    std::vector<std::uint8_t> b;
    for (auto s : dims)
        for (int k = 3; k >= 0; --k) b.push_back(static_cast<std::uint8_t>(s >> (8 * k)));
    return b;
}

// An IDX header 00 00 08 <ndim> + dims, followed by `data`.
std::vector<std::uint8_t> idx_bytes(std::initializer_list<std::uint32_t> dims, std::vector<std::uint8_t> data) {
    std::vector<std::uint8_t> b = {0, 0, 8, static_cast<std::uint8_t>(dims.size())};
    const auto d = be32(dims);
    b.insert(b.end(), d.begin(), d.end());
    b.insert(b.end(), data.begin(), data.end());
    return b;
}

// A {prefix}-images / -labels IDX pair of n (h, w) images with the given labels.
void write_pair(const test::TmpDir& d, const std::string& prefix, std::int64_t h, std::int64_t w,
                const std::vector<std::uint8_t>& labels) {
    const auto n = static_cast<std::int64_t>(labels.size());
    IdxArray im{{n, h, w}, std::vector<std::uint8_t>(n * h * w)}, lb{{n}, labels};
    for (std::size_t k = 0; k < im.data.size(); ++k) im.data[k] = static_cast<std::uint8_t>(k * 37 % 256);
    write_idx(d / (prefix + "-images-idx3-ubyte"), im, false);
    write_idx(d / (prefix + "-labels-idx1-ubyte"), lb, false);
}

void write_png(const std::string& path, int value) {
    std::vector<std::uint8_t> px(8 * 8 * 3, static_cast<std::uint8_t>(value));
    BOOST_REQUIRE(stbi_write_png(path.c_str(), 8, 8, 3, px.data(), 8 * 3));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(data_bad_files)

// ---- 1. IDX sizes ---------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(idx_header_whose_size_overflows_is_refused) {
    test::TmpDir d;
    // 65536^4 = 2^64 wraps to 0 in 64-bit arithmetic: with no data bytes it used to "match"
    // the file and load as a dataset of 65536 images of 65536 x 65536 with no pixels.
    write_file(d / "wrap", idx_bytes({65536, 65536, 65536, 65536}, {}), false, "t");
    test::check_error([&] { read_idx(d / "wrap"); }, {d / "wrap", "(65536, 65536, 65536, 65536)", "more than 2^64"});
    // 2^64 + 12: wraps to 12, and the file has 12 data bytes
    write_file(d / "wrap12", idx_bytes({65536, 65536, 65536, 65536}, std::vector<std::uint8_t>(12)), false, "t");
    test::check_error([&] { read_idx(d / "wrap12"); }, {d / "wrap12", "more than 2^64"});
    // 0xffffffff^3 overflows too, without wrapping to a small number
    write_file(d / "big3", idx_bytes({0xffffffffu, 0xffffffffu, 0xffffffffu}, {1, 2, 3}), false, "t");
    test::check_error([&] { read_idx(d / "big3"); }, {d / "big3", "more than 2^64"});
    // no overflow, but beyond the cap: refused from the header alone
    write_file(d / "huge", idx_bytes({60000, 1000, 1000}, {1, 2, 3}), false, "t");
    test::check_error([&] { read_idx(d / "huge"); }, {d / "huge", "60000000000 bytes", "16 GiB cap"});
    // the same headers gzipped
    write_file(d / "wrap.gz", idx_bytes({65536, 65536, 65536, 65536}, {}), true, "t");
    test::check_error([&] { read_idx(d / "wrap.gz"); }, {d / "wrap.gz", "more than 2^64"});
}

BOOST_AUTO_TEST_CASE(idx_images_with_an_overflowing_header_do_not_load) {
    test::TmpDir d;
    write_file(d / "train-images-idx3-ubyte", idx_bytes({65536, 65536, 65536, 65536}, {}), false, "t");
    write_idx(d / "train-labels-idx1-ubyte", IdxArray{{65536}, std::vector<std::uint8_t>(65536)}, false);
    test::check_error([&] { load_idx_dir(d.path.string(), true); }, {"train-images-idx3-ubyte", "more than 2^64"});
    // images with a zero height hold no pixels: refused instead of a dataset of empty images
    write_idx(d / "flat", IdxArray{{3, 0, 5}, {}}, false);
    write_idx(d / "flat_labels", IdxArray{{3}, {0, 1, 2}}, false);
    test::check_error([&] { load_idx(d / "flat", d / "flat_labels"); }, {d / "flat", "(3, 0, 5)", "empty"});
}

BOOST_AUTO_TEST_CASE(gzip_idx_is_checked_against_what_the_stream_can_hold) {
    test::TmpDir d;
    // a 40-byte gzip file cannot hold the 1 GB its header promises (deflate expands <= 1032x)
    write_file(d / "liar.gz", idx_bytes({1000, 1000, 1000}, {1, 2, 3}), true, "t");
    test::check_error([&] { read_idx(d / "liar.gz"); }, {d / "liar.gz", "1000000000 bytes", "gzip file can hold"});
    // a gzip bomb: the header promises 16 bytes, the stream inflates to 64 MiB of zeros;
    // reading stops one byte after the promise
    write_file(d / "bomb.gz", idx_bytes({1, 4, 4}, std::vector<std::uint8_t>(64u << 20)), true, "t");
    BOOST_TEST(fs::file_size(d / "bomb.gz") < 200000u);
    test::check_error([&] { read_idx(d / "bomb.gz"); }, {d / "bomb.gz", "16 bytes", "gzip bomb"});
    // a stream that ends before the promised data
    write_file(d / "short.gz", idx_bytes({2, 4, 4}, std::vector<std::uint8_t>(20, 7)), true, "t");
    test::check_error([&] { read_idx(d / "short.gz"); }, {d / "short.gz", "promises 32 bytes", "holds 20", "truncated"});
}

BOOST_AUTO_TEST_CASE(read_maybe_gzip_stops_at_its_cap) {
    test::TmpDir d;
    write_file(d / "zeros.gz", std::vector<std::uint8_t>(8u << 20), true, "t");  // 8 MiB of zeros, ~8 KB
    test::check_error([&] { read_maybe_gzip(d / "zeros.gz", "t", 1u << 20); },
                      {d / "zeros.gz", "more than the 1048576 bytes cap", "gzip bomb"});
    BOOST_TEST(read_maybe_gzip(d / "zeros.gz", "t", 8u << 20).size() == 8u << 20);  // exactly the cap is fine
    test::check_error([&] { read_file(d / "zeros.gz", "t", 100); }, {d / "zeros.gz", "larger than the 100 bytes cap"});
}

// ---- 2. only regular files ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(regular_file_check_names_what_the_path_is) {
    test::TmpDir d;
    write_file(d / "f", std::vector<std::uint8_t>(3 * 1024), false, "t");
    BOOST_TEST(check_regular_file(d / "f", "t") == 3u * 1024);
    test::check_error([&] { check_regular_file(d / "f", "op", 2 * 1024); },
                      {"op: ", d / "f", "is 3072 bytes, larger than the 2048 bytes cap"});
    test::check_error([&] { check_regular_file(d.path.string(), "op"); }, {d.path.string(), "is a directory"});
    test::check_error([&] { check_regular_file("/dev/zero", "op"); },
                      {"/dev/zero", "is not a regular file (character device)"});
    const auto fifo = test::make_fifo(d / "fifo");
    test::check_error([&] { check_regular_file(fifo, "op"); }, {fifo, "is not a regular file (FIFO)"});
    test::check_error([&] { check_regular_file(d / "nope", "op"); }, {d / "nope", "cannot open", "no such file"});
    BOOST_TEST(size_cap_str(16 * kGiB) == "16 GiB");
}

BOOST_AUTO_TEST_CASE(dataset_readers_refuse_fifos_without_blocking) {
    test::TmpDir d;
    const auto fifo = test::make_fifo(d / "fifo");
    auto check = [&](auto&& f, const std::string& what) {
        const std::string msg = test::error_without_blocking(f, fifo);
        BOOST_CHECK_MESSAGE(msg.find(fifo) != std::string::npos && msg.find("is not a regular file (FIFO)") != std::string::npos,
                            what + ": " + msg);
    };
    check([&] { read_idx(fifo); }, "read_idx");
    check([&] { load_image(fifo, {}); }, "load_image");
    check([&] { read_text_file(fifo); }, "read_text_file");
    check([&] { load_corpus(fifo); }, "load_corpus");
    // a CIFAR batch that is a FIFO
    fs::create_directory(d.path / "cifar");
    const auto batch = test::make_fifo(d / "cifar/data_batch_1.bin");
    const std::string msg = test::error_without_blocking([&] { load_cifar10(d / "cifar", true); }, batch);
    BOOST_CHECK_MESSAGE(msg.find("data_batch_1.bin: is not a regular file (FIFO)") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(dataset_readers_refuse_dev_zero_and_directories) {
    test::TmpDir d;
    for (const std::string& p : {std::string("/dev/zero"), std::string("/dev/urandom")}) {
        test::check_error([&] { read_idx(p); }, {p, "character device"});
        test::check_error([&] { load_image(p, {}); }, {p, "character device"});
        test::check_error([&] { read_text_file(p); }, {p, "character device"});
    }
    test::check_error([&] { read_idx(d.path.string()); }, {d.path.string(), "is a directory"});
    test::check_error([&] { load_image(d.path.string(), {}); }, {d.path.string(), "is a directory"});
    test::check_error([&] { read_text_file(d.path.string()); }, {d.path.string(), "is a directory"});
    // an IDX "file" that is a directory inside a dataset dir
    fs::create_directory(d.path / "train-images-idx3-ubyte");
    write_idx(d / "train-labels-idx1-ubyte", IdxArray{{1}, {0}}, false);
    test::check_error([&] { load_idx_dir(d.path.string(), true); }, {"train-images-idx3-ubyte: is a directory"});
}

BOOST_AUTO_TEST_CASE(image_folder_skips_fifos_and_reads_the_images) {
    test::TmpDir d;
    for (const std::string c : {"a", "b"}) {
        fs::create_directories(d.path / c);
        write_png(d / (c + "/1.png"), 10);
    }
    test::make_fifo(d / "a/2.png");  // not a regular file: not an image
    std::int64_t n = -1;
    const std::string msg =
        test::error_without_blocking([&] { n = load_image_folder(d.path.string(), {3, 8, 8}).size(); }, d / "a/2.png");
    BOOST_TEST(msg == "");
    BOOST_TEST(n == 2);
}

// A 56-byte BMP whose header declares 1,372,160 x 35 pixels (found by fuzz/, regress_bmp_rows_past_eof):
// stb read the missing rows as zeros, decoding 144 MB from 56 bytes (30 s under ASan). The pixel
// rows must be in the file; a whole BMP still loads, the same file one byte short does not.
BOOST_AUTO_TEST_CASE(bmp_whose_rows_run_past_the_end_is_refused) {
    test::TmpDir d;
    const std::vector<std::uint8_t> bomb = {
        0x42, 0x4d, 0x76, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfa, 0x00, 0x36, 0x00, 0x00, 0x00, 0x28, 0x00,
        0x00, 0x00, 0x00, 0xf8, 0x14, 0x00, 0x23, 0x00, 0x00, 0x00, 0x01, 0x00, 0x18, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x4e, 0x00, 0x00, 0xe1, 0x06, 0x25, 0x25, 0x4a, 0x4a,
        0x4a, 0x6f, 0x6f, 0x6f, 0x94, 0x94, 0x94, 0x00};
    const std::string bomb_path = d / "bomb.bmp";
    std::ofstream(bomb_path, std::ios::binary).write(reinterpret_cast<const char*>(bomb.data()), bomb.size());
    test::check_error([&] { load_image(bomb_path, {3, 8, 8}); }, {bomb_path, "corrupt BMP", "past the end"});
    // the second finding (regress_bmp_odd_compression): 40 bytes, compression 0xff7f0000 (stb reads
    // it as plain rows), 37 x 8,388,807 1-bit pixels stored top-down
    const std::vector<std::uint8_t> odd = {
        0x42, 0x4d, 0x76, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x02, 0x00, 0x00, 0x00, 0x28, 0x00,
        0x00, 0x00, 0x25, 0x00, 0x00, 0x00, 0x39, 0xff, 0x7f, 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x7f, 0xff, 0xff, 0xff, 0x01, 0x5d, 0xbc, 0x05};
    const std::string odd_path = d / "odd.bmp";
    std::ofstream(odd_path, std::ios::binary).write(reinterpret_cast<const char*>(odd.data()), odd.size());
    test::check_error([&] { load_image(odd_path, {3, 8, 8}); }, {odd_path, "corrupt BMP"});

    const std::string whole = d / "whole.bmp";
    std::vector<std::uint8_t> px(5 * 3 * 3, 77);
    BOOST_REQUIRE(stbi_write_bmp(whole.c_str(), 5, 3, 3, px.data()));
    BOOST_TEST(load_image(whole, {3, 8, 8})[0] == 77);
    const auto size = fs::file_size(whole);
    const std::string cut = d / "cut.bmp";
    fs::copy_file(whole, cut);
    fs::resize_file(cut, size - 1);
    test::check_error([&] { load_image(cut, {3, 8, 8}); }, {cut, "corrupt BMP"});
}

// regress_png_empty_idat (fuzzer): a zero-length IDAT before the image data made stb 2.27 call
// memcpy(NULL, ..., 0) (UBSan under `./prism test --sanitize --run_test=fuzz_replay`). Such a
// chunk is valid PNG: load_image drops it, and the image decodes as without it.
BOOST_AUTO_TEST_CASE(png_with_an_empty_idat_chunk_decodes_unchanged) {
    test::TmpDir d;
    const std::string plain = d / "plain.png";
    write_png(plain, 123);
    std::ifstream in(plain, std::ios::binary);
    std::vector<std::uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto idat = std::search(b.begin(), b.end(), "IDAT", "IDAT" + 4) - 4;  // its length field
    BOOST_REQUIRE(idat > b.begin() + 8);
    const std::uint8_t empty[12] = {0, 0, 0, 0, 'I', 'D', 'A', 'T', 0x35, 0xaf, 0x06, 0x1e};  // CRC of "IDAT"
    b.insert(idat, empty, empty + 12);
    const std::string with_empty = d / "empty_idat.png";
    std::ofstream(with_empty, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), b.size());
    const auto want = load_image(plain, {3, 8, 8});
    BOOST_TEST(want[0] == 123);
    BOOST_TEST(load_image(with_empty, {3, 8, 8}) == want);
}

// A JPEG too short for its declared size is truncated: stb read the missing coded data as zeros
// (a 689-byte file declaring 252 x 65526 pixels decoded to 16.5 M gray pixels; fuzz/ slow unit,
// `regress_jpeg_16m_px_in_689_bytes`). Each 8x8 block costs at least one bit, so the bound never
// refuses a whole file: a flat 1024 x 1024 JPEG, the best case for compression, still loads.
BOOST_AUTO_TEST_CASE(jpeg_shorter_than_its_pixels_need_is_refused) {
    test::TmpDir d;
    const std::string flat = d / "flat.jpg";
    std::vector<std::uint8_t> px(1024 * 1024 * 3, 90);
    BOOST_REQUIRE(stbi_write_jpg(flat.c_str(), 1024, 1024, 3, px.data(), 1));
    BOOST_TEST(std::abs(int(load_image(flat, {3, 8, 8})[0]) - 90) <= 10);  // quality 1: coarse DC steps
    const std::string noisy = d / "noisy.jpg";
    for (std::size_t k = 0; k < px.size(); ++k) px[k] = static_cast<std::uint8_t>(k * 2654435761u >> 24);
    BOOST_REQUIRE(stbi_write_jpg(noisy.c_str(), 1024, 1024, 3, px.data(), 90));
    load_image(noisy, {3, 8, 8});
    const std::string cut = d / "cut.jpg";
    fs::copy_file(noisy, cut);
    fs::resize_file(cut, 1000);  // 1024 x 1024 needs at least 128 x 128 / 8 = 2048 bytes
    test::check_error([&] { load_image(cut, {3, 8, 8}); }, {cut, "corrupt JPEG", "1024x1024", "2048", "truncated"});
}

// regress_jpeg_undefined_huffman_table (fuzzer): its scan decodes component 1 with AC Huffman
// table 2, which the file never defines. Debian's stb_image 2.27 read that table from
// uninitialised memory, whatever the previous decode left there (UBSan while fuzzing: index 991
// into a 257-entry table; right after a JPEG that defines AC table 2 it decoded the file with
// that table). JPEG now goes through libjpeg-turbo (data/image_decode.cpp): refused every time.
BOOST_AUTO_TEST_CASE(jpeg_naming_an_undefined_huffman_table_is_refused_every_time) {
    const std::string undefined = "fuzz/corpus/image/regress_jpeg_undefined_huffman_table";
    test::check_error([&] { load_image(undefined, {3, 8, 8}); }, {undefined, "cannot decode image"});
    test::TmpDir d;
    const std::string plain = d / "plain.jpg";
    std::vector<std::uint8_t> px(64 * 64 * 3);
    for (std::size_t k = 0; k < px.size(); ++k) px[k] = static_cast<std::uint8_t>(k * 2654435761u >> 24);
    BOOST_REQUIRE(stbi_write_jpg(plain.c_str(), 64, 64, 3, px.data(), 90));
    std::ifstream in(plain, std::ios::binary);
    std::vector<std::uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // stb_image_write's tables are DC 0x00, AC 0x10 (luma), 0x01, 0x11 (chroma); luma's AC table
    // becomes table 2: the DHT's 0x10 -> 0x12 and the scan's selector for component 1 0x00 -> 0x02
    const std::uint8_t dht[2] = {0xFF, 0xC4}, sos[2] = {0xFF, 0xDA};
    const auto h = std::search(b.begin(), b.end(), dht, dht + 2);
    const auto ac0 = std::find(h + 4 + 17 + 12, b.end(), std::uint8_t{0x10});  // after DC table 0 (12 symbols)
    const auto s = std::search(b.begin(), b.end(), sos, sos + 2);
    BOOST_REQUIRE(h != b.end() && ac0 != b.end() && s != b.end() && s[5] == 1 && s[6] == 0x00);
    *ac0 = 0x12, s[6] = 0x02;
    const std::string table2 = d / "ac_table_2.jpg";
    std::ofstream(table2, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), b.size());
    BOOST_TEST(load_image(table2, {3, 8, 8}) == load_image(plain, {3, 8, 8}));  // a valid file either way
    test::check_error([&] { load_image(undefined, {3, 8, 8}); }, {undefined, "cannot decode image"});
}

// ---- 3. an empty split is empty -------------------------------------------------------------

BOOST_AUTO_TEST_CASE(an_empty_index_list_is_not_the_whole_dataset) {
    auto ds = std::make_shared<ImageDataset>();
    ds->channels = 1, ds->height = ds->width = 2;
    ds->pixels.assign(4 * 4, 0);
    ds->labels = {0, 1, 0, 1};
    ds->classes = {"a", "b"};
    ds->source = "four";
    LoaderOptions o;
    o.batch_size = 2;
    test::check_error([&] { DataLoader(ds, std::vector<std::int64_t>{}, o); }, {"four", "empty index list"});
    // a split that sends every image to validation leaves an empty training list
    const Split s = train_val_split(*ds, 0.9, 1);
    BOOST_TEST(s.train.empty());
    BOOST_TEST(s.val.size() == 4u);
    test::check_error([&] { DataLoader(ds, s.train, o); }, {"empty index list"});
    BOOST_TEST(DataLoader(ds, s.val, o).size() == 4);
    BOOST_TEST(DataLoader(ds, {}, o).size() == 4);  // nullopt: all images
}

// ---- 4. labels and test sets that do not fit --------------------------------------------------

BOOST_AUTO_TEST_CASE(labels_outside_the_classes_name_the_file_and_image) {
    test::TmpDir d;
    write_pair(d, "train", 2, 2, {0, 1, 9, 12, 3});
    test::check_error([&] { load_idx(d / "train-images-idx3-ubyte", d / "train-labels-idx1-ubyte", fashion_mnist_classes()); },
                      {d / "train-labels-idx1-ubyte", "label 12 of image 3", "outside [0, 10)"});
    test::check_error([&] { load_fashion_mnist(true, d.path.string()); }, {"label 12 of image 3"});
    // CIFAR-10: a record with label 10
    std::vector<std::uint8_t> rec(2 * 3073, 0);
    rec[3073] = 10;
    write_file(d / "data_batch_1.bin", rec, false, "t");
    test::check_error([&] { load_cifar10(d.path.string(), true); }, {"data_batch_1.bin", "record 1", "label 10"});
}

BOOST_AUTO_TEST_CASE(test_set_labels_beyond_the_training_classes_are_refused) {
    test::TmpDir d;
    write_pair(d, "train", 4, 4, {0, 1, 2, 0, 1, 2});
    write_pair(d, "t10k", 4, 4, {0, 2, 1, 5});  // class 5: the model has 3 outputs
    test::check_error([&] { train::load_vision_data("mnist:" + d.path.string()); },
                      {"t10k-images-idx3-ubyte", "label 5 of image 3", "outside [0, 3)", "training set has 3 classes"});
    // fewer classes in the test set is fine (a small test set may miss one)
    write_pair(d, "t10k", 4, 4, {0, 1, 1});
    BOOST_TEST(train::load_vision_data("mnist:" + d.path.string()).test->size() == 3);
}

BOOST_AUTO_TEST_CASE(test_images_of_another_size_are_refused_naming_both_shapes) {
    test::TmpDir d;
    write_pair(d, "train", 4, 4, {0, 1, 2});
    write_pair(d, "t10k", 6, 5, {0, 1});
    test::check_error([&] { train::load_vision_data("mnist:" + d.path.string()); },
                      {"t10k-images-idx3-ubyte", "(1, 6, 5)", "train-images-idx3-ubyte", "(1, 4, 4)"});
}

BOOST_AUTO_TEST_CASE(a_folder_too_small_for_a_test_split_is_refused) {
    test::TmpDir d;
    for (const std::string c : {"a", "b"})
        for (int k = 0; k < 2; ++k) {  // 2 per class: round(0.2 * 2) = 0 held out
            fs::create_directories(d.path / c);
            write_png(d / (c + "/" + std::to_string(k) + ".png"), 30 * k);
        }
    test::check_error([&] { train::load_vision_data("folder:" + d.path.string()); },
                      {"folder:" + d.path.string(), "test set is empty", "4 training images", "3+ images"});
}

// ---- 5. fashion-mnist:DIR ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(fashion_mnist_with_a_directory_reads_that_directory) {
    test::TmpDir d;
    write_pair(d, "train", 28, 28, {0, 1, 2, 3, 9});
    write_pair(d, "t10k", 28, 28, {4, 8});
    const auto data = train::load_vision_data("fashion-mnist:" + d.path.string());
    BOOST_TEST(data.train->size() == 5);
    BOOST_TEST(data.test->size() == 2);
    BOOST_TEST(data.train->source == d / "train-images-idx3-ubyte");
    BOOST_TEST(data.train->classes == fashion_mnist_classes());
    test::check_error([&] { train::load_vision_data("fashion-mnist:" + d / "missing"); }, {d / "missing", "not a directory"});
}

// ---- 6. class folders whose names are not UTF-8 ---------------------------------------------

BOOST_AUTO_TEST_CASE(class_folders_with_non_utf8_names_load) {
    test::TmpDir d;
    const std::string bad = std::string("caf") + char(0xff);  // not valid UTF-8
    for (const std::string& c : {bad, std::string("dog")})
        for (int k = 0; k < 3; ++k) {
            fs::create_directories(d.path / c);
            write_png(d / (c + "/" + std::to_string(k) + ".png"), c == bad ? 200 : 20);
        }
    const ImageDataset ds = load_image_folder(d.path.string(), {3, 8, 8});
    BOOST_TEST(ds.size() == 6);
    BOOST_TEST((ds.classes == std::vector<std::string>{bad, "dog"}));  // raw bytes kept ("caf\xff" < "dog")
    BOOST_TEST(int(ds.image(0)[0]) == 200);
    const auto data = train::load_vision_data("folder:" + d.path.string());
    BOOST_TEST(data.train->classes[0] == bad);
    BOOST_TEST(data.train->size() + data.test->size() == 6);
}

BOOST_AUTO_TEST_SUITE_END()
