#include "prism/diag/smoothing.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <limits>

#include "prism/autograd/functions.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/core/error.hpp"
#include "prism/core/parallel.hpp"
#include "prism/models/vit.hpp"

namespace prism::diag {

namespace {

using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// X as B row-major (T, C) float64 matrices.
struct Batch3 {
    std::vector<double> data;
    std::int64_t B = 0, T = 0, C = 0;
    Eigen::Map<const RowMat> at(std::int64_t b) const { return {data.data() + b * T * C, T, C}; }
};

Batch3 as_batch(const char* op, const Tensor& x) {
    PRISM_CHECK(x.defined() && (x.dim() == 2 || x.dim() == 3), op, "expects X (B, T, C) or (T, C), got ",
                x.defined() ? shape_str(x.shape()) : "an undefined tensor");
    Batch3 b;
    b.B = x.dim() == 3 ? x.size(0) : 1;
    b.T = x.size(-2);
    b.C = x.size(-1);
    PRISM_CHECK(b.T > 0 && b.C > 0 && b.B > 0, op, "empty X ", shape_str(x.shape()));
    b.data = x.detach().to_vector<double>();
    return b;
}

// Per-sample values, summed in sample order (deterministic) and averaged.
template <class F> double batch_mean(const Batch3& b, std::int64_t grain, F&& f) {
    std::vector<double> v(static_cast<std::size_t>(b.B));
    parallel_for(0, b.B, grain, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t i = lo; i < hi; ++i) v[i] = f(b.at(i));
    });
    double s = 0;
    for (double x : v) s += x;
    return s / static_cast<double>(b.B);
}

double cos_one(const Eigen::Map<const RowMat>& x) {
    const auto T = x.rows();
    if (T < 2) return 1.0;
    // Zero tokens have no direction: they count as cosine 0 with everything.
    Eigen::VectorXd n = x.rowwise().norm();
    Eigen::VectorXd inv = n.unaryExpr([](double v) { return v > 0 ? 1.0 / v : 0.0; });
    RowMat u = inv.asDiagonal() * x;  // unit rows
    // sum_{i != j} u_i . u_j = |sum_i u_i|^2 - sum_i |u_i|^2
    const double total = u.colwise().sum().squaredNorm() - u.rowwise().squaredNorm().sum();
    return total / static_cast<double>(T * (T - 1));
}

double hcdc_one(const Eigen::Map<const RowMat>& x) {
    Eigen::RowVectorXd mean = x.colwise().mean();
    const double dc = std::sqrt(static_cast<double>(x.rows())) * mean.norm();
    const double hc = (x.rowwise() - mean).norm();
    if (dc == 0) return hc == 0 ? 0.0 : std::numeric_limits<double>::infinity();
    return hc / dc;
}

}  // namespace

double mean_cosine_similarity(const Tensor& x) {
    const auto b = as_batch("mean_cosine_similarity", x);
    return batch_mean(b, 4, cos_one);
}

double hc_dc_ratio(const Tensor& x) {
    const auto b = as_batch("hc_dc_ratio", x);
    return batch_mean(b, 4, hcdc_one);
}

SvdStats svd_stats(const Tensor& x) {
    const auto b = as_batch("svd_stats", x);
    std::vector<SvdStats> v(static_cast<std::size_t>(b.B));
    parallel_for(0, b.B, 1, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t i = lo; i < hi; ++i) {
            Eigen::BDCSVD<RowMat> svd(b.at(i));  // singular values only
            const Eigen::VectorXd s = svd.singularValues();
            const double sum = s.sum();
            SvdStats r;
            if (sum > 0) {
                double h = 0;
                for (Eigen::Index k = 0; k < s.size(); ++k) {
                    const double p = s[k] / sum;
                    if (p > 0) h -= p * std::log(p);
                }
                r.eff_rank = std::exp(h);
                r.sigma_ratio = s.size() > 1 ? s[1] / s[0] : 0.0;
            }
            v[i] = r;
        }
    });
    SvdStats out;
    for (const auto& r : v) {
        out.eff_rank += r.eff_rank / static_cast<double>(b.B);
        out.sigma_ratio += r.sigma_ratio / static_cast<double>(b.B);
    }
    return out;
}

double dirichlet_energy(const Tensor& x, const Tensor& probs) {
    const auto b = as_batch("dirichlet_energy", x);
    PRISM_CHECK(probs.defined() && probs.dim() == 4 && probs.size(0) == b.B && probs.size(2) == b.T &&
                    probs.size(3) == b.T,
                "dirichlet_energy", "X ", shape_str(x.shape()), " with probs ",
                probs.defined() ? shape_str(probs.shape()) : "undefined", ": probs must be (B, NH, T, T)");
    const std::int64_t NH = probs.size(1), T = b.T;
    const auto a = probs.detach().to_vector<double>();
    std::vector<double> v(static_cast<std::size_t>(b.B));
    parallel_for(0, b.B, 1, [&](std::int64_t lo, std::int64_t hi) {
        for (std::int64_t s = lo; s < hi; ++s) {
            const auto x1 = b.at(s);
            // |x_i - x_j|^2 = n_i + n_j - 2 g_ij from the Gram matrix G = X X^T
            const Eigen::MatrixXd g = x1 * x1.transpose();
            const Eigen::VectorXd n = g.diagonal();
            double e = 0;
            for (std::int64_t h = 0; h < NH; ++h) {
                const double* ah = a.data() + ((s * NH + h) * T) * T;
                for (std::int64_t i = 0; i < T; ++i)
                    for (std::int64_t j = 0; j < T; ++j) e += ah[i * T + j] * std::max(0.0, n[i] + n[j] - 2 * g(i, j));
            }
            v[s] = e / static_cast<double>(T) / static_cast<double>(NH);
        }
    });
    double s = 0;
    for (double e : v) s += e;
    return s / static_cast<double>(b.B);
}

LayerSmoothing layer_smoothing(const Tensor& x, const Tensor* probs, bool with_svd) {
    LayerSmoothing r;
    r.cos_sim = mean_cosine_similarity(x);
    r.hc_dc = hc_dc_ratio(x);
    if (with_svd) {
        const auto s = svd_stats(x);
        r.eff_rank = s.eff_rank;
        r.sigma_ratio = s.sigma_ratio;
    } else {
        r.eff_rank = r.sigma_ratio = std::numeric_limits<double>::quiet_NaN();
    }
    r.dirichlet = probs && probs->defined() ? dirichlet_energy(x, *probs) : std::numeric_limits<double>::quiet_NaN();
    return r;
}

std::vector<std::string> smoothing_patterns(const std::string& prefix, bool with_attention) {
    std::vector<std::string> p{prefix + ".*.out"};
    if (with_attention) p.push_back(prefix + ".*.attn.probs");
    return p;
}

std::vector<LayerSmoothing> smoothing_from_probes(const nn::ProbeSet& probes, const std::string& prefix,
                                                  std::int64_t depth, const Tensor& input, bool with_svd) {
    std::vector<LayerSmoothing> out;
    auto probs_of = [&](std::int64_t block) -> Tensor {
        const std::string n = prefix + "." + std::to_string(block) + ".attn.probs";
        return block < depth && probes.has(n) ? probes.get(n) : Tensor();
    };
    if (input.defined()) {
        Tensor p = probs_of(0);  // the embedding: the graph of the attention that reads it
        LayerSmoothing l = layer_smoothing(input, &p, with_svd);
        l.layer = 0;
        l.name = "embed";
        out.push_back(l);
    }
    for (std::int64_t i = 0; i < depth; ++i) {
        const std::string n = prefix + "." + std::to_string(i) + ".out";
        // the graph of the attention that produced these tokens
        Tensor p = probs_of(i);
        LayerSmoothing l = layer_smoothing(probes.get(n), &p, with_svd);
        l.layer = static_cast<std::int64_t>(out.size());
        l.name = n;
        out.push_back(l);
    }
    return out;
}

std::vector<LayerSmoothing> smoothing_profile(const std::function<void()>& forward, const std::string& prefix,
                                              std::int64_t depth, const std::function<Tensor()>& input,
                                              bool with_attention, bool with_svd) {
    nn::ProbeSet probes(smoothing_patterns(prefix, with_attention));
    Tensor in;
    {
        NoGradGuard ng;
        nn::ProbeScope scope(probes);
        forward();
        if (input) in = input();
    }
    return smoothing_from_probes(probes, prefix, depth, in, with_svd);
}

Tensor vit_embedding(models::ViT& m, const Tensor& images) {
    Tensor x = m.patch_embed->forward(images);
    const std::int64_t B = x.size(0);
    return cat({m.cls_token.expand({B, 1, m.config.dim}), x}, 1) + m.pos_embed;
}

std::vector<LayerSmoothing> smoothing_profile(models::ViT& model, const Tensor& images, bool with_attention) {
    return smoothing_profile([&] { model.forward_features(images); }, "blocks", model.config.depth,
                             [&] { return vit_embedding(model, images); }, with_attention);
}

nlohmann::json to_json(const std::vector<LayerSmoothing>& layers) {
    nlohmann::json j;
    auto num = [](double v) -> nlohmann::json { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
    for (const char* k : {"cos_sim", "hc_dc", "eff_rank", "sigma_ratio", "dirichlet"})
        j[k] = nlohmann::json::array();
    for (const auto& l : layers) {
        j["cos_sim"].push_back(num(l.cos_sim));
        j["hc_dc"].push_back(num(l.hc_dc));
        j["eff_rank"].push_back(num(l.eff_rank));
        j["sigma_ratio"].push_back(num(l.sigma_ratio));
        j["dirichlet"].push_back(num(l.dirichlet));
    }
    return j;
}

nlohmann::json smoothing_record(models::ViT& model, const Tensor& images) {
    const bool was_training = model.is_training();
    model.eval();
    std::vector<LayerSmoothing> layers;
    try {
        layers = smoothing_profile(model, images, true);
    } catch (...) {
        model.train(was_training);
        throw;
    }
    model.train(was_training);
    return to_json(layers);
}

}  // namespace prism::diag
