// Shared by the attention-kind tests (test_attention_kinds.cpp, test_attention_rotate.cpp):
// parameter names, float64 gradchecks of one layer and of a 2-block stack, and a (rows, cols)
// tensor as an Eigen matrix.
#pragma once
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-variable"  // inside Eigen 3.4's AVX-512 bfloat16 code
#include <Eigen/Dense>
#pragma GCC diagnostic pop
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../helpers.hpp"
#include "prism/nn.hpp"

namespace prism::test {

inline std::vector<std::string> names_of(const nn::Module& m) {
    std::vector<std::string> out;
    for (auto& [n, p] : m.named_parameters()) out.push_back(n);
    return out;
}

// Gradcheck of one attention layer through x (2, 4, C) from `seed` and every parameter (nudged in place).
inline void check_attention_layer(const std::shared_ptr<nn::Attention>& a, std::int64_t C, std::uint64_t seed) {
    Tensor x = leaf64({2, 4, C}, seed);
    std::vector<Tensor> inputs{x};
    for (auto& p : a->parameters()) inputs.push_back(p);
    CHECK_GRAD(
        [&](const std::vector<Tensor>& in) {
            nn::AttentionContext ctx;
            return a->forward(in[0], ctx);
        },
        inputs);
}

// Two pre-LN blocks (dim, heads, mlp_dim 8) of `attn` sharing one context, so layer 1 may use
// layer 0's values; gradcheck through x (2, 3, dim) from `seed` and every parameter, of which
// there must be `expect_params`.
inline void check_two_block_stack(const nn::AttentionConfig& attn, std::int64_t dim, std::int64_t heads,
                                  std::uint64_t seed, std::size_t expect_params) {
    std::vector<std::shared_ptr<nn::TransformerBlock>> blocks;
    for (std::int64_t i = 0; i < 2; ++i) {
        nn::BlockConfig c;
        c.dim = dim;
        c.heads = heads;
        c.mlp_dim = 8;
        c.attention = attn;
        c.layer_index = i;
        c.depth = 2;
        blocks.push_back(std::make_shared<nn::TransformerBlock>(c));
        blocks.back()->to(kFloat64);
    }
    Tensor x = leaf64({2, 3, dim}, seed);
    std::vector<Tensor> inputs{x};
    for (auto& b : blocks)
        for (auto& p : b->parameters()) inputs.push_back(p);
    BOOST_TEST(inputs.size() == expect_params + 1);
    CHECK_GRAD(
        [&](const std::vector<Tensor>& in) {
            nn::AttentionContext ctx;
            Tensor h = in[0];
            for (std::size_t i = 0; i < blocks.size(); ++i) {
                ctx.layer_index = static_cast<std::int64_t>(i);  // as the block itself sets it
                h = blocks[i]->forward(h, ctx);
            }
            return h;
        },
        inputs);
}

inline Eigen::MatrixXd to_eigen(const Tensor& t) {
    const auto v = t.contiguous().to_vector<double>();
    Eigen::MatrixXd m(t.size(0), t.size(1));
    for (std::int64_t i = 0; i < t.size(0); ++i)
        for (std::int64_t j = 0; j < t.size(1); ++j) m(i, j) = v[i * t.size(1) + j];
    return m;
}

}  // namespace prism::test
