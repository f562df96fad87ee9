// The nn kernels' fast paths against their plain reference loops, on odd sizes.
#include <vector>

#include "../helpers.hpp"
#include "prism/autograd/fn_nn.hpp"
#include "prism/core/runtime.hpp"
#include "prism/ops/attention.hpp"
#include "prism/ops/cross_entropy.hpp"
#include "prism/ops/dropout.hpp"
#include "prism/ops/embedding.hpp"
#include "prism/ops/join.hpp"
#include "prism/ops/layer_norm.hpp"
#include "prism/ops/softmax.hpp"

using namespace prism;

namespace {
const std::vector<std::int64_t> kSizes = {1, 7, 33, 1000};

std::vector<float> randn_vec(std::int64_t n, std::uint64_t seed, float scale = 3.0f) {
    Generator g(seed);
    std::vector<float> v(n);
    g.normal(v.data(), n);
    for (float& x : v) x *= scale;
    return v;
}

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double m = 0;
    for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(double(a[i]) - double(b[i])));
    return m;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(nn_kernels)

BOOST_AUTO_TEST_CASE(softmax_rows_match_reference) {
    const std::int64_t R = 5;
    for (std::int64_t n : kSizes)
        for (bool log : {false, true}) {
            const auto x = randn_vec(R * n, n), gy = randn_vec(R * n, n + 1, 1.0f);
            std::vector<float> y(R * n), yr(R * n), gx(R * n), gxr(R * n);
            ops::softmax_rows<float>(x.data(), y.data(), R, n, log);
            ops::ref::softmax_rows<float>(x.data(), yr.data(), R, n, log);
            BOOST_TEST(max_diff(y, yr) < 1e-5, "n=" << n << " log=" << log);
            ops::softmax_rows_backward<float>(y.data(), gy.data(), gx.data(), R, n, log);
            ops::ref::softmax_rows_backward<float>(y.data(), gy.data(), gxr.data(), R, n, log);
            BOOST_TEST(max_diff(gx, gxr) < 1e-4, "n=" << n << " log=" << log);
        }
}

BOOST_AUTO_TEST_CASE(softmax_stable_and_any_dim) {
    // huge logits must not overflow
    Tensor x = Tensor::from_vector<float>({1000.f, 1001.f, 1002.f}, {1, 3});
    const auto y = ops::softmax(x, -1).to_vector<float>();
    BOOST_TEST(std::fabs(y[2] - 0.66524096f) < 1e-6);
    // dim 0 equals softmax of the transpose along its last dim
    Generator g(3);
    Tensor a = Tensor::randn({4, 6}, g);
    Tensor s0 = ops::softmax(a, 0), s1 = ops::softmax(a.t(), 1).t();
    BOOST_TEST(test::max_abs_diff(s0, s1) < 1e-7);
}

BOOST_AUTO_TEST_CASE(layer_norm_matches_reference) {
    const std::int64_t R = 6;
    for (std::int64_t C : kSizes)
        for (bool affine : {false, true}) {
            const auto x = randn_vec(R * C, C, 2.0f), gy = randn_vec(R * C, C + 7, 1.0f);
            auto w = randn_vec(C, C + 1, 1.0f), b = randn_vec(C, C + 2, 1.0f);
            const float* pw = affine ? w.data() : nullptr;
            const float* pb = affine ? b.data() : nullptr;
            std::vector<float> y(R * C), yr(R * C), m(R), mr(R), rs(R), rsr(R);
            ops::layer_norm_rows<float>(x.data(), pw, pb, y.data(), m.data(), rs.data(), R, C, 1e-5f);
            ops::ref::layer_norm_rows<float>(x.data(), pw, pb, yr.data(), mr.data(), rsr.data(), R, C, 1e-5f);
            BOOST_TEST(max_diff(y, yr) < 1e-4, "C=" << C);
            BOOST_TEST(max_diff(rs, rsr) < 1e-3, "C=" << C);
            std::vector<float> dx(R * C), dxr(R * C), dw(C), dwr(C), db(C), dbr(C);
            ops::layer_norm_rows_backward<float>(gy.data(), x.data(), pw, m.data(), rs.data(), dx.data(), dw.data(),
                                                 db.data(), R, C);
            ops::ref::layer_norm_rows_backward<float>(gy.data(), x.data(), pw, m.data(), rs.data(), dxr.data(),
                                                      dwr.data(), dbr.data(), R, C);
            BOOST_TEST(max_diff(dx, dxr) < 1e-3, "C=" << C);
            BOOST_TEST(max_diff(dw, dwr) < 1e-4, "C=" << C);
            BOOST_TEST(max_diff(db, dbr) < 1e-4, "C=" << C);
        }
}

// dweight/dbias are summed in fixed chunks of rows: many chunks (R = 1000 rows) still match
// the reference, and 1 and 2 threads give the same bits.
BOOST_AUTO_TEST_CASE(layer_norm_backward_many_rows_is_thread_independent) {
    const std::int64_t R = 1000;
    for (std::int64_t C : {7, 192}) {
        const auto x = randn_vec(R * C, C + 3, 2.0f), gy = randn_vec(R * C, C + 4, 1.0f), w = randn_vec(C, C + 5, 1.0f);
        std::vector<float> m(R), rs(R), y(R * C);
        ops::layer_norm_rows<float>(x.data(), w.data(), nullptr, y.data(), m.data(), rs.data(), R, C, 1e-5f);
        std::vector<float> dxr(R * C), dwr(C), dbr(C);
        ops::ref::layer_norm_rows_backward<float>(gy.data(), x.data(), w.data(), m.data(), rs.data(), dxr.data(),
                                                  dwr.data(), dbr.data(), R, C);
        std::vector<float> dx[2], dw[2], db[2];
        for (int t : {1, 2}) {
            const int saved = runtime::num_threads();
            runtime::set_num_threads(t);
            dx[t - 1].resize(R * C), dw[t - 1].resize(C), db[t - 1].resize(C);
            ops::layer_norm_rows_backward<float>(gy.data(), x.data(), w.data(), m.data(), rs.data(), dx[t - 1].data(),
                                                 dw[t - 1].data(), db[t - 1].data(), R, C);
            runtime::set_num_threads(saved);
        }
        BOOST_TEST(max_diff(dx[0], dxr) < 1e-3, "C=" << C);
        BOOST_TEST(max_diff(dw[0], dwr) < 1e-2, "C=" << C);  // sums of 1000 terms of size ~1
        BOOST_TEST(max_diff(db[0], dbr) < 1e-2, "C=" << C);
        BOOST_TEST((dx[0] == dx[1] && dw[0] == dw[1] && db[0] == db[1]), "C=" << C);
    }
}

BOOST_AUTO_TEST_CASE(cross_entropy_matches_reference) {
    const std::int64_t N = 9;
    for (std::int64_t C : kSizes)
        for (float eps : {0.0f, 0.1f}) {
            const auto x = randn_vec(N * C, C);
            std::vector<std::int64_t> t(N);
            for (std::int64_t i = 0; i < N; ++i) t[i] = (i * 5) % C;
            t[3] = -100;
            std::vector<float> l(N), lr(N), s(N), sr(N);
            ops::cross_entropy_rows<float>(x.data(), t.data(), l.data(), s.data(), N, C, -100, eps);
            ops::ref::cross_entropy_rows<float>(x.data(), t.data(), lr.data(), sr.data(), N, C, -100, eps);
            BOOST_TEST(max_diff(l, lr) < 1e-4, "C=" << C);
            BOOST_TEST(l[3] == 0.0f);
        }
}

BOOST_AUTO_TEST_CASE(embedding_backward_matches_reference) {
    for (std::int64_t C : kSizes) {
        Generator g(C);
        const std::int64_t V = 5;
        Tensor ids = Tensor::from_vector<std::int64_t>({1, 3, 1, 0, 4, 1, 3}, {7});
        Tensor gy = Tensor::randn({7, C}, g);
        BOOST_TEST(test::max_abs_diff(ops::embedding_backward(ids, gy, V), ops::ref::embedding_backward(ids, gy, V)) <
                   1e-5);
        Tensor w = Tensor::randn({V, C}, g);
        Tensor e = ops::embedding(ids, w);
        BOOST_TEST(test::max_abs_diff(e.select(0, 2), w.select(0, 1)) == 0.0);
    }
}

BOOST_AUTO_TEST_CASE(attention_matches_reference_on_strided_qkv) {
    for (std::int64_t T : {1, 7, 33})
        for (bool causal : {false, true}) {
            const std::int64_t B = 2, NH = 3, HS = 5;
            Generator g(T);
            Tensor qkv = Tensor::randn({B, T, 3, NH, HS}, g);
            // (B, T, NH, HS) -> (B, NH, T, HS): permuted views, not contiguous
            Tensor q = qkv.select(2, 0).permute({0, 2, 1, 3}), k = qkv.select(2, 1).permute({0, 2, 1, 3}),
                   v = qkv.select(2, 2).permute({0, 2, 1, 3});
            auto f = ops::attention_forward(q, k, v, causal, Tensor(), true);
            auto r = ops::ref::attention_forward(q, k, v, causal);
            BOOST_TEST(test::max_abs_diff(f.out, r.out) < 1e-5, "T=" << T << " causal=" << causal);
            BOOST_TEST(test::max_abs_diff(f.probs, r.probs) < 1e-6, "T=" << T << " causal=" << causal);
        }
}

BOOST_AUTO_TEST_CASE(dropout_mask_is_inverted_and_reproducible) {
    Generator g1(7), g2(7);
    Tensor m1 = ops::dropout_mask({1000}, kFloat32, 0.25, g1), m2 = ops::dropout_mask({1000}, kFloat32, 0.25, g2);
    BOOST_TEST(test::max_abs_diff(m1, m2) == 0.0);
    BOOST_TEST(g1.state().offset > 0);
    int kept = 0;
    for (float v : m1.to_vector<float>()) {
        BOOST_TEST((v == 0.0f || std::fabs(v - 1.0f / 0.75f) < 1e-6));
        kept += v != 0.0f;
    }
    BOOST_TEST(kept > 700);
    BOOST_TEST(kept < 800);
}

BOOST_AUTO_TEST_CASE(errors_name_shapes_and_indices) {
    Tensor logits = Tensor::zeros({4, 5});
    test::check_error([&] { ops::cross_entropy(logits, Tensor::from_vector<std::int64_t>({0, 1, 7, 2}, {4}), -100, 0); },
                      {"cross_entropy", "(4, 5)", "target 7", "index 2", "C = 5"});
    test::check_error([&] { ops::cross_entropy(logits, Tensor::zeros({3}, kInt64), -100, 0); },
                      {"cross_entropy", "(4, 5)", "(3)"});
    test::check_error([&] { ops::embedding(Tensor::from_vector<std::int64_t>({0, 12}, {2}), Tensor::zeros({10, 4})); },
                      {"embedding", "id 12", "V = 10", "(10, 4)"});
    test::check_error([&] { ops::cat({Tensor::zeros({2, 3}), Tensor::zeros({2, 4})}, 0); }, {"cat", "(2, 3)", "(2, 4)"});
    test::check_error([&] { ops::attention_forward(Tensor::zeros({1, 2, 3, 4}), Tensor::zeros({1, 2, 3, 5}),
                                                   Tensor::zeros({1, 2, 3, 4}), false, Tensor()); },
                      {"scaled_dot_product_attention", "(1, 2, 3, 4)", "(1, 2, 3, 5)"});
    test::check_error([&] { ops::layer_norm(Tensor::zeros({2, 3}), Tensor::zeros({4}), Tensor(), 1e-5); },
                      {"layer_norm", "(2, 3)", "(4)"});
}

BOOST_AUTO_TEST_CASE(causal_mask_marks_future_keys) {
    const auto m = causal_mask(3).to_vector<float>();
    BOOST_TEST((m == std::vector<float>{0, 1, 1, 0, 0, 1, 0, 0, 0}));
}

BOOST_AUTO_TEST_SUITE_END()
