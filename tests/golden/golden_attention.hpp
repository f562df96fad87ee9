// Shared by the attention golden tests (test_golden_attention_kinds.cpp,
// test_golden_attention_rotate.cpp): L attention layers with residuals,
// x_{i+1} = x_i + attn_i(x_i), parameters loaded by name from the golden file, then the output and
// every gradient of sum(out * W) compared in float64.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "golden.hpp"
#include "prism/autograd/functions.hpp"
#include "prism/nn/attention_kinds.hpp"

namespace prism::test {

// The case `name` of the golden file `rel_path`: keys <name>.x, <name>.W, <name>.out,
// <name>.grad.x, <name>.<layer>.<param> and <name>.grad.<layer>.<param>.
inline void check_attention_stack(const std::string& rel_path, const std::string& name,
                                  const nn::AttentionConfig& cfg, std::int64_t C, std::int64_t NH,
                                  std::int64_t layers) {
    const Golden g(rel_path);
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
    check_close(name + ".out", h, g[name + ".out"], 1e-9);
    sum(mul(h, g[name + ".W"])).backward();
    check_close(name + ".grad.x", x.grad(), g[name + ".grad.x"], 1e-9);
    for (std::int64_t i = 0; i < layers; ++i)
        for (auto& [pname, p] : attn[i]->named_parameters()) {
            const std::string key = name + ".grad." + std::to_string(i) + "." + pname;
            check_close(key, p.grad(), g[key], 1e-9);
        }
}

inline nn::AttentionConfig attention_config(const std::string& kind, std::map<std::string, double> params = {},
                                            bool qkv_bias = true, bool causal = false) {
    nn::AttentionConfig c;
    c.kind = kind;
    c.params = std::move(params);
    c.qkv_bias = qkv_bias;
    c.causal = causal;
    return c;
}

}  // namespace prism::test
