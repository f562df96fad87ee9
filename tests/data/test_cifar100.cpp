// CIFAR-100 binary files (train.bin / test.bin, 3074-byte records) written by the test:
// fine and coarse labels, class-name files, the dataset spec, one-line errors naming the file.
#include <algorithm>
#include <fstream>
#include <set>

#include "../helpers.hpp"
#include "prism/data/cifar.hpp"
#include "prism/data/file_io.hpp"
#include "prism/train/vision_data.hpp"
#include "tmpdir.hpp"

using namespace prism;
using namespace prism::data;

namespace {
// n records; record r has coarse label (r * 7) % 20, fine label (r * 37) % 100, pixels (r * 11 + k) % 256.
std::vector<std::uint8_t> records(int n) {
    std::vector<std::uint8_t> b;
    for (int r = 0; r < n; ++r) {
        b.push_back(static_cast<std::uint8_t>((r * 7) % 20));
        b.push_back(static_cast<std::uint8_t>((r * 37) % 100));
        for (int k = 0; k < 3072; ++k) b.push_back(static_cast<std::uint8_t>((r * 11 + k) % 256));
    }
    return b;
}

void write_names(const std::string& path, const std::string& prefix, int n) {
    std::ofstream f(path);
    for (int i = 0; i < n; ++i) f << prefix << i << "\n";
    f << "\n";
}

// Throws prism::Error with a one-line message containing every part.
template <class F> void one_line_error(F&& f, std::initializer_list<std::string> parts) {
    try {
        f();
    } catch (const Error& e) {
        const std::string msg = e.what();
        BOOST_TEST(msg.find('\n') == std::string::npos, "not one line: " << msg);
        for (const auto& p : parts) BOOST_TEST(msg.find(p) != std::string::npos, "'" << p << "' not in: " << msg);
        return;
    }
    BOOST_ERROR("expected prism::Error");
}
}  // namespace

BOOST_AUTO_TEST_SUITE(data_cifar100)

BOOST_AUTO_TEST_CASE(builtin_class_lists) {
    // the official lists are alphabetical: label i is the i-th name
    for (const auto* names : {&cifar100_fine_classes(), &cifar100_coarse_classes()}) {
        BOOST_TEST(std::is_sorted(names->begin(), names->end()));
        BOOST_TEST(std::set<std::string>(names->begin(), names->end()).size() == names->size());
    }
    BOOST_TEST(cifar100_fine_classes().size() == 100u);
    BOOST_TEST(cifar100_coarse_classes().size() == 20u);
    BOOST_TEST(cifar100_fine_classes()[1] == "aquarium_fish");
    BOOST_TEST(cifar100_coarse_classes()[19] == "vehicles_2");
}

BOOST_AUTO_TEST_CASE(fine_and_coarse_labels) {
    test::TmpDir d;
    write_file(d / "train.bin", records(5), false, "t");
    write_file(d / "test.bin", records(3), false, "t");
    const ImageDataset tr = load_cifar100(d.path.string(), true);
    BOOST_TEST(tr.size() == 5);
    BOOST_TEST((tr.channels == 3 && tr.height == 32 && tr.width == 32));
    BOOST_TEST((tr.labels == std::vector<std::int64_t>{0, 37, 74, 11, 48}));
    BOOST_TEST(tr.num_classes() == 100);
    BOOST_TEST(tr.classes[37] == cifar100_fine_classes()[37]);
    BOOST_TEST(int(tr.image(3)[100]) == (3 * 11 + 100) % 256);  // the 2 label bytes are skipped
    const ImageDataset te = load_cifar100(d.path.string(), false, Cifar100Labels::kCoarse);
    BOOST_TEST(te.size() == 3);
    BOOST_TEST((te.labels == std::vector<std::int64_t>{0, 7, 14}));
    BOOST_TEST(te.num_classes() == 20);
    BOOST_TEST(int(te.image(2)[3071]) == (2 * 11 + 3071) % 256);
    // names from the meta files when present
    write_names(d / "fine_label_names.txt", "f", 100);
    write_names(d / "coarse_label_names.txt", "c", 20);
    BOOST_TEST(load_cifar100(d.path.string(), false).classes[42] == "f42");
    BOOST_TEST(load_cifar100(d.path.string(), false, Cifar100Labels::kCoarse).classes[19] == "c19");
    write_names(d / "coarse_label_names.txt", "c", 19);
    one_line_error([&] { load_cifar100(d.path.string(), true, Cifar100Labels::kCoarse); },
                   {"coarse_label_names.txt", "19 class names, expected 20"});
}

BOOST_AUTO_TEST_CASE(bad_files_name_the_file) {
    test::TmpDir d;
    write_file(d / "train.bin", records(2), false, "t");
    auto cut = records(2);
    cut.resize(cut.size() - 10);  // truncated
    write_file(d / "test.bin", cut, false, "t");
    one_line_error([&] { load_cifar100(d.path.string(), false); }, {"test.bin", "6138 bytes", "3074-byte", "truncated"});
    // a CIFAR-10 batch (3073-byte records) is not a CIFAR-100 file
    write_file(d / "test.bin", std::vector<std::uint8_t>(2 * 3073, 1), false, "t");
    one_line_error([&] { load_cifar100(d.path.string(), false); }, {"test.bin", "6146 bytes"});
    write_file(d / "test.bin", {}, false, "t");
    one_line_error([&] { load_cifar100(d.path.string(), false); }, {"test.bin", "0 bytes"});
    auto bad = records(3);
    bad[3074 + 1] = 100;  // record 1's fine label
    write_file(d / "test.bin", bad, false, "t");
    one_line_error([&] { load_cifar100(d.path.string(), false); }, {"test.bin", "record 1", "fine label 100", "0..99"});
    test::TmpDir empty;
    one_line_error([&] { load_cifar100(empty.path.string(), true); }, {"train.bin"});
    one_line_error([&] { load_cifar100((empty.path / "nope").string(), true); }, {"nope", "not a directory"});
}

BOOST_AUTO_TEST_CASE(dataset_spec) {
    BOOST_TEST(parse_cifar100_spec("/data/c100").dir == "/data/c100");
    BOOST_TEST((parse_cifar100_spec("/data/c100").labels == Cifar100Labels::kFine));
    BOOST_TEST(parse_cifar100_spec("/data/c100:coarse").dir == "/data/c100");
    BOOST_TEST((parse_cifar100_spec("/data/c100:coarse").labels == Cifar100Labels::kCoarse));
    BOOST_TEST((parse_cifar100_spec("/data/c100:fine").labels == Cifar100Labels::kFine));
    test::TmpDir d;
    write_file(d / "train.bin", records(4), false, "t");
    write_file(d / "test.bin", records(2), false, "t");
    const auto fine = train::load_vision_data("cifar100:" + d.path.string());
    BOOST_TEST(fine.train->size() == 4);
    BOOST_TEST(fine.test->num_classes() == 100);
    BOOST_TEST(fine.augment.hflip);
    const auto coarse = train::load_vision_data("cifar100:" + d.path.string() + ":coarse");
    BOOST_TEST(coarse.train->num_classes() == 20);
    BOOST_TEST((coarse.train->labels == std::vector<std::int64_t>{0, 7, 14, 1}));
    one_line_error([] { train::load_vision_data("cifar100:"); }, {"cifar100", "needs a directory"});
    one_line_error([] { train::load_vision_data("cifar1000:x"); }, {"cifar1000", "cifar100:DIR[:coarse]"});
}

BOOST_AUTO_TEST_SUITE_END()
