// CIFAR-100 and the corruptions through the CLI: train and evaluate on CIFAR-100 binary files the
// test writes (fine and coarse labels), every corruption by name, one-line errors.
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "../data/tmpdir.hpp"
#include "cli_driver.hpp"

using namespace prism::test;

namespace {
// n CIFAR-100 records: coarse label r % 20, fine label (r * 37) % 100, pixels (r * 11 + k) % 256.
void write_cifar100(const std::string& path, int n, std::size_t cut = 0) {
    std::string b;
    for (int r = 0; r < n; ++r) {
        b += static_cast<char>(r % 20);
        b += static_cast<char>((r * 37) % 100);
        for (int k = 0; k < 3072; ++k) b += static_cast<char>((r * 11 + k) % 256);
    }
    b.resize(b.size() - cut);
    std::ofstream(path, std::ios::binary) << b;
}

// The dataset spec cifar100:DIR with an optional suffix (":coarse").
std::string spec(const TmpDir& d, const char* suffix = "") {
    std::string s = "cifar100:";
    s += d.path.string();
    s += suffix;
    return s;
}

bool one_line(const std::string& s) { return !s.empty() && s.find('\n') == s.size() - 1; }
}  // namespace

BOOST_AUTO_TEST_SUITE(cli_corrupt_data)

BOOST_AUTO_TEST_CASE(help_lists_cifar100_and_the_corruptions) {
    const auto r = run_cli({"eval", "vit", "--help"});
    BOOST_CHECK_EQUAL(r.exit_code, 0);
    for (const char* part : {"cifar100:DIR[:coarse]", "defocus_blur", "motion_blur", "jpeg_compression",
                             "elastic_transform", "not implemented"})
        BOOST_CHECK_MESSAGE(r.out.find(part) != std::string::npos, part << " not in: " << r.out);
}

BOOST_AUTO_TEST_CASE(train_and_eval_on_cifar100) {
    TmpDir d;
    write_cifar100(d / "train.bin", 40);
    write_cifar100(d / "test.bin", 8);
    const std::string coarse = spec(d, ":coarse");
    const auto t = run_cli({"train", "vit", "--dataset", coarse, "--epochs", "1", "--batch-size", "8", "--dim", "16",
                            "--depth", "1", "--heads", "2", "--patch", "8", "--mlp-dim", "32", "--out", d / "run"});
    BOOST_REQUIRE_MESSAGE(t.exit_code == 0, t.all());
    const std::string ck = d / "run/best.safetensors";
    for (const char* c : {"defocus_blur:1", "motion_blur:5", "jpeg_compression:3", "elastic_transform:2", "shot_noise:5"}) {
        const auto e = run_cli({"eval", "vit", "--checkpoint", ck, "--dataset", coarse, "--corruption", c, "--json"});
        BOOST_CHECK_MESSAGE(e.exit_code == 0, c << ": " << e.all());
        BOOST_CHECK_MESSAGE(e.out.find("\"samples\":8") != std::string::npos, e.out);
    }
    // a 20-class checkpoint on the 100 fine labels: refused, naming both
    const auto fine = run_cli({"eval", "vit", "--checkpoint", ck, "--dataset", spec(d)});
    BOOST_CHECK_EQUAL(fine.exit_code, 1);
    BOOST_CHECK_MESSAGE(one_line(fine.err) && fine.err.find("20 classes") != std::string::npos &&
                            fine.err.find("has 100") != std::string::npos,
                        fine.err);
    const auto fog = run_cli({"eval", "vit", "--checkpoint", ck, "--dataset", coarse, "--corruption", "fog:2"});
    BOOST_CHECK_NE(fog.exit_code, 0);
    BOOST_CHECK_MESSAGE(one_line(fog.err) && fog.err.find("not implemented") != std::string::npos, fog.err);
}

BOOST_AUTO_TEST_CASE(truncated_cifar100_is_one_line_naming_the_file) {
    TmpDir d;
    write_cifar100(d / "train.bin", 4);
    write_cifar100(d / "test.bin", 2, 100);
    const auto r = run_cli({"train", "vit", "--dataset", spec(d), "--epochs", "1", "--out",
                            d / "run"});
    BOOST_CHECK_EQUAL(r.exit_code, 1);
    BOOST_CHECK_MESSAGE(one_line(r.err) && r.err.find(d / "test.bin") != std::string::npos &&
                            r.err.find("3074-byte records") != std::string::npos,
                        r.err);
}

BOOST_AUTO_TEST_SUITE_END()
