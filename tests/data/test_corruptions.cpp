#include <cmath>

#include "../helpers.hpp"
#include "prism/data/corruptions.hpp"
#include "prism/data/loader.hpp"

using namespace prism;
using namespace prism::data;

namespace {
// (4, 3, 16, 16) smooth images with an edge, in [0, 1] (pixelate aliases on fine checkers)
Tensor images() {
    Tensor t = Tensor::empty({4, 3, 16, 16});
    float* p = t.data<float>();
    for (int b = 0; b < 4; ++b)
        for (int c = 0; c < 3; ++c)
            for (int y = 0; y < 16; ++y)
                for (int x = 0; x < 16; ++x)
                    p[((b * 3 + c) * 16 + y) * 16 + x] =
                        0.5f + 0.3f * std::sin(0.4f * x + b) * std::cos(0.3f * y + c) + (x > 8 + b ? 0.1f : 0.0f);
    return t;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(data_corruptions)

BOOST_AUTO_TEST_CASE(parse_names_and_errors) {
    BOOST_TEST(corruption_names().size() == 7u);
    const Corruption c = parse_corruption("contrast:5");
    BOOST_TEST(c.name == "contrast");
    BOOST_TEST(c.severity == 5);
    BOOST_TEST(c.str() == "contrast:5");
    BOOST_TEST(parse_corruption("none").none());
    test::check_error([] { parse_corruption("fog:2"); }, {"fog", "unknown corruption", "gaussian_noise", "pixelate"});
    test::check_error([] { parse_corruption("contrast:6"); }, {"contrast:6", "1..5"});
    test::check_error([] { parse_corruption("contrast"); }, {"name:severity"});
    test::check_error([] { parse_corruption("contrast:x"); }, {"severity"});
}

BOOST_AUTO_TEST_CASE(deterministic_in_range_and_stronger_with_severity) {
    const Tensor x = images();
    for (const auto& name : corruption_names()) {
        double prev = 0;
        for (int s = 1; s <= 5; ++s) {
            const Corruption c{name, s};
            const Tensor a = apply_corruption(x, c, 11), b = apply_corruption(x, c, 11);
            BOOST_TEST((a.to_vector<float>() == b.to_vector<float>()), name << ":" << s << " not deterministic");
            double change = 0;
            const auto va = a.to_vector<float>(), vx = x.to_vector<float>();
            for (std::size_t i = 0; i < va.size(); ++i) {
                BOOST_REQUIRE(va[i] >= 0.0f && va[i] <= 1.0f);
                change += std::fabs(va[i] - vx[i]);
            }
            change /= double(va.size());
            BOOST_TEST(change > prev, name << ":" << s << " changes " << change << " <= severity " << s - 1 << "'s "
                                           << prev);
            prev = change;
        }
        if (name.find("noise") != std::string::npos) {
            const Corruption c{name, 3};
            BOOST_TEST((apply_corruption(x, c, 11).to_vector<float>() != apply_corruption(x, c, 12).to_vector<float>()));
            // image b's noise depends on its index, not its position in the batch
            const Tensor one = apply_corruption(x.narrow(0, 2, 1).contiguous(), c, 11, 2);
            BOOST_TEST((one.to_vector<float>() == apply_corruption(x, c, 11).narrow(0, 2, 1).contiguous().to_vector<float>()));
        }
    }
}

BOOST_AUTO_TEST_CASE(loader_applies_corruption_before_normalisation) {
    auto ds = std::make_shared<ImageDataset>();
    ds->channels = 1, ds->height = 4, ds->width = 4;
    ds->classes = {"a", "b"};
    for (int i = 0; i < 6; ++i) {
        ds->labels.push_back(i % 2);
        for (int k = 0; k < 16; ++k) ds->pixels.push_back(static_cast<std::uint8_t>(i * 30 + k * 5));
    }
    LoaderOptions o;
    o.shuffle = false;
    o.corruption = parse_corruption("brightness:5");
    o.norm = {{0.5f}, {0.25f}};
    DataLoader l(ds, o);
    const auto v = l.make_batch(0, 0).images.to_vector<float>();
    const float expect = (std::min(ds->pixels[3] / 255.0f + 0.3f, 1.0f) - 0.5f) / 0.25f;
    BOOST_TEST(v[3] == expect, boost::test_tools::tolerance(1e-5f));
    const ImageDataset cd = corrupt(*ds, o.corruption, 0);
    BOOST_TEST(int(cd.pixels[3]) == int(std::lround(std::min(ds->pixels[3] / 255.0f + 0.3f, 1.0f) * 255.0f)));
    o.corruption = {"fog", 1};
    test::check_error([&] { DataLoader(ds, o); }, {"fog"});
}

BOOST_AUTO_TEST_SUITE_END()
