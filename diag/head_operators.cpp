#include "prism/diag/head_operators.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "prism/autograd/grad_mode.hpp"
#include "prism/core/error.hpp"
#include "prism/diag/eigen_bridge.hpp"
#include "prism/nn/attention_kinds.hpp"

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

std::vector<Complex> eig_rl(const HeadFactors& f) { return eigenvalues(from_eigen(to_eigen(f.right) * to_eigen(f.left))); }

bool by_modulus_then_real(const Complex& a, const Complex& b) {
    if (std::abs(a) != std::abs(b)) return std::abs(a) > std::abs(b);
    if (a.real() != b.real()) return a.real() > b.real();
    return a.imag() > b.imag();
}

// "1 + lambda_A lambda_H", "1 + (lambda_A - 0.6) lambda_H", "1 + 0.5 lambda_A lambda_H"
std::string growth_formula(double shift, double scale) {
    const std::string a = shift != 0 ? "(lambda_A - " + num(shift) + ")" : "lambda_A";
    return "1 + " + (scale != 1 ? num(scale) + " " : std::string()) + a + " lambda_H";
}

void not_applicable(LayerOperators& lo, const std::string& reason) {
    lo.growth.applicable = false;
    lo.growth.formula = "n/a";
    lo.growth.reason = reason;
}

}  // namespace

std::vector<Tensor> head_operators_of(const nn::Attention& attn) {
    // a kind describing its own layer map without an H of its own (svformer layers >= 1) gets none
    if (dynamic_cast<const nn::HeadOperators*>(&attn) || dynamic_cast<const nn::MultiHeadSelfAttention*>(&attn) ||
        attn.linear_map())
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
    if (const auto m = attn.linear_map()) {  // the kind describes its own layer map (nn/attention.hpp)
        if (!m->applicable) {
            not_applicable(lo, m->reason);
            return lo;
        }
        for (std::size_t h = 0; h < m->heads.size(); ++h) {
            lo.heads.push_back({m->heads[h][0], m->heads[h][1]});
            auto e = h < m->eigenvalues.size() ? m->eigenvalues[h] : eig_rl(lo.heads.back());
            std::sort(e.begin(), e.end(), by_modulus_then_real);
            lo.eig_h.push_back(e);
        }
        lo.h_operator = m->h_operator;
        lo.growth.shift = m->shift;
        lo.growth.scale = m->scale;
        lo.growth.formula = growth_formula(m->shift, m->scale);
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
    not_applicable(lo, "attention kind '" + lo.kind + "' exposes no per-head operators");
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
