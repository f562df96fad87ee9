#include "prism/nn/attention_init.hpp"

#include <Eigen/Dense>
#include <cmath>

#include "prism/autograd/grad_mode.hpp"
#include "prism/nn/attention_kinds.hpp"
#include "prism/nn/attention_spectral.hpp"

namespace prism::nn {

double spectral_norm(const Tensor& m) {
    if (m.dim() != 2) throw Error("spectral_norm", "expected a 2-D tensor, got ", shape_str(m.shape()));
    const auto v = m.to(kFloat64).contiguous().to_vector<double>();
    Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> a(v.data(), m.size(0),
                                                                                               m.size(1));
    if (a.size() == 0) return 0.0;
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(a);
    return svd.singularValues()(0);
}

void check_init_name(const std::string& option, const std::string& name) {
    if (name != "default" && name != "matched")
        throw Error("init", option, " '", name, "': expected default or matched");
}

namespace {

// Multiplies columns [c0, c0 + n) of a contiguous float32 (R, C) parameter by f.
void scale_columns(Tensor& w, std::int64_t c0, std::int64_t n, double f) {
    if (!w.is_contiguous() || w.dim() != 2) throw Error("init", "expected a contiguous (R, C) weight, got ",
                                                        shape_str(w.shape()));
    float* p = w.data<float>();
    const std::int64_t R = w.size(0), C = w.size(1);
    for (std::int64_t r = 0; r < R; ++r)
        for (std::int64_t c = c0; c < c0 + n; ++c) p[r * C + c] = static_cast<float>(p[r * C + c] * f);
}

void scale_range(Tensor& v, std::int64_t i0, std::int64_t n, double f) {
    float* p = v.data<float>();
    for (std::int64_t i = i0; i < i0 + n; ++i) p[i] = static_cast<float>(p[i] * f);
}

}  // namespace

std::int64_t match_head_norms(Attention& attn, double target) {
    if (!(target > 0) || !std::isfinite(target))
        throw Error("init", attn.kind(), ": the matched head norm must be positive and finite, got ", target);
    NoGradGuard ng;
    if (auto* s = dynamic_cast<SpectralAttention*>(&attn)) {
        const auto psi = s->psi.contiguous().to_vector<float>();
        for (std::int64_t h = 0; h < s->heads; ++h) {
            double m = 0;  // max |Lambda| of the head before clipping
            for (std::int64_t i = h * s->head_size; i < (h + 1) * s->head_size; ++i) {
                const double p = psi[static_cast<std::size_t>(i)];
                m = std::max(m, s->mode == SpectralMode::Free ? std::fabs(p) : p * p);
            }
            if (m <= 0) throw Error("init", s->kind(), ": head ", h, " has all-zero eigenvalues, cannot be scaled");
            const double f = s->mode == SpectralMode::Free ? target / m : std::sqrt(target / m);
            scale_range(s->psi, h * s->head_size, s->head_size, f);
        }
        return s->heads;
    }
    const auto ops = head_operators(attn);
    if (ops.empty()) return 0;  // svformer layers >= 1
    auto* hs = dynamic_cast<HeadScaling*>(&attn);
    auto* m = dynamic_cast<MultiHeadSelfAttention*>(&attn);
    if (!hs && !m) throw Error("init", "attention kind '", attn.kind(), "' does not support --init matched");
    for (std::size_t h = 0; h < ops.size(); ++h) {
        // like the spectral kinds above: the norm before any clip becomes `target`
        const double n = hs ? hs->unclipped_head_norm(static_cast<std::int64_t>(h)) : spectral_norm(ops[h]);
        if (!(n > 0)) throw Error("init", attn.kind(), ": head ", h, " has H = 0, cannot be scaled");
        if (hs) hs->scale_head(static_cast<std::int64_t>(h), target / n);
        else scale_columns(m->proj->weight, static_cast<std::int64_t>(h) * m->head_size, m->head_size, target / n);
    }
    return static_cast<std::int64_t>(ops.size());
}

}  // namespace prism::nn
