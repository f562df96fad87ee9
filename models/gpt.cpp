#include "prism/models/gpt.hpp"

#include <algorithm>
#include <cmath>

#include "prism/autograd/functions.hpp"
#include "prism/core/json.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/models/vit.hpp"  // parse_activation
#include "prism/models/size_estimate.hpp"
#include "prism/nn/attention_init.hpp"
#include "prism/nn/init.hpp"

namespace prism::models {

void GPTConfig::validate() const {
    auto positive = [](const char* field, std::int64_t v) {
        if (v <= 0) throw Error("gpt config", field, " must be positive, got ", v);
    };
    positive("vocab_size", vocab_size);
    positive("context_length", context_length);
    positive("dim", dim);
    positive("depth", depth);
    positive("heads", heads);
    positive("mlp_dim", mlp_dim);
    if (dim % heads != 0) throw Error("gpt config", "dim ", dim, " is not divisible by heads ", heads);
    if (!(norm_eps > 0)) throw Error("gpt config", "norm_eps must be positive, got ", norm_eps);
    parse_activation(activation);
    nn::check_init_name("gpt config init", init);
    if (!(init_norm > 0)) throw Error("gpt config", "init_norm must be positive, got ", init_norm);
    if (attention.layers && attention.layers->second > depth)
        throw Error("gpt config", "attention layers [", attention.layers->first, ", ", attention.layers->second,
                    ") do not lie within the depth ", depth, " (blocks 0..", depth - 1, ")");
    check_memory(0, false);
}

std::uint64_t GPTConfig::parameter_count() const {
    const std::int64_t C = dim;
    return add_sat({mul_sat({vocab_size, C}), mul_sat({context_length, C}),
                    mul_sat(static_cast<std::uint64_t>(depth), block_parameter_count(C, mlp_dim)), mul_sat({2, C}),
                    tied_embeddings ? 0 : mul_sat({vocab_size, C})});
}

std::uint64_t GPTConfig::activation_bytes(std::int64_t batch) const {
    const std::int64_t T = context_length;
    const std::uint64_t per_sample =
        add_sat(mul_sat(static_cast<std::uint64_t>(depth), block_activation_floats(T, dim, mlp_dim, heads)),
                mul_sat({3, T, vocab_size}));  // logits, their softmax and gradient
    return mul_sat(mul_sat(per_sample, batch > 0 ? static_cast<std::uint64_t>(batch) : 0), 4);
}

void GPTConfig::check_memory(std::int64_t batch, bool training) const {
    const std::uint64_t params = parameter_count();
    const std::uint64_t bytes = add_sat(mul_sat(params, training ? 16 : 4), activation_bytes(batch));
    if (bytes <= 1ull << 30) return;  // under 1 GiB: no need to ask the system
    prism::check_memory("gpt config",
                        Error::cat("dim ", dim, ", depth ", depth, ", mlp_dim ", mlp_dim, ", context ", context_length,
                                   ", vocab ", vocab_size, " (",
                                   params == kSaturated ? std::string("over 1.8e19") : std::to_string(params),
                                   " parameters", batch > 0 ? Error::cat(", batch ", batch) : std::string(), ")"),
                        bytes);
}

std::vector<std::string> GPTConfig::preset_names() { return {"gpt-micro", "gpt-mini", "gpt-small"}; }

GPTConfig GPTConfig::preset(const std::string& name) {
    GPTConfig c;
    if (name == "gpt-micro") {
        c.dim = 128; c.depth = 4; c.heads = 4; c.mlp_dim = 512; c.context_length = 128;
    } else if (name == "gpt-mini") {
        c.dim = 256; c.depth = 6; c.heads = 4; c.mlp_dim = 1024; c.context_length = 128;
    } else if (name == "gpt-small") {
        c.dim = 384; c.depth = 6; c.heads = 6; c.mlp_dim = 1536; c.context_length = 256;
    } else {
        std::string known;
        for (const auto& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
        throw Error("gpt preset", "unknown preset '", name, "' (known: ", known, ")");
    }
    return c;
}

nlohmann::json GPTConfig::to_json() const {
    return {{"model", "gpt"},         {"vocab_size", vocab_size}, {"context_length", context_length},
            {"dim", dim},             {"depth", depth},           {"heads", heads},
            {"mlp_dim", mlp_dim},     {"norm_eps", norm_eps},     {"activation", activation},
            {"tied_embeddings", tied_embeddings}, {"qkv_bias", qkv_bias},
            {"init", init}, {"init_norm", init_norm}, {"attention", attention.to_json()},
            {"tokenizer", tokenizer}};
}

GPTConfig GPTConfig::from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw Error("gpt config", "expected a JSON object");
    // j.value("model", "") would throw nlohmann's type_error for a non-string "model"
    const std::string model = j.contains("model") && j["model"].is_string() ? j["model"].get<std::string>() : "";
    if (model != "gpt") throw Error("gpt config", "\"model\" is '", model, "', expected 'gpt'");
    GPTConfig c;
    try {
        const auto at = [&](const char* key) { return json_int_at(j, key, "gpt config"); };
        c.vocab_size = at("vocab_size"); c.context_length = at("context_length");
        c.dim = at("dim"); c.depth = at("depth"); c.heads = at("heads");
        c.mlp_dim = j.contains("mlp_dim") ? at("mlp_dim") : 4 * c.dim;
        c.norm_eps = j.value("norm_eps", 1e-5);
        c.activation = j.value("activation", std::string("gelu"));
        c.tied_embeddings = j.value("tied_embeddings", false);
        c.qkv_bias = j.value("qkv_bias", true);
        c.init = j.value("init", std::string("default"));
        c.init_norm = j.value("init_norm", 0.1);
        if (j.contains("attention") && !j["attention"].is_null()) c.attention = AttentionSpec::from_json(j["attention"], nn::Task::Language);
        if (j.contains("tokenizer")) c.tokenizer = j["tokenizer"];
    } catch (const nlohmann::json::exception& e) {
        throw Error("gpt config", e.what());
    }
    c.validate();
    return c;
}

GPT::GPT(const GPTConfig& cfg, Generator* gen) : nn::Module("GPT"), config(cfg) {
    config.validate();
    // the kind's parameters left out get its language defaults (recorded in the checkpoint config)
    nn::complete_attention_params(nn::attention_kind(config.attention.kind, "gpt config"), config.attention.params,
                                  nn::Task::Language, "gpt config");
    const GeluApprox act = parse_activation(config.activation);
    transformer = register_module("transformer", std::make_shared<nn::Module>("ModuleDict"));
    wte = transformer->register_module("wte", std::make_shared<nn::Embedding>(config.vocab_size, config.dim, gen));
    wpe = transformer->register_module("wpe", std::make_shared<nn::Embedding>(config.context_length, config.dim, gen));
    h = transformer->register_module("h", std::make_shared<nn::ModuleList>());
    for (std::int64_t i = 0; i < config.depth; ++i) {
        nn::BlockConfig bc;
        bc.dim = config.dim;
        bc.heads = config.heads;
        bc.mlp_dim = config.mlp_dim;
        bc.attention = config.attention.for_layer(i, /*causal=*/true, config.qkv_bias);
        bc.norm_eps = config.norm_eps;
        bc.approximate = act;
        bc.names = nn::BlockNames::gpt2();
        bc.layer_index = i;
        bc.depth = config.depth;
        bc.gen = gen;
        h->push_back(std::make_shared<nn::TransformerBlock>(bc));
    }
    ln_f = transformer->register_module("ln_f", std::make_shared<nn::LayerNorm>(config.dim, config.norm_eps));
    if (!config.tied_embeddings)
        lm_head = register_module("lm_head", std::make_shared<nn::Linear>(config.dim, config.vocab_size, false, gen));
    // nanoGPT's _init_weights: N(0, 0.02) for Linear and Embedding weights, zero biases, and
    // the residual projections (c_proj) at 0.02 / sqrt(2 * depth).
    for (auto& [name, m] : named_modules()) {
        if (auto* lin = dynamic_cast<nn::Linear*>(m)) {
            nn::init::normal_(lin->weight, 0.0, 0.02, gen);
            if (lin->bias.defined()) nn::init::zeros_(lin->bias);
        } else if (auto* emb = dynamic_cast<nn::Embedding*>(m)) {
            nn::init::normal_(emb->weight, 0.0, 0.02, gen);
        }
    }
    const double proj_std = 0.02 / std::sqrt(2.0 * static_cast<double>(config.depth));
    for (auto& [name, p] : named_parameters())
        if (name.size() >= 14 && name.substr(name.size() - 14) == ".c_proj.weight")
            nn::init::normal_(p, 0.0, proj_std, gen);
    if (config.init == "matched")
        for (std::size_t i = 0; i < h->size(); ++i)
            nn::match_head_norms(*h->at<nn::TransformerBlock>(i)->attn, config.init_norm);
}

Tensor GPT::head_weight() const { return lm_head ? lm_head->weight : wte->weight; }

Tensor GPT::forward(const Tensor& ids) {
    auto g = path_guard();
    if (ids.dim() != 2) throw Error("gpt", "ids ", shape_str(ids.shape()), " are not (B, T)");
    const std::int64_t T = ids.size(1);
    if (T > config.context_length)
        throw Error("gpt", "ids ", shape_str(ids.shape()), ": sequence length ", T, " exceeds context_length ",
                    config.context_length);
    Tensor pos = Tensor::arange(T, kInt64);
    Tensor x = wte->forward(ids) + wpe->forward(pos);  // (B, T, C) + (T, C)
    nn::AttentionContext ctx;
    for (std::size_t i = 0; i < h->size(); ++i) x = h->at<nn::TransformerBlock>(i)->forward(x, ctx);
    x = ln_f->forward(x);
    return linear(x, head_weight());  // (B, T, V)
}

Tensor GPT::loss(const Tensor& ids, const Tensor& targets) {
    Tensor logits = forward(ids);
    const std::int64_t N = logits.size(0) * logits.size(1);
    return cross_entropy(logits.reshape({N, config.vocab_size}), targets.reshape({N}));
}

bool GPT::supports_cache() const {
    for (std::size_t i = 0; i < h->size(); ++i)
        if (h->at<nn::TransformerBlock>(i)->attn->kind() != "standard") return false;
    return true;
}

KVCache GPT::make_cache() const {
    KVCache c;
    const std::int64_t hs = config.dim / config.heads;
    const DType dt = wte->weight.dtype();
    for (std::int64_t i = 0; i < config.depth; ++i) {
        c.k.push_back(Tensor::zeros({config.heads, config.context_length, hs}, dt));
        c.v.push_back(Tensor::zeros({config.heads, config.context_length, hs}, dt));
    }
    return c;
}

Tensor GPT::forward_cached(std::int64_t token, std::int64_t position, KVCache& cache) {
    auto g = path_guard();
    NoGradGuard no_grad;
    if (!supports_cache()) throw Error("gpt", "forward_cached supports the standard attention only");
    if (position != cache.length || position >= config.context_length)
        throw Error("gpt", "forward_cached: position ", position, " with ", cache.length,
                    " cached positions and context_length ", config.context_length);
    if (token < 0 || token >= config.vocab_size)
        throw Error("gpt", "token ", token, " out of range [0, ", config.vocab_size, ")");
    const std::int64_t C = config.dim, NH = config.heads, HS = C / NH, L = position + 1;
    Tensor x = (wte->weight.select(0, token) + wpe->weight.select(0, position)).reshape({1, 1, C});
    for (std::size_t i = 0; i < h->size(); ++i) {
        auto blk = h->at<nn::TransformerBlock>(i);
        auto* attn = static_cast<nn::MultiHeadSelfAttention*>(blk->attn.get());
        // (1, 1, 3C) -> (3, NH, HS), the same split as project_qkv's (B, T, 3, NH, HS)
        Tensor qkv = attn->qkv->forward(blk->norm1->forward(x)).reshape({3, NH, HS});
        cache.k[i].narrow(1, position, 1).copy_(qkv.select(0, 1).unsqueeze(1));
        cache.v[i].narrow(1, position, 1).copy_(qkv.select(0, 2).unsqueeze(1));
        Tensor q = qkv.select(0, 0).reshape({1, NH, 1, HS});
        Tensor k = cache.k[i].narrow(1, 0, L).unsqueeze(0);  // (1, NH, L, HS)
        Tensor v = cache.v[i].narrow(1, 0, L).unsqueeze(0);
        // the one query sees every cached key: no mask needed (the fused SDPA wants equal
        // query and key lengths, so this is written out: (1, NH, 1, L) scores)
        Tensor att = softmax(matmul(q, k.transpose(2, 3)) * (1.0 / std::sqrt(static_cast<double>(HS))), -1);
        Tensor y = matmul(att, v);  // (1, NH, 1, HS)
        x = x + attn->proj->forward(y.reshape({1, 1, C}));
        x = x + blk->mlp->forward(blk->norm2->forward(x));
    }
    cache.length = L;
    return linear(ln_f->forward(x), head_weight()).reshape({config.vocab_size});
}

std::int32_t sample_token(const Tensor& logits, double temperature, std::int64_t top_k, Generator& gen) {
    const auto z = logits.to(kFloat64).contiguous().to_vector<double>();
    const auto V = static_cast<std::int64_t>(z.size());
    if (V == 0) throw Error("sample_token", "empty logits");
    if (temperature <= 0) return static_cast<std::int32_t>(std::max_element(z.begin(), z.end()) - z.begin());
    double cutoff = -INFINITY;
    if (top_k > 0 && top_k < V) {
        auto sorted = z;
        std::nth_element(sorted.begin(), sorted.begin() + (top_k - 1), sorted.end(), std::greater<double>());
        cutoff = sorted[static_cast<std::size_t>(top_k - 1)];
    }
    const double zmax = *std::max_element(z.begin(), z.end());
    std::vector<double> p(z.size());
    double sum = 0;
    for (std::size_t i = 0; i < z.size(); ++i) {
        p[i] = z[i] < cutoff ? 0.0 : std::exp((z[i] - zmax) / temperature);
        sum += p[i];
    }
    const double u = gen.next_double() * sum;
    double acc = 0;
    std::int64_t last = 0;
    for (std::int64_t i = 0; i < V; ++i) {
        if (p[i] == 0) continue;
        acc += p[i];
        last = i;
        if (u < acc) return static_cast<std::int32_t>(i);
    }
    return static_cast<std::int32_t>(last);
}

std::vector<std::int32_t> generate(GPT& model, const std::vector<std::int32_t>& prompt, const SampleOptions& opts,
                                   const std::function<void(std::int32_t)>& on_token) {
    if (prompt.empty()) throw Error("generate", "the prompt must hold at least one token");
    NoGradGuard no_grad;
    const bool was_training = model.is_training();
    model.eval();
    const std::int64_t ctx = model.config.context_length, jump = std::max<std::int64_t>(1, ctx / 2);
    const bool cached = opts.use_cache && model.supports_cache();
    Generator gen(opts.seed);
    std::vector<std::int32_t> seq = prompt, out;
    KVCache cache;
    std::int64_t ws = -1;  // window start the cache holds
    for (std::int64_t n = 0; n < opts.max_new_tokens; ++n) {
        const auto len = static_cast<std::int64_t>(seq.size());
        // window: the smallest multiple of `jump` that leaves at most ctx tokens
        const std::int64_t start = len > ctx ? ((len - ctx + jump - 1) / jump) * jump : 0;
        Tensor logits;
        if (cached) {
            if (start != ws) {  // (re)fill the cache from the window
                cache = model.make_cache();
                ws = start;
                for (std::int64_t t = start; t < len - 1; ++t) model.forward_cached(seq[t], t - start, cache);
            }
            logits = model.forward_cached(seq[len - 1], len - 1 - start, cache);
        } else {
            std::vector<std::int64_t> ids(seq.begin() + start, seq.end());
            const auto T = static_cast<std::int64_t>(ids.size());
            logits = model.forward(Tensor::from_vector(ids, {1, T})).select(0, 0).select(0, T - 1);
        }
        const std::int32_t next = sample_token(logits, opts.temperature, opts.top_k, gen);
        seq.push_back(next);
        out.push_back(next);
        if (on_token) on_token(next);
    }
    model.train(was_training);
    return out;
}

}  // namespace prism::models
