#include "prism/nn/attention_kinds.hpp"

#include "prism/autograd/functions.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/nn/attention_neutreno.hpp"
#include "prism/nn/attention_resformer.hpp"
#include "prism/nn/attention_rotate.hpp"
#include "prism/nn/attention_spectral.hpp"

namespace prism::nn {

std::vector<std::pair<std::string, AttentionFactory>> builtin_attention_factories() {
    auto spectral = [](SpectralMode m) -> AttentionFactory {
        return [m](const AttentionConfig& c, const AttentionArgs& a) { return std::make_shared<SpectralAttention>(c, a, m); };
    };
    return {
        {"spectral-smooth", spectral(SpectralMode::Smooth)},
        {"spectral-sharpen", spectral(SpectralMode::Sharpen)},
        {"spectral-free", spectral(SpectralMode::Free)},
        {"spectral-rotate", [](const AttentionConfig& c, const AttentionArgs& a) { return std::make_shared<RotateAttention>(c, a); }},
        {"neutreno", [](const AttentionConfig& c, const AttentionArgs& a) { return std::make_shared<NeutrenoAttention>(c, a); }},
        {"resformer", [](const AttentionConfig& c, const AttentionArgs& a) { return std::make_shared<ResFormerAttention>(c, a); }},
        {"svformer", [](const AttentionConfig& c, const AttentionArgs& a) { return make_svformer(c, a); }},
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
