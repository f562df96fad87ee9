// Parameter groups: which parameters share an lr and a weight decay.
//
// The usual convention (nanoGPT's configure_optimizers, timm's param_groups_weight_decay):
// matrices and conv kernels are decayed; biases, norm gains (every tensor with dim < 2) and
// token / position embeddings are not, because shrinking them towards zero only hurts.
//
//     auto groups = optim::default_param_groups(model.named_parameters(), 0.1);
//     optim::AdamW opt(groups, {.lr = 3e-4});
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "prism/core/tensor.hpp"

namespace prism::optim {

using NamedParams = std::vector<std::pair<std::string, Tensor>>;

struct ParamGroup {
    std::vector<std::string> names;  // one per param, used for state names; empty: "<index>" as in PyTorch
    std::vector<Tensor> params;
    std::optional<double> lr;            // unset: the optimizer's default
    std::optional<double> weight_decay;  // unset: the optimizer's default
};

// True for names/tensors that should not be decayed: dim < 2, or a name containing
// "embed", "wte", "wpe", "pos_embed" or "cls_token".
bool is_no_decay(const std::string& name, const Tensor& param);

// Two groups, in this order: {decayed params, weight_decay}, {the others, 0}. Each keeps the
// order of named_params. A group with no params is still returned (so indices are stable).
std::vector<ParamGroup> default_param_groups(const NamedParams& named_params, double weight_decay);

// One group holding every parameter (its options left to the optimizer's defaults).
ParamGroup single_group(const NamedParams& named_params);
ParamGroup single_group(const std::vector<Tensor>& params);

}  // namespace prism::optim
