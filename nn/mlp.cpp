#include "prism/nn/mlp.hpp"

namespace prism::nn {

MLP::MLP(std::int64_t C, std::int64_t hidden, std::int64_t out, const MLPOptions& opts) : UnaryModule("MLP") {
    if (out <= 0) out = C;
    fc1 = register_module(opts.fc1_name, std::make_shared<Linear>(C, hidden, opts.bias, opts.gen));
    act = register_module("act", std::make_shared<GELU>(opts.approximate));
    fc2 = register_module(opts.fc2_name, std::make_shared<Linear>(hidden, out, opts.bias, opts.gen));
    drop = register_module("drop", std::make_shared<Dropout>(opts.drop, opts.gen));
}

Tensor MLP::forward(const Tensor& x) {
    auto g = path_guard();
    Tensor h = drop->forward(act->forward(fc1->forward(x)));
    return drop->forward(fc2->forward(h));
}

}  // namespace prism::nn
