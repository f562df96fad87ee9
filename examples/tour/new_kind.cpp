// Tour chapter 7 (docs/tour/07-new-kind.md): a new attention kind, registered once, usable
// everywhere.
//
// examples/tour/attention_tempered.cpp defines the kind "tempered" (softmax temperature tau) and
// its registry entry. This program registers it at run time, then uses it through the same paths
// as the built-in kinds: the options a command line would show (--tau with its range and
// default), models::parse_attention_options (defaults recorded, bad options refused with the
// kind's own list), a checkpoint config round trip, a ViT built with it, and the diagnostics'
// layer map. Two depth-6 ViTs at tau 4 and tau 0.25 see the same images; the flatter attention
// (tau 4) leaves the last layer's tokens more alike. Prints "new_kind: ok" (exit 0) when all of
// that holds.
#include <cstdio>
#include <prism/prism.hpp>

using namespace prism;

namespace prism::nn {
AttentionKindInfo tempered_kind();  // examples/tour/attention_tempered.cpp
}

static double last_cos_sim(double tau, const Tensor& images) {
    manual_seed(0);  // the same initial draws for both temperatures
    models::ViTConfig cfg;
    cfg.image_size = 16;
    cfg.patch_size = 4;
    cfg.in_channels = 1;
    cfg.num_classes = 10;
    cfg.dim = 48;
    cfg.depth = 6;
    cfg.heads = 3;
    cfg.mlp_dim = 96;
    cfg.attention = models::parse_attention_options("tempered", {{"tau", std::to_string(tau)}});
    models::ViT model(cfg);
    model.eval();
    return diag::smoothing_profile(model, images, /*with_attention=*/false).back().cos_sim;
}

int main() {
    nn::register_attention_kind(nn::tempered_kind());
    bool ok = true;

    // 1. the command-line option every training command derives from the registry
    for (const auto& o : nn::attention_options())
        if (o.param.name == "tau") std::printf("--%s FLOAT:%s   %s\n", o.param.name.c_str(), o.param.range.describe().c_str(),
                                               o.help(nn::Task::Vision).c_str());

    // 2. options -> spec: the default is recorded, unknown or out-of-range options are refused
    const auto spec = models::parse_attention_options("tempered");
    std::printf("tempered with no options: tau = %g (the registered default)\n", spec.params.at("tau"));
    ok = ok && spec.params.at("tau") == 1.0;
    for (const models::AttentionOptions& bad : {models::AttentionOptions{{"alpha", "0.5"}}, {{"tau", "0"}}}) {
        try {
            models::parse_attention_options("tempered", bad);
            ok = false;
        } catch (const Error& e) {
            std::printf("refused: %s\n", e.what());
        }
    }

    // 3. the checkpoint config keeps it
    const auto back = models::AttentionSpec::from_json(models::parse_attention_options("tempered", {{"tau", "2"}}).to_json());
    std::printf("checkpoint config: %s\n", back.to_json().dump().c_str());
    ok = ok && back.kind == "tempered" && back.params.at("tau") == 2.0;

    // 4. the diagnostics read its layer map from the kind itself
    const auto attn = nn::make_attention({.kind = "tempered", .params = {{"tau", 2.0}}}, 48, 3, 0);
    const auto ops = diag::layer_operators(*attn);
    std::printf("layer map: %s, growth %s\n", ops.h_operator.c_str(), ops.growth.formula.c_str());
    ok = ok && ops.growth.applicable && ops.heads.size() == 3;

    // 5. flatter attention, more alike tokens
    Generator g(7);
    const Tensor images = Tensor::randn({16, 1, 16, 16}, g);
    const double hot = last_cos_sim(4.0, images), cold = last_cos_sim(0.25, images);
    std::printf("last-layer cosine similarity: tau 4 %.4f, tau 0.25 %.4f\n", hot, cold);
    ok = ok && hot > cold;

    std::printf("new_kind: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
