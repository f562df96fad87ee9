#include <cmath>
#include <numbers>

#include "../helpers.hpp"
#include "prism/optim/clip.hpp"
#include "prism/optim/param_groups.hpp"
#include "prism/optim/schedule.hpp"

using namespace prism;
using namespace prism::optim;

BOOST_AUTO_TEST_SUITE(optim_clip_schedule)

BOOST_AUTO_TEST_CASE(clip_grad_norm_value_and_scaling) {
    Tensor a = Tensor::zeros({2}).requires_grad_(), b = Tensor::zeros({1, 1}).requires_grad_();
    Tensor c = Tensor::zeros({3}).requires_grad_();  // no grad: ignored
    a.set_grad(Tensor::from_vector<float>({3, 4}, {2}));
    b.set_grad(Tensor::from_vector<float>({12}, {1, 1}));
    BOOST_TEST(clip_grad_norm_({a, b, c}, 26.0) == 13.0);  // sqrt(9 + 16 + 144); below max: untouched
    BOOST_TEST((a.grad().to_vector<float>() == std::vector<float>{3, 4}));
    BOOST_TEST(clip_grad_norm_({a, b, c}, 6.5) == 13.0);
    const float coef = static_cast<float>(6.5 / (13.0 + 1e-6));
    BOOST_TEST((a.grad().to_vector<float>() == std::vector<float>{3 * coef, 4 * coef}));
    BOOST_TEST(b.grad().item() == static_cast<double>(12 * coef));
    BOOST_TEST(std::fabs(grad_norm({a, b}) - 6.5) < 1e-5);
    BOOST_TEST(clip_grad_norm_(NamedParams{{"c", c}}, 1.0) == 0.0);
}

BOOST_AUTO_TEST_CASE(clip_grad_norm_large_and_non_contiguous) {
    Generator g(7);
    Tensor a = Tensor::zeros({200001}).requires_grad_();
    a.set_grad(Tensor::randn({200001}, g));
    double s = 0;
    for (float v : a.grad().to_vector<float>()) s += static_cast<double>(v) * v;
    Tensor b = Tensor::zeros({3, 5}).requires_grad_();
    Tensor gt = Tensor::randn({5, 3}, g).t().detach();  // non-contiguous grad
    b.set_grad(gt);
    for (float v : gt.to_vector<float>()) s += static_cast<double>(v) * v;
    const auto before = gt.to_vector<float>();
    const double n = clip_grad_norm_({a, b}, 1.0);
    BOOST_TEST(std::fabs(n - std::sqrt(s)) < 1e-9 * std::sqrt(s));
    BOOST_TEST(std::fabs(b.grad().to_vector<float>()[4] - before[4] * (1.0 / (n + 1e-6))) < 1e-6);
    BOOST_TEST(std::fabs(grad_norm({a, b}) - 1.0) < 1e-5);
}

// grad_norm is what clip_grad_norm_ returns, without scaling anything: the trainers log it when
// --grad-clip is 0. Checked against a plain loop over every gradient value, on a gradient large
// enough to be summed in several chunks, a non-contiguous one, and a parameter without one.
BOOST_AUTO_TEST_CASE(grad_norm_is_a_plain_sum_of_squares_and_changes_nothing) {
    Generator g(11);
    Tensor a = Tensor::zeros({300001}).requires_grad_(), b = Tensor::zeros({3, 5}).requires_grad_();
    Tensor c = Tensor::zeros({2}).requires_grad_();  // no grad: ignored
    a.set_grad(Tensor::randn({300001}, g));
    b.set_grad(Tensor::randn({5, 3}, g).t().detach());  // non-contiguous
    double plain = 0;
    for (const Tensor& p : {a, b})
        for (double v : p.grad().to_vector<double>()) plain += v * v;
    plain = std::sqrt(plain);
    const auto a_before = a.grad().to_vector<float>(), b_before = b.grad().to_vector<float>();

    const double n = grad_norm({a, b, c});
    BOOST_TEST(std::fabs(n - plain) <= 1e-12 * plain);
    BOOST_TEST(n > 1.0);  // so that clipping at 1 below would have scaled
    BOOST_TEST((a.grad().to_vector<float>() == a_before));
    BOOST_TEST((b.grad().to_vector<float>() == b_before));
    BOOST_TEST(grad_norm({c}) == 0.0);
    BOOST_TEST(clip_grad_norm_({a, b, c}, 1.0) == n);  // the same sum, bit for bit
}

BOOST_AUTO_TEST_CASE(default_param_groups_by_name_and_dim) {
    auto t = [](const Shape& s) { return Tensor::zeros(s).requires_grad_(); };
    NamedParams np = {{"wte.weight", t({80, 16})},       {"wpe.weight", t({32, 16})},
                      {"blocks.0.ln_1.weight", t({16})}, {"blocks.0.attn.qkv.weight", t({48, 16})},
                      {"blocks.0.attn.qkv.bias", t({48})}, {"patch_embed.proj.weight", t({16, 1, 4, 4})},
                      {"cls_token", t({1, 1, 16})},      {"pos_embed", t({1, 50, 16})},
                      {"head.weight", t({10, 16})}};
    auto gs = default_param_groups(np, 0.05);
    BOOST_REQUIRE(gs.size() == 2u);
    BOOST_TEST((gs[0].names == std::vector<std::string>{"blocks.0.attn.qkv.weight", "head.weight"}));
    BOOST_TEST((gs[1].names == std::vector<std::string>{"wte.weight", "wpe.weight", "blocks.0.ln_1.weight",
                                                         "blocks.0.attn.qkv.bias", "patch_embed.proj.weight",
                                                         "cls_token", "pos_embed"}));
    BOOST_TEST(*gs[0].weight_decay == 0.05);
    BOOST_TEST(*gs[1].weight_decay == 0.0);
    BOOST_TEST(gs[0].params[1].is_same(np[8].second));
}

BOOST_AUTO_TEST_CASE(warmup_cosine_matches_nanogpt_get_lr) {
    WarmupCosineLR s(1.0, 10, 110, 0.1);
    BOOST_TEST(s.lr_at(0) == 1.0 / 11);   // first step: (it + 1) / (warmup + 1)
    BOOST_TEST(s.lr_at(9) == 10.0 / 11);  // last warm-up step
    BOOST_TEST(s.lr_at(10) == 1.0);       // warm-up end: peak
    BOOST_TEST(std::fabs(s.lr_at(60) - 0.55) < 1e-15);  // middle of the decay
    BOOST_TEST(std::fabs(s.lr_at(35) - (0.1 + 0.45 * (1 + std::cos(std::numbers::pi / 4)))) < 1e-15);
    BOOST_TEST(std::fabs(s.lr_at(110) - 0.1) < 1e-15);  // end
    BOOST_TEST(s.lr_at(111) == 0.1);                     // past the end: floor
    BOOST_TEST(s.lr_at(100000) == 0.1);
    WarmupCosineLR nw(2.0, 0, 4, 0.0);
    BOOST_TEST(nw.lr_at(0) == 2.0);
    BOOST_TEST(std::fabs(nw.lr_at(2) - 1.0) < 1e-15);
    test::check_error([] { WarmupCosineLR bad(1.0, 10, 5); }, {"WarmupCosineLR", "10", "5"});
}

BOOST_AUTO_TEST_CASE(step_and_constant_schedules) {
    StepLR s(1.0, 3, 0.5);
    BOOST_TEST(s.lr_at(0) == 1.0);
    BOOST_TEST(s.lr_at(2) == 1.0);
    BOOST_TEST(s.lr_at(3) == 0.5);
    BOOST_TEST(s.lr_at(7) == 0.25);
    BOOST_TEST(ConstantLR{0.3}.lr_at(12345) == 0.3);
    LRSchedule f = as_schedule(s);
    BOOST_TEST(f(6) == 0.25);
    test::check_error([] { StepLR bad(1.0, 0); }, {"StepLR", "step_size"});
}

BOOST_AUTO_TEST_SUITE_END()
