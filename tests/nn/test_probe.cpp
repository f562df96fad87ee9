#include "../helpers.hpp"
#include "prism/autograd/functions.hpp"
#include "prism/nn.hpp"

using namespace prism;

namespace {

std::shared_ptr<nn::ModuleList> make_blocks(std::int64_t depth) {
    auto root = std::make_shared<nn::Module>("Root");
    auto blocks = root->register_module("blocks", std::make_shared<nn::ModuleList>());
    for (std::int64_t i = 0; i < depth; ++i) {
        nn::BlockConfig cfg;
        cfg.dim = 8;
        cfg.heads = 2;
        cfg.layer_index = i;
        blocks->push_back(std::make_shared<nn::TransformerBlock>(cfg));
    }
    return blocks;  // the root goes away; paths stay as registered ("blocks.i")
}

Tensor run(const nn::ModuleList& blocks, const Tensor& x) {
    nn::AttentionContext ctx;
    Tensor h = x;
    for (std::size_t i = 0; i < blocks.size(); ++i) h = blocks.at<nn::TransformerBlock>(i)->forward(h, ctx);
    return h;
}

std::vector<std::string> keys(const nn::ProbeSet& p) {
    std::vector<std::string> out;
    for (auto& [k, v] : p.captured()) out.push_back(k);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nn_probe)

BOOST_AUTO_TEST_CASE(glob_patterns) {
    BOOST_TEST(nn::glob_match("blocks.*.out", "blocks.3.out"));
    BOOST_TEST(nn::glob_match("blocks.*.out", "blocks.12.out"));
    BOOST_TEST(!nn::glob_match("blocks.*.out", "blocks.3.attn.out"));
    BOOST_TEST(nn::glob_match("blocks.**.out", "blocks.3.attn.out"));
    BOOST_TEST(nn::glob_match("**", "a.b.c"));
    BOOST_TEST(nn::glob_match("blocks.?.attn.probs", "blocks.3.attn.probs"));
    BOOST_TEST(!nn::glob_match("blocks.?.attn.probs", "blocks.10.attn.probs"));
    BOOST_TEST(nn::glob_match("blocks.1*.out", "blocks.10.out"));
    BOOST_TEST(!nn::glob_match("blocks.1*.out", "blocks.2.out"));
    BOOST_TEST(!nn::glob_match("blocks.*", "blocks"));
    BOOST_TEST(nn::glob_match("blocks.*", "blocks."));
}

BOOST_AUTO_TEST_CASE(captures_exactly_what_matches) {
    manual_seed(7);
    auto blocks = make_blocks(3);
    Generator g(8);
    Tensor x = Tensor::randn({2, 5, 8}, g);
    const Tensor ref = run(*blocks, x);

    nn::ProbeSet probes({"blocks.*.out", "blocks.1.attn.probs"});
    Tensor y;
    {
        nn::ProbeScope scope(probes);
        BOOST_TEST(nn::active_probes() == &probes);
        y = run(*blocks, x);
    }
    BOOST_TEST(nn::active_probes() == nullptr);
    BOOST_TEST(keys(probes) ==
                   (std::vector<std::string>{"blocks.0.out", "blocks.1.attn.probs", "blocks.1.out", "blocks.2.out"}),
               boost::test_tools::per_element());
    BOOST_TEST(test::max_abs_diff(y, ref) == 0);  // probing does not change the result
    BOOST_TEST(test::max_abs_diff(probes.get("blocks.2.out"), ref) == 0);
    BOOST_TEST(!probes.get("blocks.2.out").requires_grad());
    const Tensor p = probes.get("blocks.1.attn.probs");
    BOOST_TEST(p.shape() == (Shape{2, 2, 5, 5}));
    const Tensor rows = sum(p, {-1});  // each query's probabilities sum to 1
    BOOST_TEST(test::max_abs_diff(rows, Tensor::ones({2, 2, 5})) < 1e-5);
    // the block output probed for block 0 feeds block 1
    BOOST_TEST(test::max_abs_diff(blocks->at<nn::TransformerBlock>(1)->forward(probes.get("blocks.0.out")),
                                  probes.get("blocks.1.out")) < 1e-6);
    test::check_error([&] { probes.get("blocks.0.attn.probs"); }, {"blocks.0.attn.probs", "blocks.0.out"});
}

BOOST_AUTO_TEST_CASE(causal_attention_maps_are_lower_triangular) {
    manual_seed(9);
    nn::AttentionConfig ac;
    ac.causal = true;
    auto attn = nn::make_attention(ac, 8, 2, 0);
    auto root = std::make_shared<nn::Module>("Root");
    root->register_module("attn", attn);
    nn::ProbeSet probes({"attn.*"});
    Generator g(10);
    nn::AttentionContext ctx;
    {
        nn::ProbeScope scope(probes);
        attn->forward(Tensor::randn({1, 4, 8}, g), ctx);
    }
    BOOST_TEST(keys(probes) == (std::vector<std::string>{"attn.out", "attn.probs"}), boost::test_tools::per_element());
    const auto p = probes.get("attn.probs").to_vector<float>();
    for (int h = 0; h < 2; ++h)
        for (int i = 0; i < 4; ++i)
            for (int j = i + 1; j < 4; ++j) BOOST_TEST(p[(h * 4 + i) * 4 + j] == 0.0f);
}

BOOST_AUTO_TEST_CASE(nothing_captured_without_a_scope) {
    manual_seed(11);
    auto blocks = make_blocks(2);
    nn::ProbeSet probes({"**"});
    Generator g(12);
    run(*blocks, Tensor::randn({1, 3, 8}, g));
    BOOST_TEST(probes.captured().empty());
    BOOST_TEST(nn::active_probes() == nullptr);
    // an empty pattern list captures nothing even when active
    nn::ProbeSet none;
    {
        nn::ProbeScope scope(none);
        run(*blocks, Tensor::randn({1, 3, 8}, g));
    }
    BOOST_TEST(none.captured().empty());
    // scopes nest and restore
    {
        nn::ProbeScope a(probes);
        {
            nn::ProbeScope b(none);
            BOOST_TEST(nn::active_probes() == &none);
        }
        BOOST_TEST(nn::active_probes() == &probes);
    }
}

BOOST_AUTO_TEST_SUITE_END()
