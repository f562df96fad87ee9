// Tour chapter 7 (docs/tour/07-new-kind.md): a new attention kind, registered once, usable
// everywhere.
//
// examples/tour/attention_tempered.cpp defines the kind "tempered" (softmax temperature tau) and
// its registry entry. This program registers it at run time, then uses it through the same paths
// as the built-in kinds: the options a command line would show (--tau with its range and
// default), models::parse_attention_options (defaults recorded, bad options refused with the
// kind's own list), a checkpoint config round trip, make_attention, and the diagnostics' layer
// map. One layer at tau 4 and at tau 0.25 sees the same tokens; the flatter attention (tau 4)
// leaves its output tokens more alike. Prints "new_kind: ok" (exit 0) when all of that holds.
#include <cstdio>
#include <prism/prism.hpp>

using namespace prism;

namespace prism::nn {
AttentionKindInfo tempered_kind();  // examples/tour/attention_tempered.cpp
}

// One tempered layer (dim 48, 3 heads) on 16 random tokens: the mean cosine similarity between
// its output tokens. q and k are scaled up (x 4 each) so that the logits are not all near 0, as
// they are at initialisation, where any temperature leaves A near uniform.
static double output_cos_sim(double tau, const Tensor& x) {
    manual_seed(0);  // the same weights for every temperature
    auto attn = nn::make_attention({.kind = "tempered", .params = {{"tau", tau}}}, 48, 3, 0);
    auto* mhsa = dynamic_cast<nn::MultiHeadSelfAttention*>(attn.get());
    {
        NoGradGuard ng;
        Tensor qk = mhsa->qkv->weight.narrow(0, 0, 2 * 48);  // W_Q, W_K rows (2C, C)
        qk.copy_(qk * 4.0);
    }
    attn->eval();
    nn::AttentionContext ctx;
    return diag::mean_cosine_similarity(attn->forward(x, ctx).select(0, 0).detach());  // (T, C)
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

    // 5. flatter attention (larger tau), more alike output tokens
    Generator g(7);
    const Tensor x = Tensor::randn({1, 16, 48}, g);  // (B, T, C)
    const double hot = output_cos_sim(4.0, x), cold = output_cos_sim(0.25, x);
    std::printf("cosine similarity of the output tokens: tau 4 %.4f, tau 0.25 %.4f\n", hot, cold);
    ok = ok && hot > cold;

    std::printf("new_kind: %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
