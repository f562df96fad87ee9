// GPT against an independent PyTorch nanoGPT-style model (tests/golden/gen_gpt.py): the
// state_dict loads by name (same key set), logits and loss match in float64 and float32.
#include <set>

#include "../helpers.hpp"
#include "golden.hpp"
#include "prism/models/gpt.hpp"

using namespace prism;

BOOST_AUTO_TEST_SUITE(golden_gpt)

BOOST_AUTO_TEST_CASE(logits_match_pytorch) {
    const auto file = test::load_golden("tests/golden/gpt.safetensors");
    models::GPTConfig c;
    c.vocab_size = 11; c.context_length = 8; c.dim = 16; c.heads = 2; c.depth = 2; c.mlp_dim = 64;
    nn::StateDict params;
    for (auto& [k, t] : file)
        if (k != "ids" && k != "targets" && k != "logits" && k != "loss") params[k] = t;
    for (DType dt : {kFloat64, kFloat32}) {
        models::GPT m(c);
        m.to(dt);
        std::set<std::string> ours, theirs;
        for (auto& [k, t] : m.state_dict()) ours.insert(k);
        for (auto& [k, t] : params) theirs.insert(k);
        BOOST_TEST(ours == theirs, boost::test_tools::per_element());
        m.load_state_dict(params);  // strict
        m.eval();
        const Tensor ids = file.at("ids");
        const double tol = dt == kFloat64 ? 1e-9 : 1e-4;
        const Tensor logits = m.forward(ids);
        BOOST_TEST(test::max_abs_diff(logits.to(kFloat64), file.at("logits")) <= tol);
        BOOST_TEST(std::fabs(m.loss(ids, file.at("targets")).item() - file.at("loss").item()) <= tol);
    }
}

BOOST_AUTO_TEST_SUITE_END()
