// ViT: a Vision Transformer with timm's parameter names and layouts, so a checkpoint moves
// to and from timm's VisionTransformer by name.
//
//   images (B, Cin, H, W)
//     -> patch_embed: cut into N = (H/P)*(W/P) patches, each flattened to Cin*P*P and
//        projected to C by proj.weight (C, Cin, P, P) (timm's conv weight; computed as
//        unfold + one GEMM)                                     -> (B, N, C)
//     -> prepend cls_token (1, 1, C), add pos_embed (1, N+1, C)  -> (B, N+1, C)
//     -> depth x pre-LN TransformerBlock                          -> (B, N+1, C)
//     -> norm, take token 0, head (num_classes, C)                -> logits (B, num_classes)
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "prism/models/attention_spec.hpp"
#include "prism/nn/block.hpp"
#include "prism/nn/containers.hpp"
#include "prism/nn/layers.hpp"

namespace prism::models {

struct ViTConfig {
    std::int64_t image_size = 28, patch_size = 4, in_channels = 1, num_classes = 10;
    std::int64_t dim = 192, depth = 12, heads = 3, mlp_dim = 768;
    bool qkv_bias = true;              // timm's default; the paper's models have none (a config without the field: true)
    // "default" (timm's init) or "matched": every attention head's H_h = W_V^h W_O^h rescaled at
    // construction to spectral norm init_norm, whatever the kind (nn/attention_init.hpp)
    std::string init = "default";
    double init_norm = 0.1;
    double norm_eps = 1e-6;            // timm's ViT
    std::string activation = "gelu";   // "gelu" (erf) or "gelu_tanh"
    AttentionSpec attention;
    double drop = 0.0, attn_drop = 0.0;
    // stochastic depth (timm's drop_path_rate): block i drops its residual branches with
    // probability drop_path_rate * i / (depth - 1), rising linearly from 0 in block 0
    double drop_path_rate = 0.0;
    double drop_path_at(std::int64_t block) const;
    std::vector<double> input_mean{0.5}, input_std{0.5};  // pixels in [0,1], then (x - mean) / std
    std::vector<std::string> class_names;

    std::int64_t num_patches() const { return (image_size / patch_size) * (image_size / patch_size); }
    void validate() const;  // throws prism::Error naming the bad field (also: weights that cannot fit in memory)

    // Parameters of the model (saturating at 2^64 - 1 for sizes that cannot exist).
    std::uint64_t parameter_count() const;
    // Bytes of activations one training step (or a diagnostics pass) keeps at this batch; an estimate.
    std::uint64_t activation_bytes(std::int64_t batch) const;
    // Throws prism::Error with the estimate and the memory available (core/memory.hpp) when the
    // weights (with gradients and AdamW's two moments when `training`: 16 bytes per parameter)
    // plus the activations of one batch cannot fit. batch 0: weights only.
    void check_memory(std::int64_t batch, bool training) const;

    // "vit-micro" (the CPU demo), "vit-tiny" (192/12/3/768), "vit-small" (384/12/6/1536).
    static ViTConfig preset(const std::string& name);
    static std::vector<std::string> preset_names();

    nlohmann::json to_json() const;  // the checkpoint's "config" metadata
    static ViTConfig from_json(const nlohmann::json& j);
};

// patch_embed.proj.weight (C, Cin, P, P) and .bias (C), applied as a strided-conv would be.
class PatchEmbed : public nn::UnaryModule {
   public:
    PatchEmbed(std::int64_t image_size, std::int64_t patch_size, std::int64_t in_channels, std::int64_t dim,
               Generator* gen);
    Tensor forward(const Tensor& images) override;  // (B, Cin, H, W) -> (B, N, C)
    std::string extra_repr() const override;

    std::int64_t image_size, patch_size, in_channels, dim;
    std::shared_ptr<nn::Module> proj;  // holds weight and bias under "proj.", like timm's Conv2d
    Tensor weight, bias;
};

class ViT : public nn::Module {
   public:
    explicit ViT(const ViTConfig& cfg, Generator* gen = nullptr);
    Tensor forward(const Tensor& images);  // (B, Cin, H, W) -> logits (B, num_classes)
    Tensor operator()(const Tensor& images) { return forward(images); }
    // The tokens after the final norm (B, N+1, C), before the head.
    Tensor forward_features(const Tensor& images);

    ViTConfig config;
    Tensor cls_token, pos_embed;
    std::shared_ptr<PatchEmbed> patch_embed;
    std::shared_ptr<nn::ModuleList> blocks;
    std::shared_ptr<nn::LayerNorm> norm;
    std::shared_ptr<nn::Linear> head;
};

GeluApprox parse_activation(const std::string& name);  // "gelu" | "gelu_tanh"

}  // namespace prism::models
