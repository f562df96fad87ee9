// examples/modules.cpp: build a model from nn modules, train it, save and load a checkpoint.
//
//   model = Sequential(Linear(4, 32), GELU(), Linear(32, 1)), fitted by AdamW to the synthetic
//   target y = sin(x0) + x1 * x2 - 0.5 x3 on 256 random points.
// Prints the MSE loss every 25 of 150 steps (measured: 1.77 at step 1, 0.049 at 150), saves the
// model with its config and optimizer state to modules_example.safetensors (or argv[1]),
// loads that into a freshly initialised model and prints "outputs equal after reload: yes"
// (exit 0) when the reloaded model reproduces the trained one bit for bit.
#include <cmath>
#include <cstdio>
#include <memory>
#include <prism/prism.hpp>
#include <string>

#include "prism/io/checkpoint.hpp"
#include "prism/nn.hpp"
#include "prism/optim/adamw.hpp"

using namespace prism;

std::shared_ptr<nn::Sequential> make_model(std::int64_t in, std::int64_t hidden) {
    return std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::UnaryModule>>{
        std::make_shared<nn::Linear>(in, hidden), std::make_shared<nn::GELU>(),
        std::make_shared<nn::Linear>(hidden, 1)});
}

int main(int argc, char** argv) {
    const std::string path = argc > 1 ? argv[1] : "modules_example.safetensors";
    const std::int64_t N = 256, IN = 4, HIDDEN = 32;
    manual_seed(0);  // initialisers draw from the default generator

    // data: x (N, 4) ~ N(0, 1), target (N, 1)
    Generator g(1);
    Tensor x = Tensor::randn({N, IN}, g);
    std::vector<float> xs = x.to_vector<float>(), ys(N);
    for (std::int64_t i = 0; i < N; ++i) {
        const float* r = &xs[i * IN];
        ys[i] = std::sin(r[0]) + r[1] * r[2] - 0.5f * r[3];
    }
    Tensor y = Tensor::from_vector(ys, {N, 1});

    auto model = make_model(IN, HIDDEN);  // Sequential(Linear(4, 32), GELU(), Linear(32, 1))
    std::printf("%s", model->repr().c_str());
    optim::AdamW opt(model->named_parameters(), {.lr = 1e-2, .weight_decay = 0.0});
    for (int step = 1; step <= 150; ++step) {
        Tensor loss = mean(square(model->forward(x) - y));
        opt.zero_grad();
        loss.backward();
        opt.step();
        if (step == 1 || step % 25 == 0) std::printf("step %3d  mse %.4f\n", step, loss.item());
    }

    // save: weights by PyTorch names ("0.weight", "2.bias"), the config and the AdamW moments
    const nlohmann::json config = {{"model", "mlp"}, {"in", IN}, {"hidden", HIDDEN}};
    io::save_checkpoint(path, *model, config, opt.state_tensors());

    // load into a fresh, differently initialised model built from the stored config
    const io::Checkpoint ck = io::load_checkpoint(path);
    manual_seed(123);
    auto fresh = make_model(ck.config.at("in").get<std::int64_t>(), ck.config.at("hidden").get<std::int64_t>());
    fresh->load_state_dict(ck.model);  // strict: every name and shape must match
    std::printf("saved %s: %zu model tensors, %zu optimizer tensors\n", path.c_str(), ck.model.size(),
                ck.optim.size());

    NoGradGuard no_grad;
    const auto a = model->forward(x).to_vector<float>(), b = fresh->forward(x).to_vector<float>();
    const bool equal = a == b;
    std::printf("outputs equal after reload: %s\n", equal ? "yes" : "NO");
    return equal ? 0 : 1;
}
