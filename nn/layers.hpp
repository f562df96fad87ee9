// The basic layers, with torch.nn names, parameter shapes and default initialisation.
//
//     auto fc = std::make_shared<nn::Linear>(192, 768);   // weight (768, 192), bias (768)
//     Tensor y = fc->forward(x);                          // x (B, T, 192) -> (B, T, 768)
#pragma once
#include "prism/autograd/fn_elementwise.hpp"
#include "prism/core/rng.hpp"
#include "prism/nn/module.hpp"

namespace prism::nn {

// y = x W^T + b. weight (out, in) ~ kaiming_uniform(a=sqrt(5)), bias ~ U(+-1/sqrt(in)) as in PyTorch.
class Linear : public UnaryModule {
   public:
    Linear(std::int64_t in_features, std::int64_t out_features, bool bias = true, Generator* gen = nullptr);
    Tensor forward(const Tensor& x) override;  // x (..., in) -> (..., out)
    std::string extra_repr() const override;

    std::int64_t in_features, out_features;
    Tensor weight;  // (out, in)
    Tensor bias;    // (out), undefined when bias = false
};

// Over the last dim: weight (C) = 1, bias (C) = 0.
class LayerNorm : public UnaryModule {
   public:
    explicit LayerNorm(std::int64_t C, double eps = 1e-5, bool elementwise_affine = true);
    Tensor forward(const Tensor& x) override;  // x (..., C)
    std::string extra_repr() const override;

    std::int64_t C;
    double eps;
    Tensor weight, bias;
};

// weight (V, C) ~ N(0, 1); ids of any shape (int32/int64) -> (*ids.shape, C).
class Embedding : public UnaryModule {
   public:
    Embedding(std::int64_t V, std::int64_t C, Generator* gen = nullptr);
    Tensor forward(const Tensor& ids) override;
    std::string extra_repr() const override;

    std::int64_t V, C;
    Tensor weight;  // (V, C)
};

// Inverted dropout while training; identity in eval() or with p == 0. Draws masks from gen
// (default_generator() when null); the generator must outlive the module.
class Dropout : public UnaryModule {
   public:
    explicit Dropout(double p = 0.5, Generator* gen = nullptr);
    Tensor forward(const Tensor& x) override;
    std::string extra_repr() const override;

    double p;
    Generator* gen;
};

// Stochastic depth on a residual branch (timm's DropPath): in training each sample of x (B, ...)
// is dropped whole with probability p and kept ones are scaled by 1/(1-p); identity in eval()
// or with p == 0. Has no parameters. Draws from gen (default_generator() when null).
class DropPath : public UnaryModule {
   public:
    explicit DropPath(double p = 0.0, Generator* gen = nullptr);
    Tensor forward(const Tensor& x) override;
    std::string extra_repr() const override;

    double p;
    Generator* gen;
};

class GELU : public UnaryModule {
   public:
    explicit GELU(GeluApprox approximate = GeluApprox::None) : UnaryModule("GELU"), approximate(approximate) {}
    Tensor forward(const Tensor& x) override;
    std::string extra_repr() const override;

    GeluApprox approximate;
};

class Identity : public UnaryModule {
   public:
    Identity() : UnaryModule("Identity") {}
    Tensor forward(const Tensor& x) override { return x; }
};

}  // namespace prism::nn
