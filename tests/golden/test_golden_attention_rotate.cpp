// spectral-rotate against an independent PyTorch implementation
// (tests/golden/gen_attention_rotate.py, which builds each head's B_h with torch.block_diag and
// runs the heads one at a time): L layers with residuals, x_{i+1} = x_i + attn_i(x_i);
// parameters loaded by name, then the output and every gradient of sum(out * W) compared in
// float64. Covers the clip (magnitudes clipped at both ends: zero gradient there), an odd head
// size (the 1x1 slot r cos phi), causal attention and q/k without bias.
#include "prism/autograd/functions.hpp"
#include "golden.hpp"
#include "prism/nn/attention_kinds.hpp"

using namespace prism;

namespace {

void check_case(const std::string& name, const nn::AttentionConfig& cfg, std::int64_t C, std::int64_t NH,
                std::int64_t layers) {
    const test::Golden g("tests/golden/attention_rotate.safetensors");
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

nn::AttentionConfig config(std::map<std::string, double> params, bool qkv_bias, bool causal) {
    nn::AttentionConfig c;
    c.kind = "spectral-rotate";
    c.params = std::move(params);
    c.qkv_bias = qkv_bias;
    c.causal = causal;
    return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(golden_attention_rotate)

BOOST_AUTO_TEST_CASE(rotate_with_clip) {
    check_case("rotate", config({{"clip_lo", 0.2}, {"clip_hi", 0.7}}, true, false), 12, 3, 1);
}

BOOST_AUTO_TEST_CASE(rotate_odd_head_size_causal_two_layers) {
    check_case("rotate_odd", config({}, false, true), 15, 3, 2);
}

BOOST_AUTO_TEST_SUITE_END()
