// Tour chapter 4 (docs/tour/04-block.md): one pre-LN transformer block, shape by shape.
//
// A block with C = 48 channels, NH = 3 heads (HS = 16) and an MLP of 96 on x (B, T, C) =
// (2, 5, 48). Runs the block's pieces one at a time, printing each intermediate shape and the
// parameters by their timm names, captures the attention probabilities with a probe, and
// checks that the pieces add up to block.forward(x). Prints "block: ok" (exit 0) when the
// step-by-step output equals the block's own and every attention row sums to 1.
#include <cmath>
#include <cstdio>
#include <prism/prism.hpp>

using prism::Tensor;
namespace nn = prism::nn;

static void show(const char* what, const Tensor& t) {
    std::printf("  %-34s %s\n", what, prism::shape_str(t.shape()).c_str());
}

int main() {
    const std::int64_t B = 2, T = 5, C = 48, NH = 3;
    prism::manual_seed(0);
    nn::BlockConfig cfg;
    cfg.dim = C;
    cfg.heads = NH;
    cfg.mlp_dim = 2 * C;
    nn::TransformerBlock block(cfg);
    block.eval();  // no dropout: the two paths below must agree exactly

    std::printf("parameters (%lld in all):\n", static_cast<long long>(block.num_parameters()));
    for (const auto& [name, p] : block.named_parameters()) show(name.c_str(), p);

    prism::Generator g(1);
    Tensor x = Tensor::randn({B, T, C}, g);
    std::printf("forward:\n");
    show("x", x);
    nn::AttentionContext ctx;
    Tensor a = block.norm1->forward(x);  // LayerNorm over C
    show("norm1(x)", a);
    Tensor h = x + block.attn->forward(a, ctx);  // qkv (B, T, 3C) -> heads (B, NH, T, HS) -> proj
    show("h = x + attn(norm1(x))", h);
    Tensor m = block.mlp->forward(block.norm2->forward(h));  // fc1 (B, T, 96), GELU, fc2
    show("mlp(norm2(h))", m);
    Tensor y = h + m;
    show("y = h + mlp(norm2(h))", y);

    nn::ProbeSet probes({"attn.probs"});
    Tensor y_block;
    {
        nn::ProbeScope scope(probes);
        y_block = block.forward(x);
    }
    const Tensor probs = probes.get("attn.probs");  // (B, NH, T, T)
    show("attention probabilities (probe)", probs);
    const auto rows = prism::sum(probs, {-1}).to_vector<float>();
    double worst_row = 0;
    for (float r : rows) worst_row = std::fmax(worst_row, std::fabs(r - 1.0));

    const bool ok = y.to_vector<float>() == y_block.to_vector<float>() && worst_row < 1e-5 &&
                    probs.shape() == prism::Shape{B, NH, T, T};
    std::printf("block: %s\n", ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
