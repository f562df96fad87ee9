// The built-in attention kinds beyond "standard" (docs/oversmoothing.md):
//
//     spectral-smooth, spectral-sharpen, spectral-free   nn/attention_spectral.hpp
//     spectral-rotate                                    nn/attention_rotate.hpp
//     neutreno                                           nn/attention_neutreno.hpp
//     resformer, svformer                                nn/attention_resformer.hpp
//
// They are in the registry from its first use (nn/attention_registry.cpp pulls
// builtin_attention_kinds() into its initial table), so make_attention({.kind = "neutreno"}, ...)
// just works. Each kind's file defines its registry entry (name, factory, parameters) beside
// the class; a new kind adds its file and one line to builtin_attention_kinds().
// head_operators() gives the per-head feature operators H_h = W_V^h W_O^h for diagnostics.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "prism/nn/attention_registry.hpp"

namespace prism::nn {

// Every built-in kind except "standard", in the order --help and the study list them; touches
// no registry.
std::vector<AttentionKindInfo> builtin_attention_kinds();

// Implemented by kinds that know their per-head operators exactly (the spectral kinds, spectral-rotate).
class HeadOperators {
   public:
    virtual ~HeadOperators() = default;
    // NH detached tensors (C, C): H_h with X_{l+1} = X_l + sum_h A_h X_l H_h (row-vector tokens).
    virtual std::vector<Tensor> head_operators() const = 0;
};

// H_h for any attention: HeadOperators when implemented; for MultiHeadSelfAttention and the
// kinds derived from it (standard, neutreno, resformer) H_h = W_V^h W_O^h with
// W_V^h = qkv.weight[2C + h HS : 2C + (h+1) HS, :]^T (C, HS), W_O^h = proj.weight[:, h HS : (h+1) HS]^T (HS, C).
// Empty for kinds with no value projection of their own (svformer layers >= 1).
std::vector<Tensor> head_operators(const Attention& attn);

}  // namespace prism::nn
