// One timm-style pre-LN transformer block against PyTorch (tests/golden/gen_block.py):
// parameters loaded by name through load_state_dict, then the output and every gradient of
// sum(out * W) compared in float64.
#include "../helpers.hpp"
#include "prism/autograd/functions.hpp"
#include "prism/io/safetensors.hpp"
#include "prism/nn.hpp"

using namespace prism;

BOOST_AUTO_TEST_SUITE(golden_block)

BOOST_AUTO_TEST_CASE(pre_ln_block_matches_pytorch) {
    const auto file = io::load_safetensors(std::string(PRISM_SOURCE_DIR) + "/tests/golden/block.safetensors");
    nn::BlockConfig cfg;
    cfg.dim = 16;
    cfg.heads = 2;
    cfg.mlp_dim = 32;
    auto block = std::make_shared<nn::TransformerBlock>(cfg);
    block->to(kFloat64);

    nn::StateDict params;
    for (auto& [name, t] : file.tensors)
        if (name != "x" && name != "out" && name != "W" && name.rfind("grad.", 0) != 0) params[name] = t;
    block->load_state_dict(params);  // strict: every name must match PyTorch's
    BOOST_TEST(params.size() == 12u);

    Tensor x = file.get("x").detach().requires_grad_();
    Tensor out = block->forward(x);
    BOOST_TEST(test::max_abs_diff(out, file.get("out")) < 1e-9);
    sum(mul(out, file.get("W"))).backward();
    BOOST_TEST(test::max_abs_diff(x.grad(), file.get("grad.x")) < 1e-9);
    for (auto& [name, p] : block->named_parameters()) {
        BOOST_REQUIRE_MESSAGE(p.grad().defined(), name);
        BOOST_TEST(test::max_abs_diff(p.grad(), file.get("grad." + name)) < 1e-9, name);
    }
}

BOOST_AUTO_TEST_SUITE_END()
