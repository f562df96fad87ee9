#include "prism/diag/head_operators.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "prism/autograd/grad_mode.hpp"
#include "prism/core/error.hpp"
#include "prism/diag/eigen_bridge.hpp"
#include "prism/nn/attention_kinds.hpp"
#include "prism/nn/attention_neutreno.hpp"
#include "prism/nn/attention_resformer.hpp"
#include "prism/nn/attention_rotate.hpp"
#include "prism/nn/attention_spectral.hpp"

namespace prism::diag {

namespace {
using detail::from_eigen;
using detail::RowMat;
using detail::to_eigen;

std::string num(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
}

// W_V^h (C, HS) and W_O^h (HS, C) of the standard layout.
std::vector<HeadFactors> standard_factors(const nn::MultiHeadSelfAttention& a) {
    const std::int64_t C = a.dim, NH = a.heads, HS = a.head_size;
    const Tensor& wqkv = a.qkv->weight;
    const Tensor& wo = a.proj->weight;
    PRISM_CHECK(wqkv.dim() == 2 && wqkv.size(0) == 3 * C && wqkv.size(1) == C && wo.dim() == 2 && wo.size(0) == C &&
                    wo.size(1) == C,
                "standard_head_operators", "qkv.weight ", shape_str(wqkv.shape()), ", proj.weight ",
                shape_str(wo.shape()), ": expected (", 3 * C, ", ", C, ") and (", C, ", ", C, ")");
    const RowMat W = to_eigen(wqkv), O = to_eigen(wo);
    std::vector<HeadFactors> out;
    for (std::int64_t h = 0; h < NH; ++h)
        out.push_back({from_eigen(W.block(2 * C + h * HS, 0, HS, C).transpose()),
                       from_eigen(O.block(0, h * HS, C, HS).transpose())});
    return out;
}

std::vector<Complex> eig_rl(const HeadFactors& f) { return eigenvalues(from_eigen(to_eigen(f.right) * to_eigen(f.left))); }

bool is_builtin_spectral(const nn::Attention& a) {
    const std::string k = a.kind();
    return dynamic_cast<const nn::SpectralAttention*>(&a) &&
           (k == "spectral-smooth" || k == "spectral-sharpen" || k == "spectral-free");
}

bool is_builtin_rotate(const nn::Attention& a) {
    return dynamic_cast<const nn::RotateAttention*>(&a) && a.kind() == "spectral-rotate";
}

bool by_modulus_then_real(const Complex& a, const Complex& b) {
    if (std::abs(a) != std::abs(b)) return std::abs(a) > std::abs(b);
    if (a.real() != b.real()) return a.real() > b.real();
    return a.imag() > b.imag();
}

}  // namespace

std::vector<Tensor> standard_head_operators(const nn::MultiHeadSelfAttention& a) {
    std::vector<Tensor> out;
    for (const auto& f : standard_factors(a)) out.push_back(from_eigen(to_eigen(f.left) * to_eigen(f.right)));
    return out;
}

std::vector<Tensor> head_operators_of(const nn::Attention& attn) {
    if (dynamic_cast<const nn::HeadOperators*>(&attn) || dynamic_cast<const nn::MultiHeadSelfAttention*>(&attn) ||
        attn.kind() == "svformer")
        return nn::head_operators(attn);
    throw Error("head_operators", "attention kind '", attn.kind(),
                "' has no standard qkv/proj layout and does not expose per-head operators");
}

HeadFactors low_rank_factors(const Tensor& h, std::int64_t r) {
    PRISM_CHECK(h.defined() && h.dim() == 2 && h.size(0) == h.size(1) && r > 0 && r <= h.size(0), "low_rank_factors",
                "H ", h.defined() ? shape_str(h.shape()) : "undefined", " with rank ", r,
                ": expected a square (C, C) matrix and 0 < rank <= C");
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(to_eigen(h), Eigen::ComputeFullU | Eigen::ComputeFullV);
    const Eigen::MatrixXd U = svd.matrixU().leftCols(r), V = svd.matrixV().leftCols(r);
    const Eigen::VectorXd s = svd.singularValues().head(r);
    return {from_eigen(U * s.asDiagonal()), from_eigen(V.transpose())};
}

LayerOperators layer_operators(const nn::Attention& attn) {
    NoGradGuard ng;
    LayerOperators lo;
    lo.kind = attn.kind();
    if (is_builtin_spectral(attn)) {
        const auto& s = dynamic_cast<const nn::SpectralAttention&>(attn);
        const RowMat V = to_eigen(s.basis());
        const auto lam = s.eigenvalues().to_vector<double>();
        const std::int64_t HS = s.head_size;
        for (std::int64_t h = 0; h < s.heads; ++h) {
            // H_h = V_h diag(Lambda_h) V_h^T; R L = Lambda_h (V_h^T V_h = I): its eigenvalues are Lambda_h
            const RowMat Vh = V.middleCols(h * HS, HS);
            const Eigen::VectorXd l = Eigen::Map<const Eigen::VectorXd>(lam.data() + h * HS, HS);
            lo.heads.push_back({from_eigen(Vh), from_eigen(l.asDiagonal() * Vh.transpose())});
            std::vector<Complex> e(lam.begin() + h * HS, lam.begin() + (h + 1) * HS);
            std::sort(e.begin(), e.end(), [](const Complex& a, const Complex& b) {
                return std::abs(a) != std::abs(b) ? std::abs(a) > std::abs(b) : a.real() > b.real();
            });
            lo.eig_h.push_back(e);
        }
        lo.h_operator = "Lambda_h (H_h = V_h Lambda_h V_h^T)";
        return lo;
    }
    if (is_builtin_rotate(attn)) {
        const auto& s = dynamic_cast<const nn::RotateAttention&>(attn);
        const RowMat V = to_eigen(s.basis()), Bm = to_eigen(s.blocks());
        const auto r = s.magnitudes().to_vector<double>(), phi = s.phi.detach().to_vector<double>();
        const std::int64_t HS = s.head_size, K = s.slots;
        for (std::int64_t h = 0; h < s.heads; ++h) {
            // H_h = V_h B_h V_h^T; R L = B_h (V_h^T V_h = I): eigenvalues r_k e^{+-i phi_k}, exactly
            const RowMat Vh = V.middleCols(h * HS, HS);
            const RowMat Bh = Bm.block(h * HS, h * HS, HS, HS);
            lo.heads.push_back({from_eigen(Vh), from_eigen(Bh * Vh.transpose())});
            std::vector<Complex> e;
            for (std::int64_t k = 0; k < K; ++k) {
                const std::size_t p = static_cast<std::size_t>(h * K + k);
                if (2 * k + 1 < HS) {
                    e.push_back(std::polar(r[p], phi[p]));
                    e.push_back(std::polar(r[p], -phi[p]));
                } else {
                    e.emplace_back(r[p] * std::cos(phi[p]), 0.0);  // odd HS: the 1x1 slot
                }
            }
            std::sort(e.begin(), e.end(), by_modulus_then_real);
            lo.eig_h.push_back(e);
        }
        lo.h_operator = "B_h (H_h = V_h B_h V_h^T, eigenvalues r e^{+-i phi})";
        return lo;
    }
    if (const auto* m = dynamic_cast<const nn::MultiHeadSelfAttention*>(&attn)) {
        const std::string k = lo.kind;
        const auto* neu = dynamic_cast<const nn::NeutrenoAttention*>(&attn);
        const auto* res = dynamic_cast<const nn::ResFormerAttention*>(&attn);
        const bool known = k == "standard" || k == "svformer" || (k == "neutreno" && neu) || (k == "resformer" && res);
        if (!known) {
            lo.growth.applicable = false;
            lo.growth.reason = "attention kind '" + k + "': its layer map is not known to the diagnostics";
            lo.growth.formula = "n/a";
            return lo;
        }
        lo.heads = standard_factors(*m);
        for (const auto& f : lo.heads) lo.eig_h.push_back(eig_rl(f));
        lo.h_operator = "eig(W_O^h W_V^h) (HS x HS)";
        if (neu && neu->layer_index >= 1) {
            // U = A V + alpha (V^0 - V): with A fixed the map is X + (A - alpha I) X H + alpha V^0 W_O
            lo.growth.shift = neu->alpha;
            lo.growth.formula = "1 + (lambda_A - " + num(neu->alpha) + ") lambda_H";
        }
        if (res && res->layer_index >= 1) {
            // V' = lambda1 V^0 + lambda2 V: the map is X + lambda2 A X H + lambda1 A V^0 W_O (V^0: an input)
            const double l2 =
                res->lambda2_param.defined() ? res->lambda2_param.to_vector<double>()[0] : res->lambda2;
            lo.growth.scale = l2;
            lo.growth.formula = "1 + " + num(l2) + " lambda_A lambda_H";
        }
        return lo;
    }
    if (lo.kind == "svformer") {
        lo.growth.applicable = false;
        lo.growth.formula = "n/a";
        lo.growth.reason =
            "svformer layer >= 1 reuses V^0 and has no value projection: with A fixed it adds A V^0 W_O, an input "
            "from layer 0, and its own map in X is the identity";
        return lo;
    }
    if (const auto* ho = dynamic_cast<const nn::HeadOperators*>(&attn)) {
        // The HeadOperators contract: X_{l+1} = X_l + sum_h A_h X_l H_h.
        const auto Hs = ho->head_operators();
        const std::int64_t NH = static_cast<std::int64_t>(Hs.size());
        if (NH > 0) {
            const std::int64_t C = Hs[0].size(0);
            PRISM_CHECK(C % NH == 0, "layer_operators", "attention kind '", lo.kind, "': ", NH,
                        " head operators of size ", C, ": C is not a multiple of the heads");
            for (const auto& h : Hs) {
                lo.heads.push_back(low_rank_factors(h, C / NH));
                lo.eig_h.push_back(eig_rl(lo.heads.back()));
            }
        }
        lo.h_operator = "eig(R L) of H_h = L R, the rank-HS SVD of H_h";
        return lo;
    }
    lo.growth.applicable = false;
    lo.growth.formula = "n/a";
    lo.growth.reason = "attention kind '" + lo.kind + "' exposes no per-head operators";
    return lo;
}

std::vector<Complex> ln_nontrivial_eigenvalues(const HeadFactors& f, const Tensor& gamma) {
    const RowMat L = to_eigen(f.left), R = to_eigen(f.right);
    const std::int64_t C = L.rows();
    PRISM_CHECK(gamma.dim() == 1 && gamma.size(0) == C && R.cols() == C, "ln_nontrivial_eigenvalues", "L ",
                shape_str(f.left.shape()), ", R ", shape_str(f.right.shape()), ", gamma ", shape_str(gamma.shape()),
                ": expected (C, HS), (HS, C) and (C)");
    const auto g = gamma.detach().to_vector<double>();
    const Eigen::VectorXd gv = Eigen::Map<const Eigen::VectorXd>(g.data(), C);
    // R P diag(gamma) L with P = I - 11^T / C: center the rows of diag(gamma) L
    RowMat GL = gv.asDiagonal() * L;
    GL.rowwise() -= GL.colwise().mean();
    return eigenvalues(from_eigen(R * GL));
}

}  // namespace prism::diag
