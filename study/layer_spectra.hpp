// Per-layer spectral record of a trained model for the study's results.json and layers.csv
// (issue 15, point 5): per block, the range of the (non-trivial) eigenvalues of every head's
// H_h (for the spectral kinds: the range of Lambda), the share of negative pre-attention
// LayerNorm gains, and the dominant-pair shares.
//
// layer_spectra() is the one adapter between diag/ and the study: it takes diag::layer_summaries
// (each kind's own operator, dc / tie / hf) and keeps what the study's tables report.
#pragma once
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "prism/diag/spectrum.hpp"

namespace prism::study {

struct LayerSpectrum {
    static constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    std::int64_t layer = 0;                  // block index
    // Over the block's heads, the HS = C / NH largest-modulus eigenvalues of each H_h (the rest
    // are the zeros of a rank-HS operator): smallest and largest real part, largest |imag|.
    double eig_min = nan, eig_max = nan, eig_max_abs_imag = nan;
    double neg_ln_share = nan;               // share of the block's norm1 gains < 0
    // share of (head, sample) whose dominant pair of 1 + lambda_A lambda_H sits at lambda_A = 1,
    // with H and with P diag(gamma) H
    double dominant_share_h = nan, dominant_share_ln = nan;

    nlohmann::json to_json() const;
    static LayerSpectrum from_json(const nlohmann::json& j);  // nulls read back as NaN
};

std::vector<LayerSpectrum> layer_spectra(const diag::SpectrumReport& rep);

}  // namespace prism::study
