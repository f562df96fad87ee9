// GPT: a causal language transformer with nanoGPT's parameter names and layouts, so a
// checkpoint moves to and from nanoGPT's model.py by name (PyTorch nn.Linear (out, in)).
//
//   ids (B, T) int64
//     -> transformer.wte (V, C)[ids] + transformer.wpe (Tctx, C)[0..T)   -> (B, T, C)
//     -> depth x pre-LN causal TransformerBlock (transformer.h.N.{ln_1, attn.c_attn,
//        attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj})                       -> (B, T, C)
//     -> transformer.ln_f, lm_head.weight (V, C), no bias                -> logits (B, T, V)
// With tied_embeddings the head reuses wte.weight and there is no lm_head.weight entry.
//
// Generation keeps a key/value cache: forward_cached(token, position, cache) runs one token
// through the model reusing the keys and values of earlier positions (inference only) and
// gives the same logits as the full forward's row `position`.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "prism/models/attention_spec.hpp"
#include "prism/nn/block.hpp"
#include "prism/nn/containers.hpp"
#include "prism/nn/layers.hpp"

namespace prism::models {

struct GPTConfig {
    std::int64_t vocab_size = 256, context_length = 128;
    std::int64_t dim = 128, depth = 4, heads = 4, mlp_dim = 512;
    double norm_eps = 1e-5;             // nanoGPT / PyTorch LayerNorm
    std::string activation = "gelu";    // "gelu" (erf, nanoGPT) or "gelu_tanh" (GPT-2)
    bool tied_embeddings = false;
    bool qkv_bias = true;               // nanoGPT's default; a config without the field: true
    std::string init = "default";       // or "matched" (models/vit.hpp ViTConfig::init)
    double init_norm = 0.1;
    AttentionSpec attention;
    nlohmann::json tokenizer = nullptr;  // {"kind": "char"|"byte", "vocab": [...]}; opaque to the model

    void validate() const;  // throws prism::Error naming the bad field (also: weights that cannot fit in memory)

    // As ViTConfig's: parameters (saturating), activation bytes of one training step at `batch`
    // windows of context_length tokens, and the memory check (16 bytes per parameter when training).
    std::uint64_t parameter_count() const;
    std::uint64_t activation_bytes(std::int64_t batch) const;
    void check_memory(std::int64_t batch, bool training) const;
    // "gpt-micro" (the fast CPU default: 128/4/4, context 128), "gpt-mini" (256/6/4, context
    // 128), "gpt-small" (384/6/6, context 256). vocab_size and tokenizer are set by the data.
    static GPTConfig preset(const std::string& name);
    static std::vector<std::string> preset_names();

    nlohmann::json to_json() const;  // the checkpoint's "config" metadata
    static GPTConfig from_json(const nlohmann::json& j);
};

// Keys and values of every block for one sequence (batch 1): k, v (NH, Tctx, HS) per block.
struct KVCache {
    std::vector<Tensor> k, v;
    std::int64_t length = 0;  // positions filled
};

class GPT : public nn::Module {
   public:
    explicit GPT(const GPTConfig& cfg, Generator* gen = nullptr);
    Tensor forward(const Tensor& ids);  // (B, T) int64, T <= context_length -> logits (B, T, V)
    Tensor operator()(const Tensor& ids) { return forward(ids); }
    // Mean cross-entropy of forward(ids) against targets (B, T).
    Tensor loss(const Tensor& ids, const Tensor& targets);

    KVCache make_cache() const;
    // One token at `position` (== cache.length) -> logits (V); appends to the cache. No grad.
    // Attention kinds other than "standard" need the whole sequence and are not supported here
    // (supports_cache() is false; generate() then recomputes the window).
    Tensor forward_cached(std::int64_t token, std::int64_t position, KVCache& cache);
    bool supports_cache() const;

    GPTConfig config;
    std::shared_ptr<nn::Module> transformer;
    std::shared_ptr<nn::Embedding> wte, wpe;
    std::shared_ptr<nn::ModuleList> h;
    std::shared_ptr<nn::LayerNorm> ln_f;
    std::shared_ptr<nn::Linear> lm_head;  // null when tied
    Tensor head_weight() const;          // lm_head.weight or wte.weight
};

struct SampleOptions {
    std::int64_t max_new_tokens = 200;
    double temperature = 1.0;  // 0: greedy (argmax)
    std::int64_t top_k = 0;    // 0: all tokens
    std::uint64_t seed = 0;
    bool use_cache = true;
};

// Picks the next token from logits (V): greedy, or softmax(logits / T) restricted to the top k,
// sampled with one uniform draw from gen.
std::int32_t sample_token(const Tensor& logits, double temperature, std::int64_t top_k, Generator& gen);

// Continues `prompt` (non-empty), calling on_token for each new token as it is produced.
// When the sequence fills the context, the window jumps forward by half a context and the
// cache is refilled from the kept half (the uncached path uses the same windows, so both give
// the same tokens). Returns the new tokens.
std::vector<std::int32_t> generate(GPT& model, const std::vector<std::int32_t>& prompt, const SampleOptions& opts,
                                   const std::function<void(std::int32_t)>& on_token = {});

}  // namespace prism::models
