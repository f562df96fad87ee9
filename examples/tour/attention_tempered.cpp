// "tempered": standard attention with a softmax temperature tau,
//
//     softmax(q k^T / (tau sqrt(HS))) v,   tau > 1 flattens each row of A (towards the mean token),
//                                          tau < 1 sharpens it (towards the most similar token).
//
// A whole attention kind in one file: the class and its registry entry (name, summary, factory,
// parameters). docs/tour/07-new-kind.md adds it to nn/ with a diff that touches nothing else;
// examples/tour/new_kind.cpp registers it at run time instead.
#include "prism/autograd/functions.hpp"
#include "prism/nn/attention_kinds.hpp"

namespace prism::nn {

namespace {

class TemperedAttention : public MultiHeadSelfAttention {
   public:
    TemperedAttention(const AttentionConfig& cfg, const AttentionArgs& args)
        : MultiHeadSelfAttention(cfg, args), tau(cfg.param("tau")) {}
    std::string kind() const override { return "tempered"; }
    // tau changes A only: with A held fixed the layer is the standard one
    std::optional<LayerLinearMap> linear_map() const override { return standard_linear_map(); }

   protected:
    // q, k, v (B, NH, T, HS) -> (B, NH, T, HS); q / tau divides the logits q k^T by tau
    Tensor attend(const Tensor& q, const Tensor& k, const Tensor& v, AttentionContext& ctx) override {
        return MultiHeadSelfAttention::attend(q * (1.0 / tau), k, v, ctx);
    }

   private:
    double tau;
};

}  // namespace

AttentionKindInfo tempered_kind() {
    return {.name = "tempered",
            .summary = "standard attention with a softmax temperature: softmax(q k^T / (tau sqrt(HS))) v",
            .factory = [](const AttentionConfig& c, const AttentionArgs& a) {
                return std::make_shared<TemperedAttention>(c, a);
            },
            .params = {{.name = "tau",
                        .help = "softmax temperature (> 1 flattens the attention, < 1 sharpens it)",
                        .default_value = 1.0,
                        .range = number_at_least(0, /*open=*/true)}}};
}

}  // namespace prism::nn
