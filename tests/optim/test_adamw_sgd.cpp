#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include "../helpers.hpp"
#include "prism/optim/adamw.hpp"
#include "prism/optim/kernels.hpp"
#include "prism/optim/sgd.hpp"

using namespace prism;
using namespace prism::optim;

namespace {
Tensor randn32(const Shape& s, std::uint64_t seed, double scale = 1.0) {
    Generator g(seed);
    Tensor t = Tensor::randn(s, g);
    float* p = t.data<float>();
    for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<float>(p[i] * scale);
    return t;
}
Tensor param32(const Shape& s, std::uint64_t seed) { return randn32(s, seed).requires_grad_(); }

// Fresh parameters with the same values as `src` (separate storage).
std::vector<Tensor> copies(const std::vector<Tensor>& src) {
    std::vector<Tensor> out;
    for (const auto& t : src) out.push_back(t.detach().clone().requires_grad_());
    return out;
}

void set_grads(std::vector<Tensor> ps, std::uint64_t seed) {
    for (std::size_t i = 0; i < ps.size(); ++i) ps[i].set_grad(randn32(ps[i].shape(), seed * 100 + i));
}

bool bit_equal(const Tensor& a, const Tensor& b) {
    const auto x = a.to_vector<float>(), y = b.to_vector<float>();
    return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(float)) == 0;
}

const std::vector<Shape> kOddShapes = {{1}, {7}, {33}, {1000}, {3, 11}, {70001}};
}  // namespace

BOOST_AUTO_TEST_SUITE(optim_adamw_sgd)

BOOST_AUTO_TEST_CASE(fused_kernels_match_reference_loop) {
    for (std::int64_t n : {1, 7, 33, 1000, 70001}) {
        Tensor p = randn32({n}, 1), g = randn32({n}, 2), m = randn32({n}, 3, 0.1), v = randn32({n}, 4);
        float* vp = v.data<float>();
        for (std::int64_t i = 0; i < n; ++i) vp[i] = vp[i] * vp[i];
        Tensor p2 = p.clone(), m2 = m.clone(), v2 = v.clone();
        const auto s = AdamWScalars::make(1e-3, 0.9, 0.999, 1e-8, 0.1, 3);
        adamw_update(p.data<float>(), g.data<float>(), m.data<float>(), v.data<float>(), n, s);
        adamw_update_ref(p2.data<float>(), g.data<float>(), m2.data<float>(), v2.data<float>(), n, s);
        BOOST_TEST(bit_equal(p, p2));
        BOOST_TEST(bit_equal(m, m2));
        BOOST_TEST(bit_equal(v, v2));
        for (bool nesterov : {false, true})
            for (bool first : {false, true}) {
                Tensor q = randn32({n}, 5), b = randn32({n}, 6), q2 = q.clone(), b2 = b.clone();
                const auto ss = SGDScalars::make(0.1, 0.9, 0.0, 0.01, nesterov, first);
                sgd_update(q.data<float>(), g.data<float>(), b.data<float>(), n, ss);
                sgd_update_ref(q2.data<float>(), g.data<float>(), b2.data<float>(), n, ss);
                BOOST_TEST(bit_equal(q, q2));
                BOOST_TEST(bit_equal(b, b2));
            }
        Tensor q = randn32({n}, 7), q2 = q.clone();  // no momentum: no buffer at all
        const auto ss = SGDScalars::make(0.1, 0.0, 0.0, 0.0, false, true);
        sgd_update(q.data<float>(), g.data<float>(), nullptr, n, ss);
        sgd_update_ref(q2.data<float>(), g.data<float>(), nullptr, n, ss);
        BOOST_TEST(bit_equal(q, q2));
    }
}

BOOST_AUTO_TEST_CASE(optimizer_step_matches_reference_step_on_odd_sizes) {
    std::vector<Tensor> a;
    for (std::size_t i = 0; i < kOddShapes.size(); ++i) a.push_back(param32(kOddShapes[i], 10 + i));
    std::vector<Tensor> b = copies(a), c = copies(a), d = copies(a);
    auto groups = [](const std::vector<Tensor>& ps) {
        std::vector<ParamGroup> gs(2);
        for (std::size_t i = 0; i < ps.size(); ++i) gs[i % 2].params.push_back(ps[i]);
        gs[1].weight_decay = 0.0;
        gs[1].lr = 3e-3;
        return gs;
    };
    AdamW fast(groups(a), {.weight_decay = 0.1}), ref(groups(b), {.weight_decay = 0.1});
    SGD sfast(groups(c), {.lr = 0.05, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
    SGD sref(groups(d), {.lr = 0.05, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
    for (int it = 0; it < 3; ++it) {
        set_grads(a, it), set_grads(b, it), set_grads(c, it), set_grads(d, it);
        fast.step(), ref.step_reference(), sfast.step(), sref.step_reference();
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        BOOST_TEST(bit_equal(a[i], b[i]), "AdamW param " << i);
        BOOST_TEST(bit_equal(c[i], d[i]), "SGD param " << i);
    }
}

// AdamW against the formula in double, written out independently of the kernels.
BOOST_AUTO_TEST_CASE(adamw_matches_formula) {
    Tensor p = param32({5}, 20);
    std::vector<double> x(p.to_vector<double>()), m(5, 0), v(5, 0);
    const double lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
    AdamW opt(std::vector<Tensor>{p}, {.lr = lr, .weight_decay = wd});
    for (int t = 1; t <= 4; ++t) {
        Tensor g = randn32({5}, 30 + t);
        p.set_grad(g);
        opt.step();
        const auto gv = g.to_vector<double>();
        for (int i = 0; i < 5; ++i) {
            x[i] *= 1 - lr * wd;
            m[i] = b1 * m[i] + (1 - b1) * gv[i];
            v[i] = b2 * v[i] + (1 - b2) * gv[i] * gv[i];
            x[i] -= lr / (1 - std::pow(b1, t)) * m[i] / (std::sqrt(v[i] / (1 - std::pow(b2, t))) + eps);
        }
    }
    BOOST_TEST(test::max_abs_diff(p, Tensor::from_vector(x, {5})) < 1e-6);
    BOOST_TEST(opt.step_count() == 4);
}

BOOST_AUTO_TEST_CASE(sgd_matches_formula) {
    for (bool nesterov : {false, true}) {
        Tensor p = param32({6}, 40);
        std::vector<double> x(p.to_vector<double>()), buf(6, 0);
        const double lr = 0.1, mom = 0.9, damp = nesterov ? 0.0 : 0.25, wd = 0.05;
        SGD opt(std::vector<Tensor>{p}, {.lr = lr, .momentum = mom, .dampening = damp, .weight_decay = wd, .nesterov = nesterov});
        for (int t = 1; t <= 3; ++t) {
            Tensor g = randn32({6}, 50 + t);
            p.set_grad(g);
            opt.step();
            const auto gv = g.to_vector<double>();
            for (int i = 0; i < 6; ++i) {
                double d = gv[i] + wd * x[i];
                buf[i] = t == 1 ? d : mom * buf[i] + (1 - damp) * d;
                d = nesterov ? d + mom * buf[i] : buf[i];
                x[i] -= lr * d;
            }
        }
        BOOST_TEST(test::max_abs_diff(p, Tensor::from_vector(x, {6})) < 1e-6);
    }
}

BOOST_AUTO_TEST_CASE(parameters_become_views_of_the_slab_and_grads_accumulate_in_place) {
    Tensor w = param32({3, 4}, 60), b = param32({4}, 61);
    const auto wv = w.to_vector<float>();
    w.set_grad(Tensor::ones({3, 4}));
    SGD opt(NamedParams{{"w", w}, {"b", b}}, {.lr = 0.5});
    BOOST_TEST(w.to_vector<float>() == wv);  // values preserved
    BOOST_TEST(w.storage() == b.storage());  // one slab
    BOOST_TEST(b.offset() % 16 == 0);        // each param on its own cache line
    BOOST_TEST(w.grad().storage() != w.storage());
    // backward after zero_grad: the grad (a slab view) receives the sum; wherever the engine
    // puts it, step() brings it back into the slab
    opt.zero_grad();
    auto g0 = w.grad().storage();
    w.unsqueeze(0).expand({2, 3, 4}).backward(Tensor::ones({2, 3, 4}));
    BOOST_TEST(w.grad().to_vector<float>() == std::vector<float>(12, 2.f));
    // b had no grad: it got one from nothing; step moves it into the slab
    b.unsqueeze(0).expand({3, 4}).backward(Tensor::ones({3, 4}));
    opt.step();
    BOOST_TEST(b.grad().storage() == g0);
    BOOST_TEST(w.grad().storage() == g0);
    BOOST_TEST(w.to_vector<float>()[0] == wv[0] - 1.f);
    opt.zero_grad(true);
    BOOST_TEST(!w.grad().defined());
}

BOOST_AUTO_TEST_CASE(a_parameter_without_grad_is_skipped) {
    Tensor a = param32({4}, 70), b = param32({4}, 71);
    const auto bv = b.to_vector<float>();
    AdamW opt(NamedParams{{"a", a}, {"b", b}}, {.weight_decay = 0.5});
    a.set_grad(Tensor::ones({4}));
    opt.step();
    opt.step();
    BOOST_TEST(b.to_vector<float>() == bv);  // not even decayed, as in PyTorch
    b.set_grad(Tensor::ones({4}));
    opt.step();  // a at step 3, b at step 1: two runs with their own bias corrections
    const auto st = opt.state_tensors();
    std::map<std::string, double> steps;
    for (const auto& [n, t] : st)
        if (n.rfind("optim.step", 0) == 0) steps[n] = t.item();
    BOOST_TEST(steps["optim.step"] == 3);
    BOOST_TEST(steps["optim.step.a"] == 3);
    BOOST_TEST(steps["optim.step.b"] == 1);
    // b's first step: |update| = lr (m/sqrt(v) = +-1 after bias correction), plus decay
    BOOST_TEST(std::fabs(b.to_vector<float>()[0] - (bv[0] * (1 - 1e-3 * 0.5) - 1e-3)) < 1e-6);
}

BOOST_AUTO_TEST_CASE(state_save_and_restore_resumes_bit_exactly) {
    for (int which = 0; which < 2; ++which) {
        std::vector<Tensor> a = {param32({3, 5}, 80), param32({7}, 81), param32({2}, 82)};
        NamedParams na = {{"x.weight", a[0]}, {"x.bias", a[1]}, {"never", a[2]}};
        std::unique_ptr<Optimizer> opt;
        if (which == 0) opt = std::make_unique<AdamW>(default_param_groups(na, 0.1));
        else opt = std::make_unique<SGD>(default_param_groups(na, 0.1), SGDOptions{.lr = 0.1, .momentum = 0.9});
        auto grads = [&](std::vector<Tensor>& ps, int it) {
            for (std::size_t i = 0; i < 2; ++i) ps[i].set_grad(randn32(ps[i].shape(), 90 + 10 * it + i));
        };
        for (int it = 0; it < 3; ++it) grads(a, it), opt->step();
        const NamedParams state = opt->state_tensors();
        std::vector<Tensor> b = copies(a);
        NamedParams nb = {{"x.weight", b[0]}, {"x.bias", b[1]}, {"never", b[2]}};
        std::unique_ptr<Optimizer> opt2;
        if (which == 0) opt2 = std::make_unique<AdamW>(default_param_groups(nb, 0.1));
        else opt2 = std::make_unique<SGD>(default_param_groups(nb, 0.1), SGDOptions{.lr = 0.1, .momentum = 0.9});
        NamedParams with_extra = state;
        with_extra.emplace_back("model.weight", Tensor::zeros({1}));  // non-optim names are ignored
        opt2->load_state_tensors(with_extra);
        BOOST_TEST(opt2->step_count() == 3);
        for (int it = 3; it < 5; ++it) grads(a, it), grads(b, it), opt->step(), opt2->step();
        for (std::size_t i = 0; i < a.size(); ++i) BOOST_TEST(bit_equal(a[i], b[i]), "param " << i << " opt " << which);
        std::set<std::string> names;
        for (const auto& [n, t] : state) names.insert(n);
        if (which == 0) {
            BOOST_TEST(names.count("optim.exp_avg.x.weight"));
            BOOST_TEST(names.count("optim.exp_avg_sq.x.bias"));
            BOOST_TEST(!names.count("optim.exp_avg.never"));
        } else {
            BOOST_TEST(names.count("optim.momentum_buffer.x.weight"));
        }
        BOOST_TEST(names.count("optim.step.x.weight"));
    }
}

BOOST_AUTO_TEST_CASE(set_lr_and_groups) {
    Tensor w = param32({2, 2}, 100), b = param32({2}, 101);
    AdamW opt(default_param_groups({{"w", w}, {"b", b}}, 0.2), {.lr = 0.01});
    BOOST_TEST(opt.num_groups() == 2u);
    BOOST_TEST(*opt.group(0).weight_decay == 0.2);
    BOOST_TEST(*opt.group(1).weight_decay == 0.0);
    BOOST_TEST(opt.lr(1) == 0.01);
    opt.set_lr(1, 0.5);
    BOOST_TEST(opt.lr(0) == 0.01);
    BOOST_TEST(opt.lr(1) == 0.5);
    opt.set_lr(0.25);
    BOOST_TEST(opt.lr(0) == 0.25);
    BOOST_TEST(opt.named_params()[1].first == "b");
}

BOOST_AUTO_TEST_CASE(errors) {
    Tensor d = Tensor::zeros({3}, kFloat64).requires_grad_();
    test::check_error([&] { AdamW opt(NamedParams{{"head.weight", d}}); }, {"AdamW", "head.weight", "(3)", "float64"});
    Tensor p = param32({3}, 110);
    test::check_error([&] { SGD opt(std::vector<Tensor>{p, p}, {.lr = 0.1}); }, {"SGD", "more than once"});
    test::check_error([&] { SGD opt(std::vector<Tensor>{p}, {.lr = 0.1, .nesterov = true}); }, {"SGD", "Nesterov"});
    test::check_error([&] { AdamW opt(std::vector<Tensor>{p}, {.beta1 = 1.0}); }, {"AdamW", "beta1"});
    Tensor q = param32({3}, 111);
    AdamW opt(NamedParams{{"q", q}});
    opt.step();  // no grad: nothing happens
    BOOST_TEST(opt.state_tensors().size() == 1u);
    test::check_error([&] { opt.load_state_tensors({}); }, {"AdamW", "optim.step"});
    test::check_error(
        [&] {
            opt.load_state_tensors({{"optim.step", Tensor::scalar(1, kInt64)},
                                    {"optim.step.q", Tensor::scalar(1, kInt64)},
                                    {"optim.exp_avg.q", Tensor::zeros({4})},
                                    {"optim.exp_avg_sq.q", Tensor::zeros({3})}});
        },
        {"AdamW", "optim.exp_avg.q", "(4)", "(3)"});
    test::check_error([&] { opt.load_state_tensors({{"optim.step", Tensor::scalar(1, kInt64)}, {"optim.exp_avg.zz", Tensor::zeros({3})}}); },
                      {"AdamW", "optim.exp_avg.zz", "matches no state"});
    BOOST_TEST(opt.step_count() == 1);  // a rejected checkpoint changes nothing
}

BOOST_AUTO_TEST_SUITE_END()
