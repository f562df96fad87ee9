#include "prism/models/vit.hpp"

#include "prism/autograd/functions.hpp"
#include "prism/core/json.hpp"
#include "prism/models/size_estimate.hpp"
#include "prism/nn/attention_init.hpp"
#include "prism/nn/init.hpp"

namespace prism::models {

GeluApprox parse_activation(const std::string& name) {
    if (name == "gelu") return GeluApprox::None;
    if (name == "gelu_tanh") return GeluApprox::Tanh;
    throw Error("activation", "unknown activation '", name, "' (expected gelu or gelu_tanh)");
}

void ViTConfig::validate() const {
    auto positive = [](const char* field, std::int64_t v) {
        if (v <= 0) throw Error("vit config", field, " must be positive, got ", v);
    };
    positive("image_size", image_size);
    positive("patch_size", patch_size);
    positive("in_channels", in_channels);
    positive("num_classes", num_classes);
    positive("dim", dim);
    positive("depth", depth);
    positive("heads", heads);
    positive("mlp_dim", mlp_dim);
    if (image_size % patch_size != 0)
        throw Error("vit config", "image_size ", image_size, " is not a multiple of patch_size ", patch_size);
    if (dim % heads != 0) throw Error("vit config", "dim ", dim, " is not divisible by heads ", heads);
    auto probability = [](const char* field, double p) {
        if (!(p >= 0.0 && p < 1.0)) throw Error("vit config", field, " must be in [0, 1), got ", p);
    };
    probability("drop", drop);
    probability("attn_drop", attn_drop);
    probability("drop_path_rate", drop_path_rate);
    parse_activation(activation);
    nn::check_init_name("vit config init", init);
    if (!(init_norm > 0)) throw Error("vit config", "init_norm must be positive, got ", init_norm);
    if (input_mean.size() != static_cast<std::size_t>(in_channels) ||
        input_std.size() != static_cast<std::size_t>(in_channels))
        throw Error("vit config", "input_mean/input_std need ", in_channels, " values (one per channel), got ",
                    input_mean.size(), "/", input_std.size());
    if (!class_names.empty() && class_names.size() != static_cast<std::size_t>(num_classes))
        throw Error("vit config", class_names.size(), " class names for ", num_classes, " classes");
    if (attention.layers && attention.layers->second > depth)
        throw Error("vit config", "attention layers [", attention.layers->first, ", ", attention.layers->second,
                    ") do not lie within the depth ", depth, " (blocks 0..", depth - 1, ")");
    check_memory(0, false);
}

std::uint64_t ViTConfig::parameter_count() const {
    const std::int64_t C = dim, N = num_patches();
    return add_sat({mul_sat({C, in_channels, patch_size, patch_size}), mul_sat({C, N + 3}),
                    mul_sat(static_cast<std::uint64_t>(depth), block_parameter_count(C, mlp_dim)),
                    mul_sat({num_classes, C + 1})});
}

std::uint64_t ViTConfig::activation_bytes(std::int64_t batch) const {
    const std::int64_t T = num_patches() + 1;
    const std::uint64_t per_sample = add_sat(mul_sat(static_cast<std::uint64_t>(depth), block_activation_floats(T, dim, mlp_dim, heads)),
                                             mul_sat({4, in_channels, image_size, image_size}));
    return mul_sat(mul_sat(per_sample, batch > 0 ? static_cast<std::uint64_t>(batch) : 0), 4);
}

void ViTConfig::check_memory(std::int64_t batch, bool training) const {
    const std::uint64_t params = parameter_count();
    const std::uint64_t bytes = add_sat(mul_sat(params, training ? 16 : 4), activation_bytes(batch));
    if (bytes <= 1ull << 30) return;  // under 1 GiB: no need to ask the system
    prism::check_memory("vit config",
                        Error::cat("dim ", dim, ", depth ", depth, ", mlp_dim ", mlp_dim, ", ", num_patches() + 1,
                                   " tokens (", params == kSaturated ? std::string("over 1.8e19") : std::to_string(params),
                                   " parameters", batch > 0 ? Error::cat(", batch ", batch) : std::string(), ")"),
                        bytes);
}

double ViTConfig::drop_path_at(std::int64_t block) const {
    // torch.linspace(0, drop_path_rate, depth)[block], as timm's VisionTransformer builds it
    return depth > 1 ? drop_path_rate * static_cast<double>(block) / static_cast<double>(depth - 1) : 0.0;
}

std::vector<std::string> ViTConfig::preset_names() { return {"vit-micro", "vit-tiny", "vit-small"}; }

ViTConfig ViTConfig::preset(const std::string& name) {
    ViTConfig c;
    if (name == "vit-micro") {
        // the CPU demo: 4x4 patches of 7x7 pixels (17 tokens) keep attention cheap, so
        // Fashion-MNIST trains to ~88% in minutes on two cores
        c.dim = 96; c.depth = 4; c.heads = 3; c.mlp_dim = 192; c.patch_size = 7;
    } else if (name == "vit-tiny") {
        c.dim = 192; c.depth = 12; c.heads = 3; c.mlp_dim = 768;
    } else if (name == "vit-small") {
        c.dim = 384; c.depth = 12; c.heads = 6; c.mlp_dim = 1536;
    } else {
        std::string known;
        for (const auto& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
        throw Error("vit preset", "unknown preset '", name, "' (known: ", known, ")");
    }
    return c;
}

nlohmann::json ViTConfig::to_json() const {
    return {{"model", "vit"},          {"image_size", image_size}, {"patch_size", patch_size},
            {"in_channels", in_channels}, {"num_classes", num_classes}, {"dim", dim},
            {"depth", depth},          {"heads", heads},           {"mlp_dim", mlp_dim},
            {"qkv_bias", qkv_bias},    {"init", init},             {"init_norm", init_norm},
            {"norm_eps", norm_eps},    {"activation", activation},
            {"attention", attention.to_json()}, {"drop", drop},     {"attn_drop", attn_drop},
            {"drop_path_rate", drop_path_rate},
            {"input_mean", input_mean}, {"input_std", input_std},  {"class_names", class_names}};
}

ViTConfig ViTConfig::from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw Error("vit config", "expected a JSON object");
    // j.value("model", "") would throw nlohmann's type_error for a non-string "model"
    const std::string model = j.contains("model") && j["model"].is_string() ? j["model"].get<std::string>() : "";
    if (model != "vit") throw Error("vit config", "\"model\" is '", model, "', expected 'vit'");
    ViTConfig c;
    try {
        const auto at = [&](const char* key) { return json_int_at(j, key, "vit config"); };
        c.image_size = at("image_size"); c.patch_size = at("patch_size"); c.in_channels = at("in_channels");
        c.num_classes = at("num_classes"); c.dim = at("dim"); c.depth = at("depth"); c.heads = at("heads");
        c.mlp_dim = at("mlp_dim");
        // in_channels sizes the default input_mean/input_std below: refuse absurd values first
        // (a negative count would become a huge size_t)
        if (c.in_channels <= 0 || c.in_channels > 4096)
            throw Error("vit config", "in_channels must be in [1, 4096], got ", c.in_channels);
        c.qkv_bias = j.value("qkv_bias", true);
        c.init = j.value("init", std::string("default"));
        c.init_norm = j.value("init_norm", 0.1);
        c.norm_eps = j.value("norm_eps", 1e-6);
        c.activation = j.value("activation", std::string("gelu"));
        if (j.contains("attention")) c.attention = AttentionSpec::from_json(j["attention"]);
        c.drop = j.value("drop", 0.0);
        c.attn_drop = j.value("attn_drop", 0.0);
        c.drop_path_rate = j.value("drop_path_rate", 0.0);
        c.input_mean = j.value("input_mean", std::vector<double>(c.in_channels, 0.5));
        c.input_std = j.value("input_std", std::vector<double>(c.in_channels, 0.5));
        c.class_names = j.value("class_names", std::vector<std::string>{});
    } catch (const nlohmann::json::exception& e) {
        throw Error("vit config", e.what());
    }
    c.validate();
    return c;
}

PatchEmbed::PatchEmbed(std::int64_t image_size_, std::int64_t patch_size_, std::int64_t in_channels_,
                       std::int64_t dim_, Generator* gen)
    : nn::UnaryModule("PatchEmbed"), image_size(image_size_), patch_size(patch_size_), in_channels(in_channels_),
      dim(dim_) {
    proj = register_module("proj", std::make_shared<nn::Module>("Conv2d"));
    // PyTorch's Conv2d default init: kaiming_uniform(a=sqrt(5)) over fan_in = Cin*P*P
    Tensor w = Tensor::empty({dim, in_channels, patch_size, patch_size});
    Tensor b = Tensor::empty({dim});
    nn::init::kaiming_uniform_(w, std::sqrt(5.0), gen);
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_channels * patch_size * patch_size));
    nn::init::uniform_(b, -bound, bound, gen);
    weight = proj->register_parameter("weight", w);
    bias = proj->register_parameter("bias", b);
}

Tensor PatchEmbed::forward(const Tensor& images) {
    auto g = path_guard();
    if (images.dim() != 4 || images.size(1) != in_channels || images.size(2) != image_size ||
        images.size(3) != image_size)
        throw Error("patch_embed", "images ", shape_str(images.shape()), ", expected (B, ", in_channels, ", ",
                    image_size, ", ", image_size, ")");
    const std::int64_t B = images.size(0), P = patch_size, G = image_size / P;
    // unfold: (B, Cin, G, P, G, P) -> (B, G, G, Cin, P, P) -> (B, N, Cin*P*P); matches the
    // conv weight's (C, Cin, P, P) flattening, so one GEMM does the strided convolution.
    Tensor patches = images.reshape({B, in_channels, G, P, G, P})
                         .permute({0, 2, 4, 1, 3, 5})
                         .reshape({B, G * G, in_channels * P * P});
    return linear(patches, weight.reshape({dim, in_channels * P * P}), bias);
}

std::string PatchEmbed::extra_repr() const {
    return Error::cat("in_channels=", in_channels, ", dim=", dim, ", patch_size=", patch_size);
}

ViT::ViT(const ViTConfig& cfg, Generator* gen) : nn::Module("VisionTransformer"), config(cfg) {
    config.validate();
    // the kind's parameters left out get its vision defaults (recorded in the checkpoint config)
    nn::complete_attention_params(nn::attention_kind(config.attention.kind, "vit config"), config.attention.params,
                                  nn::Task::Vision, "vit config");
    const GeluApprox act = parse_activation(config.activation);
    patch_embed = register_module(
        "patch_embed",
        std::make_shared<PatchEmbed>(config.image_size, config.patch_size, config.in_channels, config.dim, gen));
    Tensor cls = Tensor::empty({1, 1, config.dim});
    Tensor pos = Tensor::empty({1, config.num_patches() + 1, config.dim});
    nn::init::normal_(cls, 0.0, 1e-6, gen);  // timm
    nn::init::trunc_normal_(pos, 0.02, 0.0, std::nullopt, std::nullopt, gen);
    cls_token = register_parameter("cls_token", cls);
    pos_embed = register_parameter("pos_embed", pos);

    blocks = register_module("blocks", std::make_shared<nn::ModuleList>());
    for (std::int64_t i = 0; i < config.depth; ++i) {
        nn::BlockConfig bc;
        bc.dim = config.dim;
        bc.heads = config.heads;
        bc.mlp_dim = config.mlp_dim;
        bc.attention = config.attention.for_layer(i, /*causal=*/false, config.qkv_bias);
        bc.attention.attn_drop = config.attn_drop;
        bc.attention.proj_drop = config.drop;
        bc.norm_eps = config.norm_eps;
        bc.approximate = act;
        bc.drop = config.drop;
        bc.drop_path = config.drop_path_at(i);
        bc.layer_index = i;
        bc.depth = config.depth;
        bc.gen = gen;
        blocks->push_back(std::make_shared<nn::TransformerBlock>(bc));
    }
    norm = register_module("norm", std::make_shared<nn::LayerNorm>(config.dim, config.norm_eps));
    head = register_module("head", std::make_shared<nn::Linear>(config.dim, config.num_classes, true, gen));
    // timm: trunc_normal(.02) for every Linear weight, zero biases
    for (auto& [name, m] : named_modules())
        if (auto* lin = dynamic_cast<nn::Linear*>(m)) {
            nn::init::trunc_normal_(lin->weight, 0.02, 0.0, std::nullopt, std::nullopt, gen);
            if (lin->bias.defined()) nn::init::zeros_(lin->bias);
        }
    if (config.init == "matched")
        for (std::size_t i = 0; i < blocks->size(); ++i)
            nn::match_head_norms(*blocks->at<nn::TransformerBlock>(i)->attn, config.init_norm);
}

Tensor ViT::forward_features(const Tensor& images) {
    auto g = path_guard();
    Tensor x = patch_embed->forward(images);  // (B, N, C)
    const std::int64_t B = x.size(0);
    x = cat({cls_token.expand({B, 1, config.dim}), x}, 1) + pos_embed;  // (B, N+1, C)
    nn::AttentionContext ctx;
    for (std::size_t i = 0; i < blocks->size(); ++i) x = blocks->at<nn::TransformerBlock>(i)->forward(x, ctx);
    return norm->forward(x);
}

Tensor ViT::forward(const Tensor& images) {
    Tensor x = forward_features(images);
    auto g = path_guard();
    return head->forward(x.select(1, 0));  // class token -> (B, num_classes)
}

}  // namespace prism::models
