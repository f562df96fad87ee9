#include <algorithm>
#include <sstream>

#include "../helpers.hpp"
#include "prism/core/runtime.hpp"

using namespace prism;

BOOST_AUTO_TEST_SUITE(core_tensor)

BOOST_AUTO_TEST_CASE(layout_of_a_fresh_tensor) {
    Tensor t = Tensor::zeros({2, 3, 4});
    BOOST_TEST(t.dim() == 3);
    BOOST_TEST(t.numel() == 24);
    BOOST_TEST((t.strides() == Strides{12, 4, 1}));
    BOOST_TEST(t.is_contiguous());
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(t.raw_data()) % 64 == 0u);
    BOOST_TEST(t.size(-1) == 4);
}

BOOST_AUTO_TEST_CASE(views_share_storage) {
    Tensor x = Tensor::arange(6).reshape({2, 3});
    Tensor y = x.transpose(0, 1);
    BOOST_TEST((y.shape() == Shape{3, 2}));
    BOOST_TEST((y.strides() == Strides{1, 3}));
    BOOST_TEST(!y.is_contiguous());
    BOOST_TEST(y.storage() == x.storage());
    BOOST_TEST((y.to_vector<float>() == std::vector<float>{0, 3, 1, 4, 2, 5}));
    // writing through a view is seen by the base
    y.narrow(0, 1, 1).fill_(9);
    BOOST_TEST((x.to_vector<float>() == std::vector<float>{0, 9, 2, 3, 9, 5}));
    Tensor c = y.contiguous();
    BOOST_TEST(c.is_contiguous());
    BOOST_TEST(c.storage() != x.storage());
    BOOST_TEST(x.contiguous().storage() == x.storage());  // no copy when already contiguous
}

BOOST_AUTO_TEST_CASE(select_expand_squeeze_unsqueeze) {
    Tensor x = Tensor::arange(12).reshape({3, 4});
    BOOST_TEST((x.select(0, 1).to_vector<float>() == std::vector<float>{4, 5, 6, 7}));
    BOOST_TEST((x.select(1, -1).to_vector<float>() == std::vector<float>{3, 7, 11}));
    Tensor r = Tensor::arange(3).reshape({1, 3}).expand({2, 3});
    BOOST_TEST((r.strides() == Strides{0, 1}));
    BOOST_TEST((r.to_vector<float>() == std::vector<float>{0, 1, 2, 0, 1, 2}));
    BOOST_TEST((x.unsqueeze(1).shape() == Shape{3, 1, 4}));
    BOOST_TEST((x.unsqueeze(-1).shape() == Shape{3, 4, 1}));
    BOOST_TEST((x.unsqueeze(0).squeeze(0).shape() == Shape{3, 4}));
    BOOST_TEST((x.flatten().shape() == Shape{12}));
    BOOST_TEST((x.reshape({2, -1}).shape() == Shape{2, 6}));
}

BOOST_AUTO_TEST_CASE(reshape_of_a_transpose_copies_view_refuses) {
    Tensor x = Tensor::arange(6).reshape({2, 3}).t();
    test::check_error([&] { x.view({6}); }, {"view", "(6)", "(3, 2)"});
    Tensor y = x.reshape({6});
    BOOST_TEST((y.to_vector<float>() == std::vector<float>{0, 3, 1, 4, 2, 5}));
    // a narrow of the last dim still views when the split fits
    Tensor z = Tensor::arange(24).reshape({4, 6}).narrow(1, 0, 4).view({4, 2, 2});
    BOOST_TEST((z.strides() == Strides{6, 2, 1}));
}

BOOST_AUTO_TEST_CASE(permute_and_dtype_conversion) {
    Tensor x = Tensor::arange(24).reshape({2, 3, 4}).permute({2, 0, 1});
    BOOST_TEST((x.shape() == Shape{4, 2, 3}));
    BOOST_TEST(x.select(0, 1).select(0, 1).select(0, 2).item() == 21.0);
    Tensor i = x.to(kInt64);
    BOOST_TEST(i.dtype() == kInt64);
    BOOST_TEST(i.to_vector<std::int64_t>()[5] == x.to_vector<float>()[5]);
}

// copy_ walks the outer index of each parallel chunk like an odometer: a 4-d permutation with
// odd sizes and more rows than one chunk (32768 / 3 rows), element by element against the
// index arithmetic, and a strided destination.
BOOST_AUTO_TEST_CASE(strided_copy_matches_index_arithmetic) {
    const std::int64_t A = 7, B = 50, C = 41, D = 3;
    Tensor x = Tensor::arange(A * B * C * D, kFloat64).reshape({A, B, C, D});
    Tensor p = x.permute({2, 0, 3, 1}).contiguous();  // (C, A, D, B), rows of B with stride C*D in x
    const auto v = p.to_vector<double>();
    bool ok = true;
    for (std::int64_t c = 0, i = 0; c < C; ++c)
        for (std::int64_t a = 0; a < A; ++a)
            for (std::int64_t d = 0; d < D; ++d)
                for (std::int64_t b = 0; b < B; ++b, ++i) ok = ok && v[i] == double(((a * B + b) * C + c) * D + d);
    BOOST_TEST(ok);
    Tensor dst = Tensor::zeros({A, B, 2, C, D}, kFloat64);
    dst.select(2, 1).copy_(x);  // strided destination, last dim contiguous
    BOOST_TEST(dst.select(2, 1).contiguous().to_vector<double>() == x.to_vector<double>());
    const auto untouched = dst.select(2, 0).contiguous().to_vector<double>();
    BOOST_TEST(std::all_of(untouched.begin(), untouched.end(), [](double e) { return e == 0.0; }));
}

BOOST_AUTO_TEST_CASE(errors_name_the_op_and_shapes) {
    Tensor x = Tensor::zeros({2, 3});
    test::check_error([&] { x.reshape({4, 2}); }, {"reshape", "(4, 2)", "(2, 3)"});
    test::check_error([&] { x.narrow(1, 2, 2); }, {"narrow", "(2, 3)"});
    test::check_error([&] { x.expand({4, 4}); }, {"expand", "(2, 3)", "(4, 4)"});
    test::check_error([&] { x.permute({0, 0}); }, {"permute", "repeated"});
    test::check_error([&] { x.data<double>(); }, {"data", "float32", "float64"});
    test::check_error([&] { x.size(5); }, {"size", "out of range"});
    test::check_error([&] { Tensor().shape(); }, {"undefined"});
    {
        ModulePath p("blocks"), q("3");
        test::check_error([&] { x.t().view({6}); }, {"blocks.3: view"});
    }
}

BOOST_AUTO_TEST_CASE(printing_like_pytorch) {
    Tensor x = Tensor::arange(4).reshape({2, 2});
    const std::string s = x.to_string();
    BOOST_TEST(s.find("tensor([[0.0000, 1.0000],") == 0u);
    BOOST_TEST(s.find("shape=(2, 2), dtype=float32") != std::string::npos);
    const std::string big = Tensor::arange(2000).to_string();
    BOOST_TEST(big.find("...") != std::string::npos);
    BOOST_TEST(big.find("1999") != std::string::npos);
    BOOST_TEST(big.size() < 200u);
    std::ostringstream os;
    os << Tensor::arange(3, kInt64);
    BOOST_TEST(os.str() == "tensor([0, 1, 2], shape=(3), dtype=int64)");
}

BOOST_AUTO_TEST_CASE(rng_is_counter_based_and_thread_independent) {
    Generator a(42), b(42);
    std::vector<float> x(100000), y(100000);
    runtime::set_num_threads(1);
    a.normal(x.data(), static_cast<std::int64_t>(x.size()));
    runtime::set_num_threads(0);
    b.normal(y.data(), static_cast<std::int64_t>(y.size()));
    BOOST_TEST(x == y);
    double mean = 0, var = 0;
    for (float v : x) mean += v;
    mean /= x.size();
    for (float v : x) var += (v - mean) * (v - mean);
    var /= x.size();
    BOOST_TEST(std::fabs(mean) < 0.02);
    BOOST_TEST(std::fabs(var - 1.0) < 0.02);
    // state save / restore resumes the same stream
    Generator c(7);
    c.next_double();
    auto st = c.state();
    const double v1 = c.next_double();
    c.set_state(st);
    BOOST_TEST(c.next_double() == v1);
    Generator d(8);
    BOOST_TEST(d.next_double() != Generator(7).next_double());
}

BOOST_AUTO_TEST_CASE(blis_selection_reports_a_compiled_configuration) {
    const auto& c = runtime::init_blis();
    BOOST_TEST(!c.name.empty());
    BOOST_TEST(!c.source.empty());
}

BOOST_AUTO_TEST_SUITE_END()
