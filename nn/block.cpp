#include "prism/nn/block.hpp"

#include "prism/autograd/fn_elementwise.hpp"

namespace prism::nn {

TransformerBlock::TransformerBlock(const BlockConfig& cfg) : UnaryModule("TransformerBlock"), config(cfg) {
    if (config.mlp_dim <= 0) config.mlp_dim = 4 * config.dim;
    const BlockNames& n = config.names;
    AttentionArgs a;
    a.dim = config.dim;
    a.heads = config.heads;
    a.layer_index = config.layer_index;
    a.depth = config.depth;
    a.qkv_name = n.qkv;
    a.proj_name = n.proj;
    a.gen = config.gen;
    // Registration order = PyTorch's state_dict order: norm1, attn, norm2, mlp (timm's
    // drop_path1/drop_path2 sit between them and hold no parameters).
    norm1 = register_module(n.norm1, std::make_shared<LayerNorm>(config.dim, config.norm_eps));
    attn = register_module(n.attn, make_attention(config.attention, a));
    drop_path1 = register_module("drop_path1", std::make_shared<DropPath>(config.drop_path, config.gen));
    norm2 = register_module(n.norm2, std::make_shared<LayerNorm>(config.dim, config.norm_eps));
    MLPOptions mo;
    mo.fc1_name = n.fc1;
    mo.fc2_name = n.fc2;
    mo.bias = config.mlp_bias;
    mo.approximate = config.approximate;
    mo.drop = config.drop;
    mo.gen = config.gen;
    mlp = register_module(n.mlp, std::make_shared<MLP>(config.dim, config.mlp_dim, config.dim, mo));
    drop_path2 = register_module("drop_path2", std::make_shared<DropPath>(config.drop_path, config.gen));
}

Tensor TransformerBlock::forward(const Tensor& x, AttentionContext& ctx) {
    auto g = path_guard();
    ctx.layer_index = config.layer_index;
    Tensor y;
    if (config.pre_norm) {
        Tensor h = x + drop_path1->forward(attn->forward(norm1->forward(x), ctx));
        y = h + drop_path2->forward(mlp->forward(norm2->forward(h)));
    } else {
        Tensor h = norm1->forward(x + drop_path1->forward(attn->forward(x, ctx)));
        y = norm2->forward(h + drop_path2->forward(mlp->forward(h)));
    }
    probe("out", y);
    return y;
}

Tensor TransformerBlock::forward(const Tensor& x) {
    AttentionContext ctx;
    return forward(x, ctx);
}

std::string TransformerBlock::extra_repr() const {
    return Error::cat("dim=", config.dim, ", heads=", config.heads, ", mlp_dim=", config.mlp_dim,
                      ", attention=", config.attention.kind, config.pre_norm ? ", pre-LN" : ", post-LN",
                      config.drop_path > 0 ? Error::cat(", drop_path=", config.drop_path) : std::string());
}

}  // namespace prism::nn
