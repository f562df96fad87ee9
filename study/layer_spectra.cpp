#include "prism/study/layer_spectra.hpp"

#include <algorithm>
#include <cmath>
#include <array>
#include <map>

namespace prism::study {

namespace {
double num(const nlohmann::json& j, const char* key) {
    return j.contains(key) && j[key].is_number() ? j[key].get<double>() : LayerSpectrum::nan;
}
}  // namespace

nlohmann::json LayerSpectrum::to_json() const {
    return {{"layer", layer},
            {"eig_min", eig_min},
            {"eig_max", eig_max},
            {"eig_max_abs_imag", eig_max_abs_imag},
            {"neg_ln_share", neg_ln_share},
            {"dominant_share_h", dominant_share_h},
            {"dominant_share_ln", dominant_share_ln}};
}

LayerSpectrum LayerSpectrum::from_json(const nlohmann::json& j) {
    LayerSpectrum s;
    s.layer = j.at("layer").get<std::int64_t>();
    s.eig_min = num(j, "eig_min");
    s.eig_max = num(j, "eig_max");
    s.eig_max_abs_imag = num(j, "eig_max_abs_imag");
    s.neg_ln_share = num(j, "neg_ln_share");
    s.dominant_share_h = num(j, "dominant_share_h");
    s.dominant_share_ln = num(j, "dominant_share_ln");
    return s;
}

std::vector<LayerSpectrum> layer_spectra(const diag::SpectrumReport& rep) {
    std::map<std::int64_t, LayerSpectrum> by_layer;
    auto at = [&](std::int64_t l) -> LayerSpectrum& {
        auto& s = by_layer[l];
        s.layer = l;
        return s;
    };
    const std::size_t hs = rep.heads > 0 && rep.dim > 0 ? static_cast<std::size_t>(rep.dim / rep.heads) : 0;
    for (const auto& h : rep.heads_spectra) {
        auto& s = at(h.layer);
        const std::size_t k = hs ? std::min(hs, h.eig_h.size()) : h.eig_h.size();
        for (std::size_t i = 0; i < k; ++i) {  // eig_h is sorted by modulus, largest first
            const auto& e = h.eig_h[i];
            s.eig_min = std::isnan(s.eig_min) ? e.real() : std::min(s.eig_min, e.real());
            s.eig_max = std::isnan(s.eig_max) ? e.real() : std::max(s.eig_max, e.real());
            s.eig_max_abs_imag = std::isnan(s.eig_max_abs_imag) ? std::fabs(e.imag())
                                                                 : std::max(s.eig_max_abs_imag, std::fabs(e.imag()));
        }
    }
    for (const auto& g : rep.ln_gains)
        if (g.size > 0) at(g.layer).neg_ln_share = static_cast<double>(g.negative_norm1) / static_cast<double>(g.size);
    std::map<std::int64_t, std::array<std::int64_t, 3>> dom;  // cases, at one (H), at one (LN)
    for (const auto& a : rep.attention) {
        auto& d = dom[a.layer];
        d[0] += a.samples;
        d[1] += a.dominant_at_one_h;
        d[2] += a.dominant_at_one_ln;
    }
    for (const auto& [l, d] : dom)
        if (d[0] > 0) {
            at(l).dominant_share_h = static_cast<double>(d[1]) / static_cast<double>(d[0]);
            at(l).dominant_share_ln = static_cast<double>(d[2]) / static_cast<double>(d[0]);
        }
    std::vector<LayerSpectrum> out;
    for (auto& [l, s] : by_layer) out.push_back(s);
    return out;
}

}  // namespace prism::study
