#include "../helpers.hpp"
#include "prism/autograd/functions.hpp"
#include "prism/nn.hpp"

using namespace prism;

namespace {

std::shared_ptr<nn::TransformerBlock> small_block(bool pre_norm, bool causal) {
    nn::BlockConfig cfg;
    cfg.dim = 8;
    cfg.heads = 2;
    cfg.mlp_dim = 16;
    cfg.pre_norm = pre_norm;
    cfg.attention.causal = causal;
    auto b = std::make_shared<nn::TransformerBlock>(cfg);
    b->to(kFloat64);
    // non-trivial norms, so their gradients are exercised
    Generator g(21);
    for (auto& [name, p] : b->named_parameters())
        if (name.find("norm") != std::string::npos) p.copy_(add(p.detach(), mul(Tensor::randn(p.shape(), g, kFloat64), 0.2)));
    return b;
}

// Gradcheck of the block through its input and every parameter: gradcheck nudges the
// parameters' storage in place, so the block sees the perturbations through its own handles.
void check_block(const std::shared_ptr<nn::TransformerBlock>& b) {
    Tensor x = test::leaf64({2, 5, 8}, 22);
    std::vector<Tensor> inputs{x};
    for (auto& p : b->parameters()) inputs.push_back(p);
    BOOST_TEST(inputs.size() == 13u);
    CHECK_GRAD([&](const std::vector<Tensor>& in) { return b->forward(in[0]); }, inputs);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nn_block)

BOOST_AUTO_TEST_CASE(gradcheck_pre_ln_block) {
    manual_seed(20);
    check_block(small_block(true, false));
}

BOOST_AUTO_TEST_CASE(gradcheck_post_ln_causal_block) {
    manual_seed(23);
    check_block(small_block(false, true));
}

BOOST_AUTO_TEST_CASE(block_matches_its_definition) {
    manual_seed(24);
    auto b = small_block(true, true);
    auto attn = std::dynamic_pointer_cast<nn::MultiHeadSelfAttention>(b->attn);
    BOOST_REQUIRE(attn);
    BOOST_TEST(attn->kind() == "standard");
    Generator g(25);
    Tensor x = Tensor::randn({2, 5, 8}, g, kFloat64);
    // by hand: x + proj(sdpa(q, k, v)) with q/k/v from the (B, T, 3, NH, HS) layout
    Tensor h = layer_norm(x, b->norm1->weight, b->norm1->bias);
    Tensor qkv = linear(h, attn->qkv->weight, attn->qkv->bias).reshape({2, 5, 3, 2, 4});
    auto head = [&](int i) { return qkv.select(2, i).transpose(1, 2).contiguous(); };  // (B, NH, T, HS)
    Tensor att = softmax(masked_fill(mul(matmul(head(0), head(1).transpose(-2, -1)), 0.5), causal_mask(5, kFloat64),
                                     -1e300),
                         -1);
    Tensor y = matmul(att, head(2)).transpose(1, 2).reshape({2, 5, 8});
    Tensor x1 = add(x, linear(y, attn->proj->weight, attn->proj->bias));
    Tensor m = layer_norm(x1, b->norm2->weight, b->norm2->bias);
    Tensor want = add(x1, linear(gelu(linear(m, b->mlp->fc1->weight, b->mlp->fc1->bias)), b->mlp->fc2->weight,
                                 b->mlp->fc2->bias));
    BOOST_TEST(test::max_abs_diff(b->forward(x), want) < 1e-12);
}

BOOST_AUTO_TEST_CASE(attention_context_carries_v_first) {
    manual_seed(26);
    nn::AttentionContext ctx;
    nn::BlockConfig cfg;
    cfg.dim = 8;
    cfg.heads = 2;
    nn::TransformerBlock b0(cfg);
    cfg.layer_index = 1;
    nn::TransformerBlock b1(cfg);
    Generator g(27);
    Tensor x = Tensor::randn({1, 3, 8}, g);
    Tensor h = b0.forward(x, ctx);
    BOOST_REQUIRE(ctx.v_first.defined());
    BOOST_TEST(ctx.v_first.shape() == (Shape{1, 2, 3, 4}));
    Tensor v0 = ctx.v_first;
    b1.forward(h, ctx);
    BOOST_TEST(ctx.layer_index == 1);
    BOOST_TEST(ctx.v_first.is_same(v0));  // later layers do not overwrite V^0
}

// A new kind slots in through the registry, as spectral / NeuTRENO / ResFormer do.
struct ScaledAttention : nn::MultiHeadSelfAttention {
    using nn::MultiHeadSelfAttention::MultiHeadSelfAttention;
    std::string kind() const override { return "scaled_test"; }
    Tensor attend(const Tensor& q, const Tensor& k, const Tensor& v, nn::AttentionContext& ctx) override {
        return mul(nn::MultiHeadSelfAttention::attend(q, k, v, ctx), config.param("scale", 1.0));
    }
};

BOOST_AUTO_TEST_CASE(attention_registry) {
    nn::register_attention_kind({.name = "scaled_test",
                                 .summary = "standard attention with its head outputs scaled",
                                 .factory = [](const nn::AttentionConfig& c, const nn::AttentionArgs& a) {
                                     return std::make_shared<ScaledAttention>(c, a);
                                 },
                                 .params = {{.name = "scale", .help = "factor on the head outputs", .default_value = 1.0}}});
    const auto kinds = nn::attention_kinds();
    BOOST_TEST((std::find(kinds.begin(), kinds.end(), "scaled_test") != kinds.end()));
    nn::BlockConfig cfg;
    cfg.dim = 8;
    cfg.heads = 2;
    cfg.attention.kind = "scaled_test";
    cfg.attention.params["scale"] = 0.0;
    manual_seed(28);
    nn::TransformerBlock b(cfg);
    BOOST_TEST(std::dynamic_pointer_cast<nn::Attention>(b.attn)->kind() == "scaled_test");
    BOOST_TEST(b.named_parameters()[2].first == "attn.qkv.weight");
    // scale 0: the attention branch contributes only proj's bias
    Generator g(29);
    Tensor x = Tensor::randn({1, 3, 8}, g);
    Tensor want = add(x, b.attn->child("proj")->named_parameters()[1].second);
    want = add(want, b.mlp->forward(b.norm2->forward(want)));
    BOOST_TEST(test::max_abs_diff(b.forward(x), want) < 1e-6);
}

BOOST_AUTO_TEST_SUITE_END()
