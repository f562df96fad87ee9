// Writing a SpectrumReport to a directory, as `prism spectrum` does:
//   spectrum.json        everything (diag/spectrum.hpp SpectrumReport::to_json)
//   smoothing.csv        layer,name,cos_sim,hc_dc,eff_rank,sigma_ratio,dirichlet (attention graph)
//   eig_h.csv            layer,head,index,re,im      the HS non-trivial eigenvalues of H_h
//   eig_ln.csv           layer,head,index,re,im      the same for P diag(gamma) H_h
//   attention_eigs.csv   layer,head,samples,mean_abs_lambda2,max_abs_lambda2,frac_complex
//   dominant_pair.csv    layer,head,applicable,cases,dc_h,tie_h,hf_h,share_dc_h,dc_ln,tie_ln,hf_ln,share_dc_ln
//   layers.csv           diag::layer_summaries: kind, operator, growth formula, spectrum range,
//                        negative LN gain shares, dominant-pair counts (text fields quoted)
//   ln_gains.csv         layer,negative_norm1,negative_norm2,size
//   eig_h.png, eig_ln.png   eigenvalues in the complex plane, coloured by layer
//   smoothing.png           cos_sim, HC/DC, effective rank against depth
// PNGs come from gnuplot's pngcairo terminal; without gnuplot a warning goes to stderr and the
// JSON/CSV files are still written.
#pragma once
#include <string>
#include <vector>

#include "prism/diag/spectrum.hpp"

namespace prism::diag {

struct ReportFiles {
    std::vector<std::string> written;  // paths, in writing order
    bool plots = false;                // the PNGs were made
};

ReportFiles write_spectrum_report(const SpectrumReport& rep, const std::string& out_dir, bool plots = true);

// True when `gnuplot` runs and offers the pngcairo terminal.
bool gnuplot_available();

// Feeds `script` to a gnuplot process; its exit status (0 = success, -1 = could not start).
int run_gnuplot(const std::string& script);

// A gnuplot single-quoted string literal ('it''s'), e.g. for file names.
std::string gnuplot_quote(const std::string& s);

}  // namespace prism::diag
