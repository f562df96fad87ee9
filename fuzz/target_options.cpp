// The command-line value parsers as a fuzz target (fuzz/targets.hpp: `options`).
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "prism/core/error.hpp"
#include "prism/data/corruptions.hpp"
#include "prism/data/idx.hpp"
#include "prism/models/attention_spec.hpp"
#include "prism/study/oversmoothing.hpp"
#include "prism/train/vision_data.hpp"
#include "targets.hpp"

namespace prism::fuzz {

namespace {

namespace fs = std::filesystem;

// A 2x2 24-bit BMP of one colour.
std::vector<std::uint8_t> tiny_bmp(std::uint8_t v) {
    std::vector<std::uint8_t> b(54 + 16, 0);
    auto put32 = [&](std::size_t at, std::uint32_t x) {
        for (int k = 0; k < 4; ++k) b[at + k] = static_cast<std::uint8_t>(x >> (8 * k));
    };
    b[0] = 'B', b[1] = 'M';
    put32(2, static_cast<std::uint32_t>(b.size()));
    put32(10, 54), put32(14, 40), put32(18, 2), put32(22, 2);
    b[26] = 1, b[28] = 24;  // planes, bits per pixel
    put32(34, 16);
    for (std::size_t i = 54; i < b.size(); ++i) b[i] = v;  // rows of 6 bytes padded to 8
    return b;
}

// scratch/datasets/{m: an MNIST-style IDX pair per split, f: an image folder of 2 classes, d: an
// MNIST-style dir whose images "file" is a directory},
// so a --dataset value can reach a successful load.
const std::string& datasets_dir() {
    static const std::string dir = [] {
        const std::string d = scratch_dir() + "/datasets";
        fs::create_directories(d + "/m");
        for (const char* split : {"train", "t10k"}) {
            data::IdxArray im{{4, 2, 2}, std::vector<std::uint8_t>(16, 7)}, lb{{4}, {0, 1, 0, 1}};
            data::write_idx(d + "/m/" + split + "-images-idx3-ubyte", im, false);
            data::write_idx(d + "/m/" + split + "-labels-idx1-ubyte.gz", lb, true);
        }
        // d: an "images" entry that is a directory (read_file used to let std::ios_base::failure out)
        fs::create_directories(d + "/d/train-images-idx3-ubyte");
        data::write_idx(d + "/d/train-labels-idx1-ubyte", {{1}, {0}}, false);
        for (const char* cls : {"a", "b"}) {
            fs::create_directories(d + "/f/" + cls);
            for (int i = 0; i < 5; ++i) {
                const auto bmp = tiny_bmp(static_cast<std::uint8_t>(40 * i));
                write_scratch(std::string("datasets/f/") + cls + "/" + std::to_string(i) + ".bmp", bmp.data(), bmp.size());
            }
        }
        return d;
    }();
    return dir;
}

// "kind:DIR" with DIR made one path component under datasets_dir(): no file outside it is read.
std::string confine_dataset(const std::string& spec) {
    const auto colon = spec.find(':');
    if (colon == std::string::npos) return spec;
    std::string dir = spec.substr(colon + 1);
    if (dir.empty()) return spec;
    for (char& c : dir)
        if (c == '/') c = '_';
    if (dir == "." || dir == "..") dir = "_";
    return spec.substr(0, colon + 1) + datasets_dir() + "/" + dir;
}


template <class F>
void expect_error_only(F&& f) {
    try {
        f();
    } catch (const Error&) {
    }
}

}  // namespace

void options(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> line(11);
    {
        std::size_t k = 0;
        for (std::size_t i = 0; i < size && k < line.size(); ++i) {
            if (data[i] == '\n') ++k;
            else line[k] += static_cast<char>(data[i]);
        }
    }
    // --attention KIND --spectral-clip/--rotate-clip LO,HI --attention-layers FIRST,END --alpha --lambda1 --lambda2 --learnable-lambdas
    expect_error_only([&] {
        std::istringstream nums(line[3]);
        std::string t[4];
        nums >> t[0] >> t[1] >> t[2] >> t[3];
        // line 1 is the clip of whichever kind: --spectral-clip for spectral-*, else --rotate-clip
        models::AttentionOptions opts;
        if (!line[1].empty()) opts[line[0].rfind("spectral-rotate", 0) == 0 ? "rotate-clip" : "spectral-clip"] = line[1];
        const char* numbers[3] = {"alpha", "lambda1", "lambda2"};
        for (int i = 0; i < 3; ++i)
            if (!t[i].empty() && t[i] != "-") opts[numbers[i]] = t[i];
        if (t[3] == "1") opts["learnable-lambdas"] = "1";
        const auto spec = models::parse_attention_options(line[0], opts, line[2]);
        // The checkpoint config round trip, and the per-block configs a model would be built with.
        const auto back = models::AttentionSpec::from_json(spec.to_json());
        if (back.kind != spec.kind || back.params != spec.params || back.layers != spec.layers)
            throw std::logic_error("fuzz finding: AttentionSpec json round trip changed " + spec.to_json().dump());
        for (std::int64_t layer = 0; layer < 4; ++layer) (void)spec.for_layer(layer, layer % 2 == 0, true);
    });
    // The same kind as a checkpoint's "attention" entry.
    expect_error_only([&] {
        const auto j = nlohmann::json::parse(line[0], nullptr, /*allow_exceptions=*/false);
        if (!j.is_discarded()) (void)models::AttentionSpec::from_json(j);
    });
    // `prism study oversmoothing` lists.
    expect_error_only([&] { (void)study::parse_depths(line[4]); });
    expect_error_only([&] { (void)study::parse_data_fractions(line[5]); });
    expect_error_only([&] { (void)study::parse_attention_kinds(line[6]); });
    std::vector<int> severities = {1, 5};
    expect_error_only([&] { severities = study::parse_severities(line[7]); });
    expect_error_only([&] { (void)study::parse_corruptions(line[8], severities); });
    // `prism eval vit --corruption NAME:SEVERITY`
    expect_error_only([&] { (void)data::parse_corruption(line[9]); });
    // --dataset (fashion-mnist itself is 70000 images: the test suite loads it, the fuzzer does not)
    const std::string kind = line[10].substr(0, line[10].find(':'));
    if (kind != "fashion-mnist") expect_error_only([&] {
            const auto d = train::load_vision_data(confine_dataset(line[10]), 1);
            d.train->check(), d.test->check();
        });
}

}  // namespace prism::fuzz
