// <prism/study.hpp>: every public header of the study/ layer: the oversmoothing study runner, its
// report, tables and plots.
#pragma once
#include "prism/study/estimate.hpp"
#include "prism/study/init_check.hpp"
#include "prism/study/layer_spectra.hpp"
#include "prism/study/lm_study.hpp"
#include "prism/study/oversmoothing.hpp"
#include "prism/study/stats.hpp"
#include "prism/study/study_files.hpp"
#include "prism/study/study_plots.hpp"
#include "prism/study/study_report.hpp"
