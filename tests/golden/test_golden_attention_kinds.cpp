// The attention kinds against an independent PyTorch implementation
// (tests/golden/gen_attention_kinds.py): L attention layers with residuals,
// x_{i+1} = x_i + attn_i(x_i); parameters loaded by name, then the output and every gradient of
// sum(out * W) compared in float64.
#include "prism/autograd/functions.hpp"
#include "golden.hpp"
#include "prism/nn/attention_kinds.hpp"

using namespace prism;

namespace {

void check_case(const std::string& name, const nn::AttentionConfig& cfg, std::int64_t layers) {
    const test::Golden g("tests/golden/attention_kinds.safetensors");
    const std::int64_t C = 12, NH = 3;
    std::vector<std::shared_ptr<nn::Attention>> attn;
    for (std::int64_t i = 0; i < layers; ++i) {
        nn::AttentionArgs a;
        a.dim = C;
        a.heads = NH;
        a.layer_index = i;
        a.depth = layers;
        attn.push_back(nn::make_attention(cfg, a));
        attn.back()->to(kFloat64);
        const std::string prefix = name + "." + std::to_string(i) + ".";
        nn::StateDict params;
        for (auto& [key, t] : g.all())
            if (key.rfind(prefix, 0) == 0) params[key.substr(prefix.size())] = t;
        attn.back()->load_state_dict(params);  // strict: the names must match PyTorch's
    }
    Tensor x = g.leaf(name + ".x");
    nn::AttentionContext ctx;
    Tensor h = x;
    for (std::int64_t i = 0; i < layers; ++i) {
        ctx.layer_index = i;
        h = h + attn[i]->forward(h, ctx);
    }
    test::check_close(name + ".out", h, g[name + ".out"], 1e-9);
    sum(mul(h, g[name + ".W"])).backward();
    test::check_close(name + ".grad.x", x.grad(), g[name + ".grad.x"], 1e-9);
    for (std::int64_t i = 0; i < layers; ++i)
        for (auto& [pname, p] : attn[i]->named_parameters()) {
            const std::string key = name + ".grad." + std::to_string(i) + "." + pname;
            test::check_close(key, p.grad(), g[key], 1e-9);
        }
}

nn::AttentionConfig config(const std::string& kind, std::map<std::string, double> params = {}, bool qkv_bias = true,
                           bool causal = false) {
    nn::AttentionConfig c;
    c.kind = kind;
    c.params = std::move(params);
    c.qkv_bias = qkv_bias;
    c.causal = causal;
    return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(golden_attention_kinds)

BOOST_AUTO_TEST_CASE(spectral_sharpen_with_clip) {
    check_case("sharpen", config("spectral-sharpen", {{"clip_lo", -0.5}, {"clip_hi", 0.0}}, false), 1);
}

BOOST_AUTO_TEST_CASE(spectral_smooth) { check_case("smooth", config("spectral-smooth"), 1); }

BOOST_AUTO_TEST_CASE(neutreno_two_layers) { check_case("neutreno", config("neutreno", {{"alpha", 0.4}}), 2); }

BOOST_AUTO_TEST_CASE(resformer_two_layers_learnable) {
    check_case("resformer", config("resformer", {{"lambda1", 0.3}, {"lambda2", 0.8}, {"learnable", 1}}), 2);
}

BOOST_AUTO_TEST_CASE(svformer_two_layers_causal) { check_case("svformer", config("svformer", {}, true, true), 2); }

BOOST_AUTO_TEST_SUITE_END()
