// Bad data files through the real program (issue #14): every case must end with exit 1 and a
// one-line error naming the file; none may crash (signaled), hang (timed_out) or train on
// the wrong images. The files are tiny and written by the test; runs stop after one step.
#include <sys/stat.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>

#include "../data/tmpdir.hpp"
#include "cli_driver.hpp"
#include "prism/data/file_io.hpp"
#include "prism/data/idx.hpp"

using namespace prism;
using namespace prism::test;
namespace fs = std::filesystem;

namespace {

// Short limits: a blocked open() or an endless read shows as timed_out, not a stuck suite.
constexpr int kQuick = 30;

std::vector<std::uint8_t> idx_header(std::initializer_list<std::uint32_t> dims) {
    std::vector<std::uint8_t> b = {0, 0, 8, static_cast<std::uint8_t>(dims.size())};
    for (auto s : dims)
        for (int k = 3; k >= 0; --k) b.push_back(static_cast<std::uint8_t>(s >> (8 * k)));
    return b;
}

// {prefix}-images/labels IDX files of (h, w) images with the given labels.
void write_pair(const TmpDir& d, const std::string& prefix, std::uint32_t h, std::uint32_t w,
                const std::vector<std::uint8_t>& labels) {
    const auto n = static_cast<std::int64_t>(labels.size());
    data::IdxArray im{{n, h, w}, std::vector<std::uint8_t>(n * h * w)}, lb{{n}, labels};
    for (std::size_t k = 0; k < im.data.size(); ++k) im.data[k] = static_cast<std::uint8_t>(k * 37 % 256);
    data::write_idx(d / (prefix + "-images-idx3-ubyte"), im, false);
    data::write_idx(d / (prefix + "-labels-idx1-ubyte"), lb, false);
}

// A small MNIST-like set of 8x8 images, 2 classes, that vit trains on with --patch 4.
void write_tiny(const TmpDir& d) {
    write_pair(d, "train", 8, 8, {0, 1, 0, 1, 0, 1});
    write_pair(d, "t10k", 8, 8, {0, 1});
}

std::vector<std::string> train_args(const std::string& dataset, const TmpDir& out) {
    return {"train", "vit", "--dataset", dataset, "--epochs", "1", "--max-steps", "1", "--batch-size", "2",
            "--patch", "4", "--val-fraction", "0", "--out", out / "run"};
}

// Exit 1 with one line on stderr that holds every part; no crash, no hang.
void expect_one_line_error(const CliResult& r, std::initializer_list<std::string> parts) {
    BOOST_CHECK_MESSAGE(!r.signaled, "crashed: " + r.all());
    BOOST_CHECK_MESSAGE(!r.timed_out, "hung: " + r.all());
    BOOST_CHECK_EQUAL(r.exit_code, 1);
    BOOST_CHECK_MESSAGE(std::count(r.err.begin(), r.err.end(), '\n') == 1, "not one line: " + r.err);
    for (const auto& p : parts) BOOST_CHECK_MESSAGE(r.err.find(p) != std::string::npos, "'" + p + "' not in: " + r.err);
}

std::string make_fifo(const std::string& path) {
    BOOST_REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    return path;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_bad_data)

BOOST_AUTO_TEST_CASE(overflowing_idx_header_is_an_error_not_a_crash) {
    TmpDir d, out;
    write_tiny(d);
    const auto trained = run_cli(train_args("mnist:" + d.path.string(), out), {}, 120);  // a checkpoint for eval
    BOOST_REQUIRE_MESSAGE(trained.exit_code == 0, trained.all());
    // 65536^4 = 2^64 bytes wraps to 0 = the bytes after the header: used to segfault
    const auto wrap = idx_header({65536, 65536, 65536, 65536});
    data::write_file(d / "t10k-images-idx3-ubyte", wrap, false, "t");
    data::write_idx(d / "t10k-labels-idx1-ubyte", data::IdxArray{{65536}, std::vector<std::uint8_t>(65536)}, false);
    expect_one_line_error(run_cli({"eval", "vit", "--checkpoint", out / "run/last.safetensors", "--dataset",
                                   "mnist:" + d.path.string()}, {}, kQuick),
                          {d / "t10k-images-idx3-ubyte", "more than 2^64"});
    data::write_file(d / "train-images-idx3-ubyte", wrap, false, "t");
    data::write_idx(d / "train-labels-idx1-ubyte", data::IdxArray{{65536}, std::vector<std::uint8_t>(65536)}, false);
    TmpDir out2;  // a fresh --out: `out` holds the first run, which train refuses to mix with another
    expect_one_line_error(run_cli(train_args("mnist:" + d.path.string(), out2), {}, kQuick),
                          {d / "train-images-idx3-ubyte", "more than 2^64"});
}

BOOST_AUTO_TEST_CASE(gzip_bomb_idx_stops_with_an_error) {
    TmpDir d, out;
    write_tiny(d);
    // 6 images of 8x8 promised, 64 MiB of zeros delivered (about 64 KB gzipped)
    std::vector<std::uint8_t> bomb = idx_header({6, 8, 8});
    bomb.resize(bomb.size() + (64u << 20));
    data::write_file(d / "train-images-idx3-ubyte.gz", bomb, true, "t");
    fs::remove(d.path / "train-images-idx3-ubyte");
    expect_one_line_error(run_cli(train_args("mnist:" + d.path.string(), out), {}, kQuick),
                          {"train-images-idx3-ubyte.gz", "gzip bomb"});
}

BOOST_AUTO_TEST_CASE(checkpoint_that_is_a_fifo_directory_or_device) {
    TmpDir d;
    write_tiny(d);
    const std::string ds = "mnist:" + d.path.string();
    const auto fifo = make_fifo(d / "fifo.safetensors");
    expect_one_line_error(run_cli({"eval", "vit", "--checkpoint", fifo, "--dataset", ds}, {}, kQuick),
                          {fifo, "is not a regular file (FIFO)"});
    fs::create_directory(d.path / "dir.safetensors");
    expect_one_line_error(run_cli({"eval", "vit", "--checkpoint", d / "dir.safetensors", "--dataset", ds}, {}, kQuick),
                          {d / "dir.safetensors", "is a directory"});
    expect_one_line_error(run_cli({"eval", "vit", "--checkpoint", "/dev/zero", "--dataset", ds}, {}, kQuick),
                          {"/dev/zero", "is not a regular file (character device)"});
}

BOOST_AUTO_TEST_CASE(text_and_image_fifos_fail_without_blocking) {
    TmpDir d, out;
    const auto text = make_fifo(d / "text.txt");
    expect_one_line_error(run_cli({"train", "gpt", "--text", text, "--max-steps", "1", "--out", out / "gpt"}, {}, kQuick),
                          {text, "is not a regular file (FIFO)"});
    // predict: a real checkpoint from one step of training, then an "image" that is a FIFO
    write_tiny(d);
    const auto r = run_cli(train_args("mnist:" + d.path.string(), out), {}, 120);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.all());
    const auto img = make_fifo(d / "img.png");
    expect_one_line_error(run_cli({"predict", "--checkpoint", out / "run/last.safetensors", img}, {}, kQuick),
                          {img, "is not a regular file (FIFO)"});
}

BOOST_AUTO_TEST_CASE(val_fraction_that_leaves_no_training_images) {
    TmpDir d, out;
    write_tiny(d);  // 3 images per class: round(0.9 * 3) = 3 go to validation
    auto args = train_args("mnist:" + d.path.string(), out);
    args[13] = "0.9";  // --val-fraction
    BOOST_REQUIRE(args[12] == "--val-fraction");
    expect_one_line_error(run_cli(args, {}, kQuick), {"--val-fraction 0.9", "no training images", "6 to validation"});
}

BOOST_AUTO_TEST_CASE(test_set_the_model_cannot_take_is_refused_before_training) {
    TmpDir d, out;
    write_pair(d, "train", 8, 8, {0, 1, 0, 1});
    write_pair(d, "t10k", 12, 12, {0, 1});
    auto r = run_cli(train_args("mnist:" + d.path.string(), out), {}, kQuick);
    expect_one_line_error(r, {"(1, 12, 12)", "(1, 8, 8)", "t10k-images-idx3-ubyte"});
    BOOST_TEST(!fs::exists(out.path / "run/last.safetensors"));  // refused before the first step
    write_pair(d, "t10k", 8, 8, {0, 1, 7});
    r = run_cli(train_args("mnist:" + d.path.string(), out), {}, kQuick);
    expect_one_line_error(r, {"label 7 of image 2", "outside [0, 2)"});
    // fashion-mnist has 10 classes: a label of 12 in the training file
    write_pair(d, "train", 28, 28, {0, 1, 2, 12});
    r = run_cli(train_args("fashion-mnist:" + d.path.string(), out), {}, kQuick);
    expect_one_line_error(r, {"train-labels-idx1-ubyte", "label 12 of image 3"});
}

BOOST_AUTO_TEST_CASE(fashion_mnist_dir_is_used) {
    TmpDir d, out;
    write_pair(d, "train", 28, 28, {0, 1, 2, 9});
    write_pair(d, "t10k", 28, 28, {3, 4, 5});
    auto args = train_args("fashion-mnist:" + d.path.string(), out);
    args[11] = "7";  // --patch 7 for 28x28
    BOOST_REQUIRE(args[10] == "--patch");
    const auto r = run_cli(args, {}, 120);
    BOOST_CHECK_EQUAL(r.exit_code, 0);
    // the 3 test images written here, not Debian's 10000
    BOOST_CHECK_MESSAGE(r.out.find("on 3 images") != std::string::npos, r.all());
}

BOOST_AUTO_TEST_SUITE_END()
