#include "prism/study/layer_spectra.hpp"

#include <cmath>

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

// From diag's per-layer summary: each head's own non-trivial eigenvalues (Lambda for the
// spectral kinds), norm1's negative gains, and the DC-dominant share from each kind's own
// layer operator (NaN where the dominant pair does not apply).
std::vector<LayerSpectrum> layer_spectra(const diag::SpectrumReport& rep) {
    std::vector<LayerSpectrum> out;
    for (const auto& l : diag::layer_summaries(rep)) {
        LayerSpectrum s;
        s.layer = l.layer;
        s.eig_min = l.eig_min;
        s.eig_max = l.eig_max;
        s.eig_max_abs_imag = l.eig_max_abs_imag;
        s.neg_ln_share = l.negative_gain_share_norm1;
        if (l.dominant_h.total() > 0) s.dominant_share_h = l.dominant_h.share(diag::Dominance::DC);
        if (l.dominant_ln.total() > 0) s.dominant_share_ln = l.dominant_ln.share(diag::Dominance::DC);
        out.push_back(s);
    }
    return out;
}

}  // namespace prism::study
