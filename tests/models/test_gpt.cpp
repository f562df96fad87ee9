// GPT: nanoGPT parameter names, config JSON round trip, cached generation == uncached, and a
// float64 gradcheck through every parameter of a tiny model.
#include "../helpers.hpp"
#include "prism/autograd/functions.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/models/gpt.hpp"

using namespace prism;

namespace {

models::GPTConfig tiny(std::int64_t V = 7, std::int64_t C = 8, std::int64_t NH = 2, std::int64_t L = 1,
                       std::int64_t T = 4) {
    models::GPTConfig c;
    c.vocab_size = V; c.dim = C; c.heads = NH; c.depth = L; c.context_length = T; c.mlp_dim = 4 * C;
    return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gpt)

BOOST_AUTO_TEST_CASE(named_parameters_are_nanogpt) {
    Generator g(1);
    models::GPT m(tiny(11, 16, 2, 2, 8), &g);
    std::vector<std::string> expected = {"transformer.wte.weight", "transformer.wpe.weight"};
    for (int i = 0; i < 2; ++i) {
        const std::string p = "transformer.h." + std::to_string(i) + ".";
        for (const char* s : {"ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
                              "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
                              "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"})
            expected.push_back(p + s);
    }
    expected.push_back("transformer.ln_f.weight");
    expected.push_back("transformer.ln_f.bias");
    expected.push_back("lm_head.weight");
    std::vector<std::string> names;
    for (auto& [n, t] : m.named_parameters()) names.push_back(n);
    BOOST_TEST(names == expected, boost::test_tools::per_element());
    const auto sd = m.state_dict();
    BOOST_TEST((sd.at("transformer.h.0.attn.c_attn.weight").shape() == Shape{48, 16}));  // (out, in)
    BOOST_TEST((sd.at("transformer.h.1.mlp.c_fc.weight").shape() == Shape{64, 16}));
    BOOST_TEST((sd.at("lm_head.weight").shape() == Shape{11, 16}));
    BOOST_TEST((sd.at("transformer.wpe.weight").shape() == Shape{8, 16}));

    auto tc = tiny(11, 16, 2, 2, 8);
    tc.tied_embeddings = true;
    models::GPT t(tc, &g);
    BOOST_TEST(t.state_dict().count("lm_head.weight") == 0u);
    BOOST_TEST(t.head_weight().is_same(t.wte->weight));
}

BOOST_AUTO_TEST_CASE(init_follows_nanogpt) {
    Generator g(3);
    auto c = models::GPTConfig::preset("gpt-micro");
    c.vocab_size = 65;
    models::GPT m(c, &g);
    auto stdev = [](const Tensor& t) {
        const auto v = t.to_vector<double>();
        double s = 0;
        for (double x : v) s += x * x;
        return std::sqrt(s / v.size());
    };
    BOOST_TEST(stdev(m.wte->weight) == 0.02, boost::test_tools::tolerance(0.05));
    BOOST_TEST(stdev(m.state_dict().at("transformer.h.0.mlp.c_proj.weight")) == 0.02 / std::sqrt(8.0),
               boost::test_tools::tolerance(0.05));
    BOOST_TEST(stdev(m.state_dict().at("transformer.h.0.attn.c_attn.bias")) == 0.0);
}

BOOST_AUTO_TEST_CASE(config_json_round_trip) {
    auto c = models::GPTConfig::preset("gpt-mini");
    c.vocab_size = 73;
    c.activation = "gelu_tanh";
    c.tied_embeddings = true;
    c.tokenizer = {{"kind", "char"}, {"vocab", {"a", "b"}}};
    const auto j = c.to_json();
    BOOST_TEST(j["model"] == "gpt");
    BOOST_TEST(j["attention"]["kind"] == "standard");
    const auto c2 = models::GPTConfig::from_json(j);
    BOOST_TEST(c2.to_json() == j);
    BOOST_TEST(c2.dim == 256);
    BOOST_TEST(c2.depth == 6);
    test::check_error([&] { models::GPTConfig::preset("gpt-huge"); }, {"gpt-huge", "gpt-micro"});
    auto bad = j;
    bad["heads"] = 5;
    test::check_error([&] { models::GPTConfig::from_json(bad); }, {"dim 256", "heads 5"});
}

BOOST_AUTO_TEST_CASE(forward_cached_matches_forward) {
    Generator g(5);
    models::GPT m(tiny(11, 16, 2, 2, 8), &g);
    m.eval();
    const std::vector<std::int64_t> ids = {3, 1, 4, 1, 5, 9, 2, 6};
    Tensor full = m.forward(Tensor::from_vector(ids, {1, 8}));  // (1, 8, V)
    auto cache = m.make_cache();
    for (std::int64_t t = 0; t < 8; ++t) {
        Tensor row = m.forward_cached(ids[t], t, cache);
        BOOST_TEST(test::max_abs_diff(row, full.select(0, 0).select(0, t)) < 1e-5);
    }
    test::check_error([&] { m.forward_cached(1, 8, cache); }, {"forward_cached", "context_length 8"});
    test::check_error([&] { m.forward(Tensor::from_vector(std::vector<std::int64_t>(9, 0), {1, 9})); },
                      {"exceeds context_length 8"});
}

BOOST_AUTO_TEST_CASE(cached_generation_equals_uncached) {
    Generator g(9);
    models::GPT m(tiny(11, 16, 2, 2, 8), &g);
    for (double temp : {0.0, 1.0}) {
        models::SampleOptions o;
        o.max_new_tokens = 30;  // crosses the context several times (window jumps)
        o.temperature = temp;
        o.top_k = temp > 0 ? 5 : 0;
        o.seed = 42;
        o.use_cache = true;
        const auto a = models::generate(m, {1, 2, 3}, o);
        o.use_cache = false;
        const auto b = models::generate(m, {1, 2, 3}, o);
        BOOST_TEST(a == b, boost::test_tools::per_element());
        BOOST_TEST(a.size() == 30u);
    }
}

BOOST_AUTO_TEST_CASE(sample_token_top_k_and_greedy) {
    Tensor logits = Tensor::from_vector(std::vector<float>{0.f, 5.f, 1.f, 4.f}, {4});
    Generator g(0);
    BOOST_TEST(models::sample_token(logits, 0.0, 0, g) == 1);
    for (int i = 0; i < 50; ++i) {
        const auto t = models::sample_token(logits, 1.0, 2, g);
        BOOST_TEST((t == 1 || t == 3));
    }
}

BOOST_AUTO_TEST_CASE(gradcheck_every_parameter) {
    Generator g(11);
    models::GPT m(tiny(7, 8, 2, 1, 4), &g);
    m.to(kFloat64);
    // bigger weights than nanoGPT's init so every path carries signal
    for (auto& p : m.parameters()) {
        Tensor r = Tensor::randn(p.shape(), g, kFloat64);
        p.copy_(r * 0.5);
    }
    const Tensor ids = Tensor::from_vector(std::vector<std::int64_t>{1, 6, 0, 3, 2, 2, 5, 4}, {2, 4});
    const Tensor tgt = Tensor::from_vector(std::vector<std::int64_t>{6, 0, 3, 2, 2, 5, 4, 1}, {2, 4});
    const auto params = m.parameters();
    BOOST_TEST(params.size() == 17u);  // wte, wpe, 12 in the block, ln_f (2), lm_head
    CHECK_GRAD([&](const std::vector<Tensor>&) { return m.forward(ids); }, params);
    CHECK_GRAD([&](const std::vector<Tensor>&) { return m.loss(ids, tgt); }, params);
}

BOOST_AUTO_TEST_SUITE_END()
