// TransformerBlock: attention and MLP with residual connections.
//
//     pre-LN (default, timm ViT / GPT-2):  x = x + attn(norm1(x));  x = x + mlp(norm2(x))
//     with drop_path > 0 (stochastic depth, timm): x = x + drop_path1(attn(norm1(x))), ...
//     post-LN (original Transformer):      x = norm1(x + attn(x));  x = norm2(x + mlp(x))
//
// Child names follow timm (norm1, attn, norm2, mlp, mlp.fc1, mlp.fc2, attn.qkv, attn.proj);
// BlockNames::gpt2() gives the GPT-2 names (ln_1, attn, ln_2, mlp, mlp.c_fc, mlp.c_proj,
// attn.c_attn, attn.c_proj) so HuggingFace checkpoints load by name.
// Offers "<path>.out" (B, T, C) to probes.
#pragma once
#include <memory>
#include <string>

#include "prism/nn/attention.hpp"
#include "prism/nn/layers.hpp"
#include "prism/nn/mlp.hpp"

namespace prism::nn {

struct BlockNames {
    std::string norm1 = "norm1", attn = "attn", norm2 = "norm2", mlp = "mlp";
    std::string qkv = "qkv", proj = "proj", fc1 = "fc1", fc2 = "fc2";
    static BlockNames timm() { return {}; }
    static BlockNames gpt2() { return {"ln_1", "attn", "ln_2", "mlp", "c_attn", "c_proj", "c_fc", "c_proj"}; }
};

struct BlockConfig {
    std::int64_t dim = 0, heads = 0, mlp_dim = 0;  // mlp_dim <= 0 means 4 * dim
    AttentionConfig attention;
    bool pre_norm = true;
    double norm_eps = 1e-5;
    bool mlp_bias = true;
    GeluApprox approximate = GeluApprox::None;  // GPT-2: Tanh
    double drop = 0.0;                          // MLP dropout
    double drop_path = 0.0;                     // stochastic depth on both residual branches
    BlockNames names;
    std::int64_t layer_index = 0;
    std::int64_t depth = 0;
    Generator* gen = nullptr;  // initialisers and dropout; default_generator() when null
};

class TransformerBlock : public UnaryModule {
   public:
    explicit TransformerBlock(const BlockConfig& cfg);
    Tensor forward(const Tensor& x, AttentionContext& ctx);  // x (B, T, C) -> (B, T, C)
    Tensor forward(const Tensor& x) override;                // with a fresh context
    std::string extra_repr() const override;

    BlockConfig config;
    std::shared_ptr<LayerNorm> norm1, norm2;
    std::shared_ptr<Attention> attn;
    std::shared_ptr<MLP> mlp;
    std::shared_ptr<DropPath> drop_path1, drop_path2;  // identity unless config.drop_path > 0
};

}  // namespace prism::nn
