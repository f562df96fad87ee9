// Tour chapter 5 (docs/tour/05-train-vit.md): training a ViT, the whole loop in one screen.
//
// A synthetic two-class task a ViT can learn in seconds: 8x8 grey images whose bright half is
// the left one (class 0) or the right one (class 1), plus noise. A ViT with 4x4 patches
// (4 patches + the class token), dim 32, depth 2, 2 heads is trained with AdamW for 60 steps
// of 32 images, the same loop as train/classifier.cpp without the bookkeeping. Prints the loss
// every 20 steps and the accuracy on 256 fresh images; "train vit: ok" (exit 0) when it is
// at least 95% (measured: 100%).
#include <cstdio>
#include <prism/prism.hpp>
#include <vector>

using namespace prism;

// images (B, 1, 8, 8), labels (B) int64
static std::pair<Tensor, Tensor> make_batch(std::int64_t B, Generator& g) {
    Tensor images = Tensor::randn({B, 1, 8, 8}, g) * 0.5;
    const auto coin = Tensor::rand({B}, g).to_vector<float>();
    std::vector<std::int64_t> labels(B);
    float* px = images.data<float>();
    for (std::int64_t b = 0; b < B; ++b) {
        labels[b] = coin[b] < 0.5f ? 0 : 1;
        for (std::int64_t r = 0; r < 8; ++r)
            for (std::int64_t c = 0; c < 4; ++c) px[b * 64 + r * 8 + (labels[b] == 0 ? c : c + 4)] += 1.0f;
    }
    return {images, Tensor::from_vector(labels, {B})};
}

int main() {
    manual_seed(0);
    models::ViTConfig cfg;
    cfg.image_size = 8;
    cfg.patch_size = 4;
    cfg.in_channels = 1;
    cfg.num_classes = 2;
    cfg.dim = 32;
    cfg.depth = 2;
    cfg.heads = 2;
    cfg.mlp_dim = 64;
    models::ViT model(cfg);
    optim::AdamW opt(model.named_parameters(), {.lr = 3e-3});

    Generator data_gen(1);
    model.train();
    for (int step = 1; step <= 60; ++step) {
        auto [images, labels] = make_batch(32, data_gen);
        Tensor loss = cross_entropy(model(images), labels);  // logits (32, 2) vs labels (32)
        opt.zero_grad();
        loss.backward();
        opt.step();
        if (step % 20 == 0) std::printf("step %2d  loss %.4f\n", step, loss.item());
    }

    model.eval();
    NoGradGuard no_grad;
    auto [images, labels] = make_batch(256, data_gen);
    const auto pred = argmax(model(images), 1).to_vector<std::int64_t>();
    const auto y = labels.to_vector<std::int64_t>();
    int correct = 0;
    for (std::size_t i = 0; i < y.size(); ++i) correct += pred[i] == y[i];
    const double acc = 100.0 * correct / static_cast<double>(y.size());
    std::printf("accuracy on 256 new images: %.1f%%\n", acc);
    std::printf("train vit: %s\n", acc >= 95.0 ? "ok" : "WRONG");
    return acc >= 95.0 ? 0 : 1;
}
