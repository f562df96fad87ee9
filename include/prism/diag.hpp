// <prism/diag.hpp>: every public header of the diag/ layer: oversmoothing diagnostics: smoothing
// metrics, spectra of the attention operators, reports.
#pragma once
#include "prism/diag/head_operators.hpp"
#include "prism/diag/report.hpp"
#include "prism/diag/smoothing.hpp"
#include "prism/diag/spectrum.hpp"
