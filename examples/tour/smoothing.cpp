// Tour chapter 6 (docs/tour/06-smoothing.md): see attention smooth or sharpen.
//
// Three ViTs of depth 12 (dim 48, 3 heads, 4x4 patches of 16x16 random images: 17 tokens),
// identical except for the attention kind: standard, spectral-smooth (every eigenvalue of each
// head's H = W_V W_O positive) and spectral-sharpen (every eigenvalue negative). The same
// 16 images go through each at initialisation, and diag::smoothing_profile measures the tokens
// after every block: the mean cosine similarity between tokens (1 = all tokens parallel)
// and HC/DC (the size of what differs between tokens over the size of their mean).
// Prints one row per layer; "smoothing: ok" (exit 0) when the smooth model's last-layer
// tokens are more alike than the sharpen model's, as the eigenvalue argument predicts.
#include <cstdio>
#include <prism/prism.hpp>
#include <vector>

using namespace prism;

static std::vector<diag::LayerSmoothing> profile(const std::string& kind, const Tensor& images) {
    manual_seed(0);  // the same initial draws for every kind
    models::ViTConfig cfg;
    cfg.image_size = 16;
    cfg.patch_size = 4;
    cfg.in_channels = 1;
    cfg.num_classes = 10;
    cfg.dim = 48;
    cfg.depth = 12;
    cfg.heads = 3;
    cfg.mlp_dim = 96;
    cfg.attention.kind = kind;
    models::ViT model(cfg);
    model.eval();
    return diag::smoothing_profile(model, images, /*with_attention=*/false);
}

int main() {
    Generator g(7);
    const Tensor images = Tensor::randn({16, 1, 16, 16}, g);
    const auto standard = profile("standard", images);
    const auto smooth = profile("spectral-smooth", images);
    const auto sharpen = profile("spectral-sharpen", images);

    std::printf("layer   cosine similarity (standard / smooth / sharpen)     HC/DC (standard / smooth / sharpen)\n");
    for (std::size_t l = 0; l < smooth.size(); ++l)
        std::printf("%5zu   %8.3f %8.3f %8.3f                              %8.3f %8.3f %8.3f\n", l,
                    standard[l].cos_sim, smooth[l].cos_sim, sharpen[l].cos_sim, standard[l].hc_dc, smooth[l].hc_dc,
                    sharpen[l].hc_dc);
    const bool ok = smooth.back().cos_sim > sharpen.back().cos_sim && smooth.back().hc_dc < sharpen.back().hc_dc;
    std::printf("smoothing: %s\n", ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
