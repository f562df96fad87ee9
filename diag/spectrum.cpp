#include "prism/diag/spectrum.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "prism/autograd/grad_mode.hpp"
#include "prism/core/error.hpp"
#include "prism/core/parallel.hpp"
#include "prism/diag/eigen_bridge.hpp"
#include "prism/diag/head_operators.hpp"
#include "prism/models/vit.hpp"
#include "prism/nn/block.hpp"
#include "prism/nn/probe.hpp"

namespace prism::diag {

namespace {

using detail::RowMat;
using detail::to_eigen;

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

const char* dominance_name(Dominance d) {
    switch (d) {
        case Dominance::DC: return "dc";
        case Dominance::Tie: return "tie";
        default: return "hf";
    }
}

double DominanceCounts::share(Dominance d) const {
    const auto n = total();
    if (n == 0) return 0.0;
    const auto k = d == Dominance::DC ? dc : d == Dominance::Tie ? tie : hf;
    return static_cast<double>(k) / static_cast<double>(n);
}

void DominanceCounts::add(Dominance d) {
    (d == Dominance::DC ? dc : d == Dominance::Tie ? tie : hf) += 1;
}

DominanceCounts& DominanceCounts::operator+=(const DominanceCounts& o) {
    dc += o.dc;
    tie += o.tie;
    hf += o.hf;
    return *this;
}

DominantPair dominant_pair(const std::vector<Complex>& eig_a, const std::vector<Complex>& eig_h,
                           const GrowthOperator& op, double tol, double tie_rtol) {
    PRISM_CHECK(!eig_a.empty() && !eig_h.empty(), "dominant_pair", "needs eigenvalues of A (", eig_a.size(),
                ") and of H (", eig_h.size(), ")");
    PRISM_CHECK(op.applicable, "dominant_pair", "not applicable: ", op.reason);
    DominantPair best;
    best.growth = -1;
    bool any_dc = false, any_hf = false;
    for (const auto& la : eig_a) {
        const bool dc = std::abs(la - 1.0) <= tol;
        (dc ? any_dc : any_hf) = true;
        for (const auto& lh : eig_h) {
            // the DC mode's eigenvalue is exactly 1 (rounding of A aside)
            const double g = std::abs(op(dc ? Complex(1.0) : la, lh));
            double& side = dc ? best.growth_dc : best.growth_hf;
            side = std::max(side, g);
            if (g > best.growth) {
                best.growth = g;
                best.lambda_a = la;
                best.lambda_h = lh;
            }
        }
    }
    if (!any_hf)
        best.category = Dominance::DC;
    else if (!any_dc)
        best.category = Dominance::HF;
    else if (std::abs(best.growth_dc - best.growth_hf) <= tie_rtol * std::max(best.growth_dc, best.growth_hf))
        best.category = Dominance::Tie;
    else
        best.category = best.growth_dc > best.growth_hf ? Dominance::DC : Dominance::HF;
    best.at_one = best.category == Dominance::DC;
    return best;
}

SpectrumReport analyse_blocks(const std::vector<BlockInput>& blocks) {
    SpectrumReport rep;
    rep.depth = static_cast<std::int64_t>(blocks.size());
    for (std::size_t l = 0; l < blocks.size(); ++l) {
        const auto& b = blocks[l];
        PRISM_CHECK(b.attn != nullptr, "analyse_blocks", "block ", l, " has no attention module");
        const LayerOperators ops = layer_operators(*b.attn);
        const std::int64_t NH = static_cast<std::int64_t>(ops.heads.size());
        if (NH > 0) {
            rep.heads = NH;
            rep.dim = ops.heads[0].left.size(0);
        }
        rep.operators.push_back({static_cast<std::int64_t>(l), ops.kind, ops.h_operator, ops.growth});

        LnGains g;
        g.layer = static_cast<std::int64_t>(l);
        for (double v : b.gamma1.to_vector<double>()) g.negative_norm1 += v < 0;
        if (b.gamma2.defined()) {
            for (double v : b.gamma2.to_vector<double>()) g.negative_norm2 += v < 0;
            g.size2 = b.gamma2.numel();
        }
        g.size = b.gamma1.numel();
        rep.ln_gains.push_back(g);

        std::vector<HeadSpectrum> hs(static_cast<std::size_t>(NH));
        parallel_for(0, NH, 1, [&](std::int64_t lo, std::int64_t hi) {
            for (std::int64_t h = lo; h < hi; ++h) {
                hs[h].layer = static_cast<std::int64_t>(l);
                hs[h].head = h;
                hs[h].eig_h = ops.eig_h[h];
                hs[h].eig_ln = ln_nontrivial_eigenvalues(ops.heads[h], b.gamma1);
            }
        });

        if (b.probs.defined()) {
            const Tensor& p = b.probs;
            PRISM_CHECK(p.dim() == 4 && p.size(2) == p.size(3) && (NH == 0 || p.size(1) == NH), "analyse_blocks",
                        "block ", l, ": attention probs ", shape_str(p.shape()), " are not (B, ", NH, ", T, T)");
            const std::int64_t B = p.size(0), PH = p.size(1), T = p.size(2);
            // a dominant pair needs the layer's own H and a known layer map
            const bool applicable = ops.growth.applicable && NH > 0;
            rep.batch = B;
            rep.tokens = T;
            const auto a = p.detach().to_vector<double>();
            struct Case {
                double lambda2 = 0, complex = 0;
                Dominance h = Dominance::DC, ln = Dominance::DC;
            };
            std::vector<Case> cases(static_cast<std::size_t>(B * PH));
            parallel_for(0, B * PH, 1, [&](std::int64_t lo, std::int64_t hi) {
                for (std::int64_t c = lo; c < hi; ++c) {
                    const std::int64_t s = c / PH, h = c % PH;
                    RowMat A = Eigen::Map<const RowMat>(a.data() + (s * PH + h) * T * T, T, T);
                    // float32 softmax rows sum to 1 only within ~1e-7 * T: renormalise so the
                    // eigenvalue 1 is exact up to double rounding (the 1e-6 test below).
                    for (std::int64_t i = 0; i < T; ++i) A.row(i) /= A.row(i).sum();
                    const auto ea = eig_of(A);
                    Case& k = cases[c];
                    k.lambda2 = ea.size() > 1 ? std::abs(ea[1]) : 0.0;
                    std::int64_t nc = 0;
                    for (const auto& e : ea) nc += std::abs(e.imag()) > 1e-9;
                    k.complex = static_cast<double>(nc) / static_cast<double>(T);
                    if (applicable) {
                        k.h = dominant_pair(ea, hs[h].eig_h, ops.growth).category;
                        k.ln = dominant_pair(ea, hs[h].eig_ln, ops.growth).category;
                    }
                }
            });
            for (std::int64_t h = 0; h < PH; ++h) {
                AttentionSpectrum as;
                as.layer = static_cast<std::int64_t>(l);
                as.head = h;
                as.samples = B;
                as.applicable = applicable;
                for (std::int64_t s = 0; s < B; ++s) {
                    const Case& k = cases[s * PH + h];
                    as.mean_abs_lambda2 += k.lambda2 / static_cast<double>(B);
                    as.max_abs_lambda2 = std::max(as.max_abs_lambda2, k.lambda2);
                    as.frac_complex += k.complex / static_cast<double>(B);
                    if (applicable) {
                        as.dom_h.add(k.h);
                        as.dom_ln.add(k.ln);
                    }
                }
                if (applicable) {
                    rep.dominant_cases += as.samples;
                    rep.dominant_at_one_h += as.dom_h.dc;
                    rep.dominant_at_one_ln += as.dom_ln.dc;
                    rep.dominant_tie_h += as.dom_h.tie;
                    rep.dominant_tie_ln += as.dom_ln.tie;
                    rep.dominant_hf_h += as.dom_h.hf;
                    rep.dominant_hf_ln += as.dom_ln.hf;
                } else {
                    rep.dominant_not_applicable += as.samples;
                }
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

namespace {
nlohmann::json num_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json counts_json(const DominanceCounts& c) {
    return {{"cases", c.total()},
            {"dc", c.dc},
            {"tie", c.tie},
            {"hf", c.hf},
            {"share_dc", c.share(Dominance::DC)},
            {"share_tie", c.share(Dominance::Tie)},
            {"share_hf", c.share(Dominance::HF)}};
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
    const double n = dominant_cases ? static_cast<double>(dominant_cases) : 1.0;
    j["dominant_pair"] = {{"cases", dominant_cases},
                          {"not_applicable", dominant_not_applicable},
                          {"at_one_h", dominant_at_one_h},
                          {"share_h", dominant_at_one_h / n},
                          {"tie_h", dominant_tie_h},
                          {"share_tie_h", dominant_tie_h / n},
                          {"hf_h", dominant_hf_h},
                          {"share_hf_h", dominant_hf_h / n},
                          {"at_one_ln", dominant_at_one_ln},
                          {"share_ln", dominant_at_one_ln / n},
                          {"tie_ln", dominant_tie_ln},
                          {"share_tie_ln", dominant_tie_ln / n},
                          {"hf_ln", dominant_hf_ln},
                          {"share_hf_ln", dominant_hf_ln / n}};
    j["layers"] = diag::to_json(layer_summaries(*this));
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
                      {"dominant_applicable", a.applicable},
                      {"dominant_h", counts_json(a.dom_h)},
                      {"dominant_ln", counts_json(a.dom_ln)}});
    auto& gl = j["ln_gains"] = nlohmann::json::array();
    for (const auto& g : ln_gains)
        gl.push_back({{"layer", g.layer},
                      {"negative_norm1", g.negative_norm1},
                      {"negative_norm2", g.negative_norm2},
                      {"size", g.size}});
    return j;
}

std::vector<LayerSpectrumSummary> layer_summaries(const SpectrumReport& rep) {
    std::vector<LayerSpectrumSummary> out;
    for (const auto& op : rep.operators) {
        LayerSpectrumSummary s;
        s.layer = op.layer;
        s.kind = op.kind;
        s.h_operator = op.h_operator;
        s.growth = op.growth.applicable ? op.growth.formula : "n/a: " + op.growth.reason;
        auto widen = [](double& lo, double& hi, double v) {
            lo = std::isnan(lo) ? v : std::min(lo, v);
            hi = std::isnan(hi) ? v : std::max(hi, v);
        };
        for (const auto& h : rep.heads_spectra) {
            if (h.layer != op.layer) continue;
            for (const auto& e : h.eig_h) {
                widen(s.eig_min, s.eig_max, e.real());
                s.eig_max_abs_imag = std::isnan(s.eig_max_abs_imag) ? std::abs(e.imag())
                                                                    : std::max(s.eig_max_abs_imag, std::abs(e.imag()));
            }
            for (const auto& e : h.eig_ln) widen(s.eig_ln_min, s.eig_ln_max, e.real());
        }
        for (const auto& g : rep.ln_gains) {
            if (g.layer != op.layer) continue;
            if (g.size > 0)
                s.negative_gain_share_norm1 = static_cast<double>(g.negative_norm1) / static_cast<double>(g.size);
            if (g.size2 > 0)
                s.negative_gain_share_norm2 = static_cast<double>(g.negative_norm2) / static_cast<double>(g.size2);
        }
        for (const auto& a : rep.attention)
            if (a.layer == op.layer && a.applicable) {
                s.dominant_h += a.dom_h;
                s.dominant_ln += a.dom_ln;
            }
        out.push_back(std::move(s));
    }
    return out;
}

nlohmann::json to_json(const std::vector<LayerSpectrumSummary>& layers) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& s : layers)
        j.push_back({{"layer", s.layer},
                     {"kind", s.kind},
                     {"h_operator", s.h_operator},
                     {"growth", s.growth},
                     {"eig_min", num_or_null(s.eig_min)},
                     {"eig_max", num_or_null(s.eig_max)},
                     {"eig_max_abs_imag", num_or_null(s.eig_max_abs_imag)},
                     {"eig_ln_min", num_or_null(s.eig_ln_min)},
                     {"eig_ln_max", num_or_null(s.eig_ln_max)},
                     {"negative_gain_share_norm1", num_or_null(s.negative_gain_share_norm1)},
                     {"negative_gain_share_norm2", num_or_null(s.negative_gain_share_norm2)},
                     {"dominant_h", counts_json(s.dominant_h)},
                     {"dominant_ln", counts_json(s.dominant_ln)}});
    return j;
}

}  // namespace prism::diag
