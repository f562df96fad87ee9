// Corruptions: the CIFAR-10-C constants against make_cifar_c.py's table, every corruption at
// every severity on 28x28x1 and 32x32x3 images, the fast filters against their naive loops.
#include <cmath>
#include <map>
#include <numeric>

#include "../helpers.hpp"
#include "prism/data/corruptions.hpp"
#include "prism/data/corruptions_kernels.hpp"
#include "prism/data/loader.hpp"

using namespace prism;
using namespace prism::data;
namespace k = prism::data::kernels;

namespace {
// (B, C, S, S) images in [0, 1]: smooth shading, an edge and fine texture (so that blur, JPEG
// and pixelate all have something to remove).
Tensor images(std::int64_t B, std::int64_t C, std::int64_t S) {
    Tensor t = Tensor::empty({B, C, S, S});
    float* p = t.data<float>();
    for (std::int64_t b = 0; b < B; ++b)
        for (std::int64_t c = 0; c < C; ++c)
            for (std::int64_t y = 0; y < S; ++y)
                for (std::int64_t x = 0; x < S; ++x)
                    p[((b * C + c) * S + y) * S + x] = static_cast<float>(
                        0.45 + 0.25 * std::sin(0.4 * x + b) * std::cos(0.3 * y + c) + (x > 10 + b ? 0.12 : 0.0) +
                        0.08 * std::sin(0.9 * x + 1.1 * y + c));
    return t;
}

double mean_abs_diff(const Tensor& a, const Tensor& b) {
    const auto va = a.to_vector<float>(), vb = b.to_vector<float>();
    double s = 0;
    for (std::size_t i = 0; i < va.size(); ++i) s += std::fabs(va[i] - vb[i]);
    return s / double(va.size());
}

double stddev_minus(const Tensor& a, float centre) {
    const auto v = a.to_vector<float>();
    double s = 0;
    for (float x : v) s += double(x - centre) * double(x - centre);
    return std::sqrt(s / double(v.size()));
}

Tensor filled(std::int64_t C, std::int64_t S, float value) {
    Tensor t = Tensor::empty({1, C, S, S});
    std::fill(t.data<float>(), t.data<float>() + C * S * S, value);
    return t;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(data_corruptions)

// The numbers of github.com/hendrycks/robustness, ImageNet-C/create_c/make_cifar_c.py, read off
// that file (`c = [...][severity - 1]` in each function; elastic_transform's are its IMSIZE
// multipliers). Before this table the noises used ImageNet-C's: gaussian_noise std
// 0.08 .. 0.38 and shot_noise 60 .. 3 photons, about 4x harsher at severity 5.
BOOST_AUTO_TEST_CASE(constants_are_cifar10c) {
    const std::map<std::string, std::vector<std::vector<double>>> published = {
        {"gaussian_noise", {{0.04}, {0.06}, {0.08}, {0.09}, {0.10}}},
        {"shot_noise", {{500}, {250}, {100}, {75}, {50}}},
        {"impulse_noise", {{0.01}, {0.02}, {0.03}, {0.05}, {0.07}}},
        {"gaussian_blur", {{0.4}, {0.6}, {0.7}, {0.8}, {1}}},
        {"defocus_blur", {{0.3, 0.4}, {0.4, 0.5}, {0.5, 0.6}, {1, 0.2}, {1.5, 0.1}}},
        {"motion_blur", {{6, 1}, {6, 1.5}, {6, 2}, {8, 2}, {9, 2.5}}},
        {"contrast", {{0.75}, {0.5}, {0.4}, {0.3}, {0.15}}},
        {"brightness", {{0.05}, {0.1}, {0.15}, {0.2}, {0.3}}},
        {"jpeg_compression", {{80}, {65}, {58}, {50}, {40}}},
        {"pixelate", {{0.95}, {0.9}, {0.85}, {0.75}, {0.65}}},
        {"elastic_transform", {{0, 0, 0.08}, {0.05, 0.2, 0.07}, {0.08, 0.06, 0.06}, {0.1, 0.04, 0.05}, {0.1, 0.03, 0.03}}},
    };
    BOOST_TEST(corruption_names().size() == published.size());
    for (const auto& name : corruption_names()) {
        BOOST_REQUIRE_MESSAGE(published.count(name), name << " is not in make_cifar_c.py's table");
        for (int s = 1; s <= 5; ++s)
            BOOST_TEST(corruption_constants(name, s) == published.at(name)[s - 1], name << ":" << s);
    }
    test::check_error([] { corruption_constants("fog", 1); }, {"fog", "unknown corruption", "not implemented"});
    test::check_error([] { corruption_constants("contrast", 0); }, {"contrast", "severity 0", "1..5"});
}

// The constants reach the pixels: on a flat 0.5 image (no clipping) the noise has the
// published spread: gaussian std c, shot noise std sqrt(0.5 / c); contrast moves x to
// mean + c (x - mean).
BOOST_AUTO_TEST_CASE(noise_and_contrast_use_the_constants) {
    const Tensor grey = filled(3, 32, 0.5f);
    for (int s = 1; s <= 5; ++s) {
        const double sd = corruption_constants("gaussian_noise", s)[0];
        const double got = stddev_minus(apply_corruption(grey, {"gaussian_noise", s}, 3), 0.5f);
        BOOST_TEST(std::fabs(got - sd) < 0.1 * sd, "gaussian_noise:" << s << " std " << got << " vs " << sd);
        const double photons = corruption_constants("shot_noise", s)[0];
        const double shot = stddev_minus(apply_corruption(grey, {"shot_noise", s}, 3), 0.5f);
        const double want = std::sqrt(0.5 / photons);
        BOOST_TEST(std::fabs(shot - want) < 0.1 * want, "shot_noise:" << s << " std " << shot << " vs " << want);
    }
    const Tensor x = images(1, 3, 32);
    const Tensor y = apply_corruption(x, {"contrast", 5}, 0);
    const auto vx = x.to_vector<float>(), vy = y.to_vector<float>();
    const double mean0 = std::accumulate(vx.begin(), vx.begin() + 1024, 0.0) / 1024;
    BOOST_TEST(vy[37] == mean0 + 0.15 * (vx[37] - mean0), boost::test_tools::tolerance(1e-5));
}

BOOST_AUTO_TEST_CASE(parse_names_and_errors) {
    BOOST_TEST(corruption_names().size() == 11u);
    const Corruption c = parse_corruption("contrast:5");
    BOOST_TEST(c.name == "contrast");
    BOOST_TEST(c.severity == 5);
    BOOST_TEST(c.str() == "contrast:5");
    BOOST_TEST(parse_corruption("none").none());
    BOOST_TEST(parse_corruption("jpeg_compression:2").severity == 2);
    test::check_error([] { parse_corruption("fog:2"); },
                      {"fog", "unknown corruption", "gaussian_noise", "elastic_transform", "fog", "not implemented"});
    test::check_error([] { parse_corruption("contrast:6"); }, {"contrast:6", "1..5"});
    test::check_error([] { parse_corruption("contrast"); }, {"name:severity"});
    test::check_error([] { parse_corruption("contrast:x"); }, {"severity"});
    BOOST_TEST(corruption_help().find("motion_blur") != std::string::npos);
}

// Every corruption at every severity, on (4, 1, 28, 28) and (4, 3, 32, 32): deterministic, in
// [0, 1], and a mean absolute change that grows with the severity, except where the published
// table says otherwise:
//   motion_blur 3 -> 4 is (radius 6, sigma 2) -> (8, 2): the 4 extra taps weigh exp(-169/8) ~ 7e-10,
//     so with the same angle the two images are the same;
//   elastic_transform's total change falls with severity: severity 1 is a pure random affine
//     warp of up to +-0.08 * side (2.56 px at 32), the largest pixel motion of the five, while the
//     affine range shrinks (0.08 .. 0.03) as the local displacement (alpha, 1/sigma) grows. Its
//     local part is checked on its own in elastic_local_part_grows_with_severity.
BOOST_AUTO_TEST_CASE(deterministic_in_range_and_stronger_with_severity) {
    for (const auto& [C, S] : std::vector<std::pair<std::int64_t, std::int64_t>>{{1, 28}, {3, 32}}) {
        const Tensor x = images(4, C, S);
        for (const auto& name : corruption_names()) {
            double prev = 0;
            for (int s = 1; s <= 5; ++s) {
                const Corruption c{name, s};
                const Tensor a = apply_corruption(x, c, 11), b = apply_corruption(x, c, 11);
                BOOST_TEST((a.shape() == x.shape()));
                BOOST_TEST((a.to_vector<float>() == b.to_vector<float>()), name << ":" << s << " not deterministic");
                for (float v : a.to_vector<float>()) BOOST_REQUIRE(v >= 0.0f && v <= 1.0f);
                const double change = mean_abs_diff(a, x);
                const std::string at = name + ":" + std::to_string(s) + " on " + std::to_string(C) + "x" +
                                       std::to_string(S) + "x" + std::to_string(S);
                BOOST_TEST(change > 1e-3, at << " changes only " << change);
                if (name == "elastic_transform") {
                } else if (name == "motion_blur" && s == 4) {
                    BOOST_TEST(std::fabs(change - prev) <= 1e-4 * prev, at << " changes " << change << " vs " << prev);
                } else {
                    BOOST_TEST(change > prev, at << " changes " << change << " <= severity " << s - 1 << "'s " << prev);
                }
                prev = change;
            }
        }
    }
}

// elastic_transform with the affine range set to 0: the smoothed random displacement alone
// moves the image more at each severity (alpha up, sigma down).
BOOST_AUTO_TEST_CASE(elastic_local_part_grows_with_severity) {
    for (const auto& [C, S] : std::vector<std::pair<std::int64_t, std::int64_t>>{{1, 28}, {3, 32}}) {
        const Tensor x = images(1, C, S);
        double prev = -1;
        for (int s = 1; s <= 5; ++s) {
            const auto& c = corruption_constants("elastic_transform", s);
            std::vector<float> v = x.to_vector<float>();
            Generator g(7);
            k::elastic_transform(v.data(), C, S, S, c[0] * S, c[1] * S, 0.0, g);
            double change = 0;
            const auto vx = x.to_vector<float>();
            for (std::size_t i = 0; i < v.size(); ++i) change += std::fabs(v[i] - vx[i]);
            change /= double(v.size());
            if (s == 1) BOOST_TEST(change < 1e-6, "severity 1 has alpha 0 and no local displacement");
            else BOOST_TEST(change > prev, "elastic local part at " << s << ": " << change << " <= " << prev);
            prev = change;
        }
    }
}

BOOST_AUTO_TEST_CASE(random_corruptions_depend_on_seed_and_index) {
    const Tensor x = images(4, 3, 32);
    for (const char* name : {"gaussian_noise", "shot_noise", "impulse_noise", "motion_blur", "elastic_transform"}) {
        const Corruption c{name, 3};
        BOOST_TEST((apply_corruption(x, c, 11).to_vector<float>() != apply_corruption(x, c, 12).to_vector<float>()),
                   name);
        // image b's randomness depends on its index, not its position in the batch
        const Tensor one = apply_corruption(x.narrow(0, 2, 1).contiguous(), c, 11, 2);
        BOOST_TEST((one.to_vector<float>() == apply_corruption(x, c, 11).narrow(0, 2, 1).contiguous().to_vector<float>()),
                   name);
    }
}

BOOST_AUTO_TEST_CASE(border_rules) {
    using k::Border;
    // n = 3, line a b c
    BOOST_TEST(k::border_index(-2, 3, Border::kClamp) == 0);
    BOOST_TEST(k::border_index(4, 3, Border::kClamp) == 2);
    // reflect101: ... c b | a b c | b a ...
    BOOST_TEST(k::border_index(-1, 3, Border::kReflect101) == 1);
    BOOST_TEST(k::border_index(-2, 3, Border::kReflect101) == 2);
    BOOST_TEST(k::border_index(3, 3, Border::kReflect101) == 1);
    BOOST_TEST(k::border_index(4, 3, Border::kReflect101) == 0);
    BOOST_TEST(k::border_index(5, 3, Border::kReflect101) == 1);
    // reflect: ... b a | a b c | c b ...
    BOOST_TEST(k::border_index(-1, 3, Border::kReflect) == 0);
    BOOST_TEST(k::border_index(-2, 3, Border::kReflect) == 1);
    BOOST_TEST(k::border_index(3, 3, Border::kReflect) == 2);
    BOOST_TEST(k::border_index(4, 3, Border::kReflect) == 1);
    BOOST_TEST(k::border_index(6, 3, Border::kReflect) == 0);
    BOOST_TEST(k::border_index(-7, 3, Border::kReflect) == 0);
}

// The padded row-at-a-time filters agree with the per-tap loop, for every border, for the
// defocus and motion kernels the corruptions use and for the separable Gaussian.
BOOST_AUTO_TEST_CASE(fast_filters_match_reference_loops) {
    using k::Border;
    const Tensor img = images(1, 1, 28);
    const std::vector<float> x = img.to_vector<float>();
    auto compare = [&](const char* what, auto fast, auto ref) {
        std::vector<float> a = x, b = x;
        fast(a.data());
        ref(b.data());
        double worst = 0;
        for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, double(std::fabs(a[i] - b[i])));
        BOOST_TEST(worst < 1e-5, what << ": max |fast - reference| " << worst);
        double moved = 0;
        for (std::size_t i = 0; i < a.size(); ++i) moved += std::fabs(a[i] - x[i]);
        BOOST_TEST(moved / double(a.size()) > 1e-3, what << " changed nothing");
    };
    for (Border border : {Border::kClamp, Border::kReflect101, Border::kReflect}) {
        std::vector<std::vector<k::Tap>> kernels = {k::defocus_taps(1.5, 0.1), k::defocus_taps(0.4, 0.5)};
        for (double angle : {-45.0, -10.0, 0.0, 33.0, 90.0, 200.0}) kernels.push_back(k::motion_taps(9, 2.5, angle));
        for (const auto& taps : kernels)
            compare("filter_taps", [&](float* p) { k::filter_taps(p, 28, 28, taps, border); },
                    [&](float* p) { k::filter_taps_reference(p, 28, 28, taps, border); });
        for (double sigma : {0.4, 1.0, 6.4}) {
            const auto w = k::gaussian_weights(sigma, 3.0);
            const int r = int(w.size() / 2);
            std::vector<k::Tap> outer;
            for (int dy = -r; dy <= r; ++dy)
                for (int dx = -r; dx <= r; ++dx) outer.push_back({dy, dx, w[dy + r] * w[dx + r]});
            compare("gaussian_blur_plane", [&](float* p) { k::gaussian_blur_plane(p, 28, 28, sigma, 3.0, border); },
                    [&](float* p) { k::filter_taps_reference(p, 28, 28, outer, border); });
        }
    }
}

BOOST_AUTO_TEST_CASE(blur_kernels) {
    // scipy's radius int(truncate * sigma + 0.5): sigma 1, truncate 4 -> 9 weights
    BOOST_TEST(k::gaussian_weights(1.0, 4.0).size() == 9u);
    BOOST_TEST(k::gaussian_weights(0.4, 4.0).size() == 5u);
    // defocus, radius 1: the 5-pixel cross (alias blur 0.2 adds only exp(-12.5)-sized weights)
    const auto cross = k::defocus_taps(1, 0.2);
    double total = 0, centre = 0;
    for (const auto& t : cross) {
        total += t.w;
        if (t.dy == 0 && t.dx == 0) centre = t.w;
    }
    BOOST_TEST(total == 1.0, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(centre == 0.2, boost::test_tools::tolerance(1e-4));
    // motion, radius 6, sigma 1, angle 0: 13 taps at dx = 0..12 with weights exp(-i^2 / 2)
    const auto line = k::motion_taps(6, 1, 0);
    BOOST_REQUIRE(line.size() == 13u);
    double z = 0;
    for (int i = 0; i < 13; ++i) z += std::exp(-0.5 * i * i);
    for (int i = 0; i < 13; ++i) {
        BOOST_TEST(line[i].dx == i);
        BOOST_TEST(line[i].dy == 0);
        BOOST_TEST(line[i].w == std::exp(-0.5 * i * i) / z, boost::test_tools::tolerance(1e-12));
    }
    // 45 degrees: the diagonal, offsets ceil(i cos - 0.5) = round(i / sqrt 2)
    const auto diag = k::motion_taps(9, 2.5, 45);
    BOOST_TEST(diag.size() == 19u);
    for (int i = 0; i < 19; ++i) {
        BOOST_TEST(diag[i].dx == int(std::ceil(i * std::sqrt(0.5) - 0.5)));
        BOOST_TEST(diag[i].dy == diag[i].dx);
    }
}

// PIL's BOX resize 4 -> 3 averages columns {0}, {1, 2}, {3}; 3 -> 4 reads the small pixel
// under each centre: 0, 1, 1, 2. So a b c d -> a, (b+c)/2, (b+c)/2, d.
BOOST_AUTO_TEST_CASE(pixelate_follows_pil_box) {
    Tensor x = Tensor::empty({1, 1, 4, 4});
    const float col[4] = {0.1f, 0.3f, 0.6f, 0.9f};
    for (int y = 0; y < 4; ++y)
        for (int c = 0; c < 4; ++c) x.data<float>()[y * 4 + c] = col[c];
    const auto v = apply_corruption(x, {"pixelate", 4}, 0).to_vector<float>();  // factor 0.75: 4 -> 3
    const float want[4] = {0.1f, 0.45f, 0.45f, 0.9f};
    for (int y = 0; y < 4; ++y)
        for (int c = 0; c < 4; ++c) BOOST_TEST(v[y * 4 + c] == want[c], boost::test_tools::tolerance(1e-6f));
}

BOOST_AUTO_TEST_CASE(jpeg_round_trip) {
    for (std::int64_t C : {1, 3}) {  // a flat image survives any quality almost unchanged
        const Tensor flat = filled(C, 32, 100.0f / 255.0f);
        const auto v = apply_corruption(flat, {"jpeg_compression", 5}, 0).to_vector<float>();
        for (float p : v) BOOST_REQUIRE(std::fabs(p - 100.0f / 255.0f) <= 2.0f / 255.0f);
    }
    test::check_error([] { apply_corruption(filled(2, 8, 0.5f), {"jpeg_compression", 1}, 0); },
                      {"jpeg_compression", "(2, 8, 8)", "1 or 3 channels"});
}

BOOST_AUTO_TEST_CASE(elastic_keeps_a_flat_image) {
    for (int s = 1; s <= 5; ++s) {  // warps only move pixels: a constant image stays constant
        const auto v = apply_corruption(filled(3, 32, 0.3f), {"elastic_transform", s}, 5).to_vector<float>();
        for (float p : v) BOOST_REQUIRE(std::fabs(p - 0.3f) < 1e-6f);
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
