// examples/subproject/main.cpp: a program outside the prism tree that uses prism as a meson
// subproject. Fits a linear layer to y = 3x - 1 with SGD and prints the learnt weight and
// bias, which should be within 0.01 of 3 and -1 ("embed: ok", exit 0).
#include <cmath>
#include <cstdio>
#include <prism/prism.hpp>

#include "prism/nn/layers.hpp"
#include "prism/optim/sgd.hpp"

using namespace prism;

int main() {
    manual_seed(0);
    Generator g(1);
    Tensor x = Tensor::randn({64, 1}, g);
    Tensor y = x * 3.0 - 1.0;
    auto fc = std::make_shared<nn::Linear>(1, 1);
    optim::SGD opt(fc->named_parameters(), {.lr = 0.1});
    for (int step = 0; step < 200; ++step) {
        Tensor loss = mean(square(fc->forward(x) - y));
        opt.zero_grad();
        loss.backward();
        opt.step();
    }
    const double w = fc->weight.item(), b = fc->bias.item();
    const bool ok = std::fabs(w - 3) < 0.01 && std::fabs(b + 1) < 0.01;
    std::printf("embed: weight %.4f bias %.4f: %s (prism %s)\n", w, b, ok ? "ok" : "FAILED", runtime::version().c_str());
    return ok ? 0 : 1;
}
