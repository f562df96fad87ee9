#include "prism/nn/layers.hpp"

#include <cmath>

#include "prism/autograd/fn_linalg.hpp"
#include "prism/autograd/fn_nn.hpp"
#include "prism/nn/init.hpp"

namespace prism::nn {

Linear::Linear(std::int64_t in, std::int64_t out, bool has_bias, Generator* gen)
    : UnaryModule("Linear"), in_features(in), out_features(out) {
    if (in <= 0 || out <= 0) throw Error("Linear", "need positive sizes, got in ", in, ", out ", out);
    weight = register_parameter("weight", Tensor::empty({out, in}));
    init::kaiming_uniform_(weight, std::sqrt(5.0), gen);
    if (has_bias) {
        bias = register_parameter("bias", Tensor::empty({out}));
        const double bound = 1.0 / std::sqrt(static_cast<double>(in));
        init::uniform_(bias, -bound, bound, gen);
    }
}

Tensor Linear::forward(const Tensor& x) {
    auto g = path_guard();
    return linear(x, weight, bias);
}

std::string Linear::extra_repr() const {
    return Error::cat("in_features=", in_features, ", out_features=", out_features, ", bias=",
                      bias.defined() ? "True" : "False");
}

LayerNorm::LayerNorm(std::int64_t C, double eps, bool affine) : UnaryModule("LayerNorm"), C(C), eps(eps) {
    if (C <= 0) throw Error("LayerNorm", "need a positive size, got ", C);
    if (affine) {
        weight = register_parameter("weight", Tensor::ones({C}));
        bias = register_parameter("bias", Tensor::zeros({C}));
    }
}

Tensor LayerNorm::forward(const Tensor& x) {
    auto g = path_guard();
    return layer_norm(x, weight, bias, eps);
}

std::string LayerNorm::extra_repr() const { return Error::cat("(", C, ",), eps=", eps); }

Embedding::Embedding(std::int64_t V, std::int64_t C, Generator* gen) : UnaryModule("Embedding"), V(V), C(C) {
    if (V <= 0 || C <= 0) throw Error("Embedding", "need positive sizes, got V ", V, ", C ", C);
    weight = register_parameter("weight", Tensor::empty({V, C}));
    init::normal_(weight, 0.0, 1.0, gen);
}

Tensor Embedding::forward(const Tensor& ids) {
    auto g = path_guard();
    return embedding(ids, weight);
}

std::string Embedding::extra_repr() const { return Error::cat(V, ", ", C); }

Dropout::Dropout(double p, Generator* gen) : UnaryModule("Dropout"), p(p), gen(gen) {
    if (!(p >= 0 && p <= 1)) throw Error("Dropout", "p must be in [0, 1], got ", p);
}

Tensor Dropout::forward(const Tensor& x) {
    if (!is_training() || p == 0.0) return x;
    auto g = path_guard();
    return dropout(x, p, true, gen ? *gen : default_generator());
}

std::string Dropout::extra_repr() const { return Error::cat("p=", p); }

DropPath::DropPath(double p, Generator* gen) : UnaryModule("DropPath"), p(p), gen(gen) {
    if (!(p >= 0 && p < 1)) throw Error("DropPath", "drop probability must be in [0, 1), got ", p);
}

Tensor DropPath::forward(const Tensor& x) {
    if (!is_training() || p == 0.0) return x;
    auto g = path_guard();
    return drop_path(x, p, true, gen ? *gen : default_generator());
}

std::string DropPath::extra_repr() const { return Error::cat("drop_prob=", p); }

Tensor GELU::forward(const Tensor& x) {
    auto g = path_guard();
    return gelu(x, approximate);
}

std::string GELU::extra_repr() const { return approximate == GeluApprox::Tanh ? "approximate='tanh'" : ""; }

}  // namespace prism::nn
