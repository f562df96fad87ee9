// The fused attention kernel (ops::attention_forward/backward) and the per-head BLIS kernel
// (ops::blis::) against the plain loops (ops::ref::): forward and backward, causal and not,
// with and without dropout, T in {1, 17, 50, 197}, odd head sizes, strided q/k/v views, one
// head or all heads of a batch element per task.
#include "../helpers.hpp"
#include "prism/core/runtime.hpp"
#include "prism/ops/attention.hpp"
#include "prism/ops/dropout.hpp"

using namespace prism;

namespace {

struct Qkv {
    Tensor q, k, v, dout;
};

// q, k, v as permuted slices of one (B, T, 3, NH, HS) tensor (the layout attention modules pass).
Qkv make_qkv(std::int64_t B, std::int64_t NH, std::int64_t T, std::int64_t HS, std::uint64_t seed, DType dt) {
    Generator g(seed);
    Tensor qkv = Tensor::randn({B, T, 3, NH, HS}, g, dt);
    return {qkv.select(2, 0).permute({0, 2, 1, 3}), qkv.select(2, 1).permute({0, 2, 1, 3}),
            qkv.select(2, 2).permute({0, 2, 1, 3}), Tensor::randn({B, NH, T, HS}, g, dt)};
}

void compare(std::int64_t B, std::int64_t NH, std::int64_t T, std::int64_t HS, bool causal, bool dropout, DType dt,
             double tol) {
    const Qkv x = make_qkv(B, NH, T, HS, 100 * T + HS + causal, dt);
    Tensor mask;
    if (dropout) {
        Generator g(5);
        mask = ops::dropout_mask({B, NH, T, T}, dt, 0.3, g);
    }
    const std::string what = "T=" + std::to_string(T) + " HS=" + std::to_string(HS) + " causal=" +
                             std::to_string(causal) + " dropout=" + std::to_string(dropout);
    const auto r = ops::ref::attention_forward(x.q, x.k, x.v, causal, mask);
    const auto f = ops::attention_forward(x.q, x.k, x.v, causal, mask, true);
    BOOST_TEST(test::max_abs_diff(f.out, r.out) < tol, what);
    BOOST_TEST(test::max_abs_diff(f.lse, r.lse) < tol, what);
    BOOST_TEST(test::max_abs_diff(f.probs, r.probs) < tol, what);
    BOOST_TEST(f.out.transpose(1, 2).is_contiguous(), what);  // heads -> (B, T, C) is a view
    const auto f2 = ops::attention_forward(x.q, x.k, x.v, causal, mask, false);
    BOOST_TEST(!f2.probs.defined());
    BOOST_TEST(test::max_abs_diff(f2.out, f.out) == 0.0, what);

    const auto rg = ops::ref::attention_backward(x.dout, x.q, x.k, x.v, causal, mask);
    const auto fg = ops::attention_backward(x.dout, x.q, x.k, x.v, f.lse, causal, mask);
    BOOST_TEST(test::max_abs_diff(fg.dq, rg.dq) < tol, what);
    BOOST_TEST(test::max_abs_diff(fg.dk, rg.dk) < tol, what);
    BOOST_TEST(test::max_abs_diff(fg.dv, rg.dv) < tol, what);

    const auto b = ops::blis::attention_forward(x.q, x.k, x.v, causal, mask);
    BOOST_TEST(test::max_abs_diff(b.out, r.out) < tol, what);
    const auto bg = ops::blis::attention_backward(x.dout, x.q, x.k, x.v, b.probs, mask);
    BOOST_TEST(test::max_abs_diff(bg.dq, rg.dq) < tol, what);
    BOOST_TEST(test::max_abs_diff(bg.dk, rg.dk) < tol, what);
    BOOST_TEST(test::max_abs_diff(bg.dv, rg.dv) < tol, what);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ops_attention)

BOOST_AUTO_TEST_CASE(fused_matches_reference_float32) {
    for (std::int64_t T : {1, 17, 50})
        for (std::int64_t HS : {5, 16, 64})
            for (bool causal : {false, true}) compare(2, 3, T, HS, causal, false, kFloat32, 2e-5);
    // 197 tokens (ViT patch 2) and odd head sizes, once each
    compare(1, 2, 197, 64, false, false, kFloat32, 2e-5);
    compare(1, 2, 197, 33, true, false, kFloat32, 2e-5);
    compare(1, 1, 128, 64, true, false, kFloat32, 2e-5);
}

BOOST_AUTO_TEST_CASE(fused_matches_reference_with_dropout) {
    for (bool causal : {false, true}) {
        compare(2, 2, 17, 7, causal, true, kFloat32, 2e-5);
        compare(1, 3, 50, 64, causal, true, kFloat32, 2e-5);
    }
}

BOOST_AUTO_TEST_CASE(fused_matches_reference_float64) {
    for (std::int64_t T : {1, 13, 50})
        for (bool causal : {false, true}) compare(1, 2, T, 9, causal, T == 13, kFloat64, 1e-12);
}

// With several batch elements per thread a task takes all heads of one batch element (their q, k,
// v rows copied in one pass) and a chunk of tasks prefetches the next one: on one thread B = 16
// gives chunks of 2 tasks, on two threads chunks of 1.
BOOST_AUTO_TEST_CASE(fused_whole_batch_element_tasks) {
    struct ThreadsGuard {
        int saved = runtime::num_threads();
        ~ThreadsGuard() { runtime::set_num_threads(saved); }
    } guard;
    for (int threads : {1, 2}) {
        runtime::set_num_threads(threads);
        compare(16, 3, 50, 64, false, false, kFloat32, 2e-5);
        compare(16, 3, 50, 64, true, true, kFloat32, 2e-5);
        compare(16, 2, 13, 9, false, true, kFloat64, 1e-12);
    }
}

BOOST_AUTO_TEST_CASE(causal_first_row_sees_only_itself) {
    const Qkv x = make_qkv(1, 1, 9, 4, 3, kFloat32);
    const auto f = ops::attention_forward(x.q, x.k, x.v, true, Tensor(), true);
    const auto p = f.probs.to_vector<float>();
    BOOST_TEST(p[0] == 1.0f);
    for (int j = 1; j < 9; ++j) BOOST_TEST(p[j] == 0.0f);
    // row 0 of the output is v row 0 exactly (weight 1)
    BOOST_TEST(test::max_abs_diff(f.out.select(2, 0), x.v.select(2, 0)) < 1e-6);
}

BOOST_AUTO_TEST_CASE(backward_rejects_mismatched_lse) {
    const Qkv x = make_qkv(1, 2, 5, 4, 3, kFloat32);
    test::check_error([&] { ops::attention_backward(x.dout, x.q, x.k, x.v, Tensor::zeros({1, 2, 4}), false, Tensor()); },
                      {"scaled_dot_product_attention", "(1, 2, 4)", "(1, 2, 5, 4)"});
}

BOOST_AUTO_TEST_SUITE_END()
