#include "prism/nn/attention_kinds.hpp"

#include "prism/autograd/functions.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/nn/attention_neutreno.hpp"
#include "prism/nn/attention_resformer.hpp"
#include "prism/nn/attention_rotate.hpp"
#include "prism/nn/attention_spectral.hpp"

namespace prism::nn {

std::vector<AttentionKindInfo> builtin_attention_kinds() {
    return {
        spectral_kind(SpectralMode::Smooth),   // nn/attention_spectral.cpp
        spectral_kind(SpectralMode::Sharpen),
        neutreno_kind(),                       // nn/attention_neutreno.cpp
        resformer_kind(),                      // nn/attention_resformer.cpp
        rotate_kind(),                         // nn/attention_rotate.cpp
        spectral_kind(SpectralMode::Free),
        svformer_kind(),
    };
}

std::vector<Tensor> head_operators(const Attention& attn) {
    if (auto* h = dynamic_cast<const HeadOperators*>(&attn)) return h->head_operators();
    auto* m = dynamic_cast<const MultiHeadSelfAttention*>(&attn);
    if (!m) return {};
    NoGradGuard ng;
    const std::int64_t C = m->dim, HS = m->head_size;
    std::vector<Tensor> out;
    for (std::int64_t h = 0; h < m->heads; ++h) {
        Tensor wv = m->qkv->weight.narrow(0, 2 * C + h * HS, HS).t();  // W_V^h (C, HS)
        Tensor wo = m->proj->weight.narrow(1, h * HS, HS).t();         // W_O^h (HS, C)
        out.push_back(matmul(wv, wo).detach());
    }
    return out;
}

}  // namespace prism::nn
