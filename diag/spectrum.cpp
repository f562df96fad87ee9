#include "prism/diag/spectrum.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "prism/autograd/grad_mode.hpp"
#include "prism/core/error.hpp"
#include "prism/core/parallel.hpp"
#include "prism/diag/head_operators.hpp"
#include "prism/models/vit.hpp"
#include "prism/nn/block.hpp"
#include "prism/nn/probe.hpp"

namespace prism::diag {

namespace {

using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

RowMat to_eigen(const Tensor& t) {
    const auto v = t.detach().to_vector<double>();
    return Eigen::Map<const RowMat>(v.data(), t.size(0), t.size(1));
}

bool by_modulus(const Complex& a, const Complex& b) {
    const double ma = std::abs(a), mb = std::abs(b);
    if (ma != mb) return ma > mb;
    if (a.real() != b.real()) return a.real() > b.real();
    return a.imag() > b.imag();
}

std::vector<Complex> eig_of(const RowMat& m) {
    Eigen::EigenSolver<Eigen::MatrixXd> es(m, false);
    PRISM_CHECK(es.info() == Eigen::Success, "eigenvalues", "EigenSolver did not converge on a ", m.rows(), "x",
                m.cols(), " matrix");
    std::vector<Complex> out(es.eigenvalues().data(), es.eigenvalues().data() + es.eigenvalues().size());
    std::sort(out.begin(), out.end(), by_modulus);
    return out;
}

}  // namespace

std::vector<Complex> eigenvalues(const Tensor& m) {
    PRISM_CHECK(m.defined() && m.dim() == 2 && m.size(0) == m.size(1), "eigenvalues", "expects a square matrix, got ",
                m.defined() ? shape_str(m.shape()) : "an undefined tensor");
    return eig_of(to_eigen(m));
}

Tensor ln_operator(const Tensor& h, const Tensor& gamma) {
    PRISM_CHECK(h.dim() == 2 && h.size(0) == h.size(1) && gamma.dim() == 1 && gamma.size(0) == h.size(0),
                "ln_operator", "H ", shape_str(h.shape()), ", gamma ", shape_str(gamma.shape()),
                ": expected (C, C) and (C)");
    const std::int64_t C = h.size(0);
    const auto g = gamma.detach().to_vector<double>();
    const RowMat H = to_eigen(h);
    // Row vectors: x -> LN(x) = (x P) diag(gamma) / sigma, then -> LN(x) H: operator P diag(gamma) H.
    const RowMat P = RowMat::Identity(C, C) - RowMat::Constant(C, C, 1.0 / static_cast<double>(C));
    const Eigen::VectorXd gv = Eigen::Map<const Eigen::VectorXd>(g.data(), C);
    const RowMat M = P * gv.asDiagonal() * H;
    Tensor t = Tensor::empty({C, C}, kFloat64);
    Eigen::Map<RowMat>(t.data<double>(), C, C) = M;
    return t;
}

DominantPair dominant_pair(const std::vector<Complex>& eig_a, const std::vector<Complex>& eig_h, double tol) {
    PRISM_CHECK(!eig_a.empty() && !eig_h.empty(), "dominant_pair", "needs eigenvalues of A (", eig_a.size(),
                ") and of H (", eig_h.size(), ")");
    DominantPair best;
    best.growth = -1;
    for (const auto& la : eig_a)
        for (const auto& lh : eig_h) {
            const double g = std::abs(1.0 + la * lh);
            if (g > best.growth) {
                best.growth = g;
                best.lambda_a = la;
                best.lambda_h = lh;
            }
        }
    best.at_one = std::abs(best.lambda_a - 1.0) <= tol;
    return best;
}

SpectrumReport analyse_blocks(const std::vector<BlockInput>& blocks) {
    SpectrumReport rep;
    rep.depth = static_cast<std::int64_t>(blocks.size());
    for (std::size_t l = 0; l < blocks.size(); ++l) {
        const auto& b = blocks[l];
        PRISM_CHECK(b.attn != nullptr, "analyse_blocks", "block ", l, " has no attention module");
        const auto Hs = head_operators_of(*b.attn);
        const std::int64_t NH = static_cast<std::int64_t>(Hs.size());
        if (NH > 0) {
            rep.heads = NH;
            rep.dim = Hs[0].size(0);
        }

        LnGains g;
        g.layer = static_cast<std::int64_t>(l);
        for (double v : b.gamma1.to_vector<double>()) g.negative_norm1 += v < 0;
        if (b.gamma2.defined())
            for (double v : b.gamma2.to_vector<double>()) g.negative_norm2 += v < 0;
        g.size = b.gamma1.numel();
        rep.ln_gains.push_back(g);

        std::vector<HeadSpectrum> hs(static_cast<std::size_t>(NH));
        parallel_for(0, NH, 1, [&](std::int64_t lo, std::int64_t hi) {
            for (std::int64_t h = lo; h < hi; ++h) {
                hs[h].layer = static_cast<std::int64_t>(l);
                hs[h].head = h;
                hs[h].eig_h = eigenvalues(Hs[h]);
                hs[h].eig_ln = eigenvalues(ln_operator(Hs[h], b.gamma1));
            }
        });

        // NH == 0: a layer with no value projection of its own (svformer): no H, no pairs.
        if (b.probs.defined() && NH > 0) {
            const Tensor& p = b.probs;
            PRISM_CHECK(p.dim() == 4 && p.size(1) == NH && p.size(2) == p.size(3), "analyse_blocks", "block ", l,
                        ": attention probs ", shape_str(p.shape()), " are not (B, ", NH, ", T, T)");
            const std::int64_t B = p.size(0), T = p.size(2);
            rep.batch = B;
            rep.tokens = T;
            const auto a = p.detach().to_vector<double>();
            struct Case {
                double lambda2 = 0, complex = 0;
                bool one_h = false, one_ln = false;
            };
            std::vector<Case> cases(static_cast<std::size_t>(B * NH));
            parallel_for(0, B * NH, 1, [&](std::int64_t lo, std::int64_t hi) {
                for (std::int64_t c = lo; c < hi; ++c) {
                    const std::int64_t s = c / NH, h = c % NH;
                    RowMat A = Eigen::Map<const RowMat>(a.data() + (s * NH + h) * T * T, T, T);
                    // float32 softmax rows sum to 1 only within ~1e-7 * T: renormalise so the
                    // eigenvalue 1 is exact up to double rounding (the 1e-6 test below).
                    for (std::int64_t i = 0; i < T; ++i) A.row(i) /= A.row(i).sum();
                    const auto ea = eig_of(A);
                    Case& k = cases[c];
                    k.lambda2 = ea.size() > 1 ? std::abs(ea[1]) : 0.0;
                    std::int64_t nc = 0;
                    for (const auto& e : ea) nc += std::abs(e.imag()) > 1e-9;
                    k.complex = static_cast<double>(nc) / static_cast<double>(T);
                    k.one_h = dominant_pair(ea, hs[h].eig_h).at_one;
                    k.one_ln = dominant_pair(ea, hs[h].eig_ln).at_one;
                }
            });
            for (std::int64_t h = 0; h < NH; ++h) {
                AttentionSpectrum as;
                as.layer = static_cast<std::int64_t>(l);
                as.head = h;
                as.samples = B;
                for (std::int64_t s = 0; s < B; ++s) {
                    const Case& k = cases[s * NH + h];
                    as.mean_abs_lambda2 += k.lambda2 / static_cast<double>(B);
                    as.max_abs_lambda2 = std::max(as.max_abs_lambda2, k.lambda2);
                    as.frac_complex += k.complex / static_cast<double>(B);
                    as.dominant_at_one_h += k.one_h;
                    as.dominant_at_one_ln += k.one_ln;
                }
                rep.dominant_cases += as.samples;
                rep.dominant_at_one_h += as.dominant_at_one_h;
                rep.dominant_at_one_ln += as.dominant_at_one_ln;
                rep.attention.push_back(as);
            }
        }
        for (auto& x : hs) rep.heads_spectra.push_back(std::move(x));
    }
    return rep;
}

SpectrumReport analyse_model(nn::Module& model, const nn::ModuleList& blocks, const std::string& prefix,
                             const std::function<void()>& forward, const std::function<Tensor()>& input) {
    const bool was_training = model.is_training();
    model.eval();
    SpectrumReport rep;
    try {
        nn::ProbeSet probes(smoothing_patterns(prefix, true));
        Tensor in;
        {
            NoGradGuard ng;
            nn::ProbeScope scope(probes);
            forward();
            if (input) in = input();
        }
        std::vector<BlockInput> bis;
        for (std::size_t i = 0; i < blocks.size(); ++i) {
            auto blk = blocks.at<nn::TransformerBlock>(i);
            BlockInput bi;
            bi.attn = blk->attn.get();
            bi.gamma1 = blk->norm1->weight;
            bi.gamma2 = blk->norm2->weight;
            const std::string pn = prefix + "." + std::to_string(i) + ".attn.probs";
            if (probes.has(pn)) bi.probs = probes.get(pn);
            bis.push_back(bi);
        }
        rep = analyse_blocks(bis);
        rep.smoothing = smoothing_from_probes(probes, prefix, static_cast<std::int64_t>(blocks.size()), in);
    } catch (...) {
        model.train(was_training);
        throw;
    }
    model.train(was_training);
    return rep;
}

SpectrumReport analyse_vit(models::ViT& model, const Tensor& images) {
    SpectrumReport rep = analyse_model(
        model, *model.blocks, "blocks", [&] { model.forward_features(images); },
        [&] { return vit_embedding(model, images); });
    rep.model = "vit";
    rep.batch = images.size(0);
    return rep;
}

namespace {
nlohmann::json complex_list(const std::vector<Complex>& v) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& c : v) j.push_back({c.real(), c.imag()});
    return j;
}
}  // namespace

nlohmann::json SpectrumReport::to_json() const {
    nlohmann::json j;
    j["model"] = model;
    j["batch"] = batch;
    j["tokens"] = tokens;
    j["dim"] = dim;
    j["heads"] = heads;
    j["depth"] = depth;
    j["smoothing"] = diag::to_json(smoothing);
    j["dominant_pair"] = {{"cases", dominant_cases},
                          {"at_one_h", dominant_at_one_h},
                          {"share_h", dominant_cases ? double(dominant_at_one_h) / dominant_cases : 0.0},
                          {"at_one_ln", dominant_at_one_ln},
                          {"share_ln", dominant_cases ? double(dominant_at_one_ln) / dominant_cases : 0.0}};
    auto& hl = j["heads_spectra"] = nlohmann::json::array();
    for (const auto& h : heads_spectra)
        hl.push_back({{"layer", h.layer}, {"head", h.head}, {"eig_h", complex_list(h.eig_h)},
                      {"eig_ln", complex_list(h.eig_ln)}});
    auto& al = j["attention"] = nlohmann::json::array();
    for (const auto& a : attention)
        al.push_back({{"layer", a.layer},
                      {"head", a.head},
                      {"samples", a.samples},
                      {"mean_abs_lambda2", a.mean_abs_lambda2},
                      {"max_abs_lambda2", a.max_abs_lambda2},
                      {"frac_complex", a.frac_complex},
                      {"dominant_share_h", a.share_h()},
                      {"dominant_share_ln", a.share_ln()}});
    auto& gl = j["ln_gains"] = nlohmann::json::array();
    for (const auto& g : ln_gains)
        gl.push_back({{"layer", g.layer},
                      {"negative_norm1", g.negative_norm1},
                      {"negative_norm2", g.negative_norm2},
                      {"size", g.size}});
    return j;
}

}  // namespace prism::diag
