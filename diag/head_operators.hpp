// Per-head feature operators H_h = W_V^h W_O^h (C x C) of an attention layer, acting on
// row-vector features the way the layer does (paper-notes.md section 1):
//
//   v_h  = x W_v_h^T          W_v_h = rows [2C + h*HS, 2C + (h+1)*HS) of qkv.weight (3C, C)
//   out  = sum_h o_h W_o_h^T  W_o_h = columns [h*HS, (h+1)*HS) of proj.weight (C, C)
//   with o_h = A_h v_h:  out = sum_h A_h x (W_v_h^T W_o_h^T),  so  H_h = W_v_h^T W_o_h^T.
//
// head_operators_of() uses the shared nn::head_operators (nn/attention_kinds.hpp, which also
// covers the spectral kinds) when that header is in the tree; standard_head_operators() is the
// independent implementation for the standard layout (and the fallback).
#pragma once
#include <vector>

#include "prism/core/tensor.hpp"
#include "prism/nn/attention.hpp"

namespace prism::diag {

// NH tensors (C, C) float64, from qkv.weight and proj.weight (biases do not enter H).
std::vector<Tensor> standard_head_operators(const nn::MultiHeadSelfAttention& attn);

// NH operators for any attention kind that has them; empty for a layer with no value
// projection of its own (svformer layers >= 1); throws prism::Error naming the kind when
// neither nn::head_operators nor the standard layout applies.
std::vector<Tensor> head_operators_of(const nn::Attention& attn);

}  // namespace prism::diag
