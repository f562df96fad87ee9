// Replays the committed fuzz corpora (fuzz/corpus/<target>/) through the fuzz targets'
// functions: every file must end in success or a prism::Error, never another exception.
// Under `./prism test --sanitize` this also catches memory errors and UB on those inputs;
// the corpora hold a regression input for every fixed finding (fuzz/README.md).
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "../../fuzz/targets.hpp"

namespace fs = std::filesystem;

namespace {

using Target = void (*)(const std::uint8_t*, std::size_t);

// Files of fuzz/corpus/<name>, sorted so failures are reported in a stable order.
std::vector<fs::path> corpus(const std::string& name) {
    const fs::path dir = fs::path(PRISM_SOURCE_DIR) / "fuzz" / "corpus" / name;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

void replay(const std::string& name, Target target) {
    const auto files = corpus(name);
    BOOST_TEST_REQUIRE(files.size() >= 10u, "fuzz/corpus/" << name << " has " << files.size() << " files");
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        BOOST_CHECK_MESSAGE(in.good() || in.eof(), "cannot read " << f);
        try {
            target(bytes.data(), bytes.size());
        } catch (const std::exception& e) {
            BOOST_ERROR(name << " target on " << f.filename().string() << ": " << e.what());
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fuzz_replay)

BOOST_AUTO_TEST_CASE(safetensors) { replay("safetensors", prism::fuzz::safetensors); }
BOOST_AUTO_TEST_CASE(idx) { replay("idx", prism::fuzz::idx); }
BOOST_AUTO_TEST_CASE(image) { replay("image", prism::fuzz::image); }
BOOST_AUTO_TEST_CASE(text) { replay("text", prism::fuzz::text); }
BOOST_AUTO_TEST_CASE(options) { replay("options", prism::fuzz::options); }
BOOST_AUTO_TEST_CASE(cli) { replay("cli", prism::fuzz::cli); }

BOOST_AUTO_TEST_SUITE_END()
