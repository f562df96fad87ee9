// core/layout.hpp: plain views compute the same layouts as the differentiable Tensor members
// and never record a node; Tensor::set_ re-points a tensor and refuses layouts that would read
// past the storage; ops/ (below autograd) calls only the plain views.
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "../helpers.hpp"
#include "prism/core/layout.hpp"
#include "prism/core/storage.hpp"

using namespace prism;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(core_layout)

BOOST_AUTO_TEST_CASE(plain_views_match_members_and_record_nothing) {
    Tensor x = test::leaf64({2, 3, 4}, 1);  // requires grad
    const std::vector<std::pair<Tensor, Tensor>> pairs = {
        {layout::view(x, {6, 4}), x.view({6, 4})},
        {layout::reshape(layout::transpose(x, 0, 2), {4, -1}), x.transpose(0, 2).reshape({4, -1})},
        {layout::permute(x, {2, 0, 1}), x.permute({2, 0, 1})},
        {layout::narrow(x, 1, 1, 2), x.narrow(1, 1, 2)},
        {layout::select(x, 2, -1), x.select(2, -1)},
        {layout::expand(layout::unsqueeze(x, 0), {5, -1, -1, -1}), x.unsqueeze(0).expand({5, -1, -1, -1})},
        {layout::squeeze(layout::narrow(x, 0, 1, 1), 0), x.narrow(0, 1, 1).squeeze(0)},
        {layout::flatten(x, 1), x.flatten(1)},
        {layout::contiguous(layout::transpose(x, 1, 2)), x.transpose(1, 2).contiguous()},
        {layout::to(x, kFloat32), x.to(kFloat32)},
    };
    for (const auto& [plain, member] : pairs) {
        BOOST_CHECK(plain.shape() == member.shape());
        BOOST_CHECK(plain.strides() == member.strides());
        BOOST_CHECK_EQUAL(plain.offset(), member.offset());
        BOOST_CHECK(plain.dtype() == member.dtype());
        BOOST_CHECK(plain.to_vector<double>() == member.to_vector<double>());
        BOOST_CHECK(member.grad_fn() != nullptr);  // the member records...
        BOOST_CHECK(plain.grad_fn() == nullptr);   // ...the plain view never does
        BOOST_CHECK(!plain.requires_grad());
    }
    // A view shares storage; contiguous() of a row-major tensor aliases it.
    BOOST_CHECK(layout::view(x, {24}).storage() == x.storage());
    BOOST_CHECK(layout::contiguous(x).storage() == x.storage());
    BOOST_CHECK(layout::contiguous(layout::transpose(x, 0, 1)).storage() != x.storage());
    test::check_error([&] { layout::view(layout::transpose(x, 0, 2), {24}); }, {"view", "(4, 3, 2)", "reshape()"});
    test::check_error([&] { layout::permute(x, {0, 0, 1}); }, {"permute", "repeated"});
    test::check_error([&] { layout::narrow(x, 1, 2, 2); }, {"narrow", "out of bounds", "(2, 3, 4)"});
}

BOOST_AUTO_TEST_CASE(set_repoints_every_handle_and_checks_bounds) {
    Tensor p = Tensor::zeros({2, 3});
    Tensor alias = p;  // another handle to the same tensor, like a module member
    auto slab = std::make_shared<Storage>(16 * sizeof(float));
    Tensor s = Tensor::from_storage(slab, {16}, {1}, 0, kFloat32);
    s.copy_(Tensor::arange(16));
    p.set_(slab, 4, {3, 1});
    BOOST_CHECK(alias.storage() == slab);
    BOOST_CHECK(alias.to_vector<float>() == (std::vector<float>{4, 5, 6, 7, 8, 9}));
    test::check_error([&] { p.set_(slab, 12, {3, 1}); }, {"set_", "(2, 3)", "reads past", "16 elements"});
    test::check_error([&] { p.set_(slab, 0, {1}); }, {"set_", "strides"});
}

// ops/ sits below autograd: its kernels use core/layout.hpp, never the differentiable members
// or detach(), and include nothing from autograd/ or above.
BOOST_AUTO_TEST_CASE(ops_use_only_plain_views) {
    const std::regex member(R"(\.(detach|view|reshape|permute|transpose|narrow|select|expand|squeeze|unsqueeze|contiguous|flatten|clone|t|to)\()");
    const std::regex upward(R"(#include "prism/(autograd|nn|models|optim|data|io|train|diag|study)/)");
    int files = 0;
    for (const auto& e : fs::directory_iterator(fs::path(PRISM_SOURCE_DIR) / "ops")) {
        if (e.path().extension() != ".cpp" && e.path().extension() != ".hpp") continue;
        ++files;
        std::ifstream in(e.path());
        std::string line;
        for (int n = 1; std::getline(in, line); ++n) {
            const auto code = line.substr(0, line.find("//"));  // comments may mention members
            BOOST_CHECK_MESSAGE(!std::regex_search(code, member),
                                e.path().filename().string() + ":" + std::to_string(n) + ": " + line);
            BOOST_CHECK_MESSAGE(!std::regex_search(line, upward),
                                e.path().filename().string() + ":" + std::to_string(n) + ": " + line);
        }
    }
    BOOST_CHECK_GT(files, 10);
}

BOOST_AUTO_TEST_SUITE_END()
