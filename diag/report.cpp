#include "prism/diag/report.hpp"
#include "prism/core/json.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "prism/core/error.hpp"

namespace prism::diag {

namespace {

std::string num(double v) {
    if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
    char b[64];
    std::snprintf(b, sizeof b, "%.9g", v);
    return b;
}

// RFC 4180 field: quoted, inner quotes doubled.
std::string csv_text(const std::string& v) {
    std::string o = "\"";
    for (char c : v) o += c == '"' ? std::string("\"\"") : std::string(1, c);
    return o + "\"";
}

struct Out {
    std::ofstream f;
    Out(const std::string& path, ReportFiles& files) : f(path) {
        PRISM_CHECK(f.good(), "spectrum", "cannot write ", path);
        files.written.push_back(path);
    }
};

void write_eigs(const std::string& path, const SpectrumReport& rep, bool ln, ReportFiles& files) {
    Out o(path, files);
    o.f << "layer,head,index,re,im\n";
    for (const auto& h : rep.heads_spectra) {
        const auto& e = ln ? h.eig_ln : h.eig_h;
        for (std::size_t i = 0; i < e.size(); ++i)
            o.f << h.layer << ',' << h.head << ',' << i << ',' << num(e[i].real()) << ',' << num(e[i].imag()) << '\n';
    }
}

}  // namespace

int run_gnuplot(const std::string& script) {
    FILE* p = popen("gnuplot 2>&1", "w");
    if (!p) return -1;
    std::fwrite(script.data(), 1, script.size(), p);
    return pclose(p);
}

std::string gnuplot_quote(const std::string& s) {
    std::string o = "'";
    for (char c : s) o += c == '\'' ? std::string("''") : std::string(1, c);
    return o + "'";
}

bool gnuplot_available() {
    return std::system("gnuplot -e \"set terminal pngcairo\" >/dev/null 2>&1") == 0;
}

ReportFiles write_spectrum_report(const SpectrumReport& rep, const std::string& out_dir, bool plots) {
    namespace fs = std::filesystem;
    fs::create_directories(out_dir);
    const fs::path d(out_dir);
    ReportFiles files;
    {
        Out o((d / "spectrum.json").string(), files);
        o.f << dump_json(rep.to_json(), 1) << '\n';
    }
    {
        Out o((d / "smoothing.csv").string(), files);
        o.f << "layer,name,cos_sim,hc_dc,eff_rank,sigma_ratio,dirichlet\n";
        for (const auto& l : rep.smoothing)
            o.f << l.layer << ',' << l.name << ',' << num(l.cos_sim) << ',' << num(l.hc_dc) << ','
                << num(l.eff_rank) << ',' << num(l.sigma_ratio) << ',' << num(l.dirichlet) << '\n';
    }
    write_eigs((d / "eig_h.csv").string(), rep, false, files);
    write_eigs((d / "eig_ln.csv").string(), rep, true, files);
    {
        Out o((d / "attention_eigs.csv").string(), files);
        o.f << "layer,head,samples,mean_abs_lambda2,max_abs_lambda2,frac_complex\n";
        for (const auto& a : rep.attention)
            o.f << a.layer << ',' << a.head << ',' << a.samples << ',' << num(a.mean_abs_lambda2) << ','
                << num(a.max_abs_lambda2) << ',' << num(a.frac_complex) << '\n';
    }
    {
        Out o((d / "dominant_pair.csv").string(), files);
        o.f << "layer,head,applicable,cases,dc_h,tie_h,hf_h,share_dc_h,dc_ln,tie_ln,hf_ln,share_dc_ln\n";
        for (const auto& a : rep.attention)
            o.f << a.layer << ',' << a.head << ',' << (a.applicable ? 1 : 0) << ',' << a.dom_h.total() << ','
                << a.dom_h.dc << ',' << a.dom_h.tie << ',' << a.dom_h.hf << ',' << num(a.share_h()) << ','
                << a.dom_ln.dc << ',' << a.dom_ln.tie << ',' << a.dom_ln.hf << ',' << num(a.share_ln()) << '\n';
    }
    {
        Out o((d / "layers.csv").string(), files);
        o.f << "layer,kind,h_operator,growth,eig_min,eig_max,eig_max_abs_imag,eig_ln_min,eig_ln_max,"
               "negative_gain_share_norm1,negative_gain_share_norm2,cases,dc_h,tie_h,hf_h,dc_ln,tie_ln,hf_ln\n";
        for (const auto& l : layer_summaries(rep))
            o.f << l.layer << ',' << csv_text(l.kind) << ',' << csv_text(l.h_operator) << ',' << csv_text(l.growth)
                << ',' << num(l.eig_min) << ',' << num(l.eig_max) << ',' << num(l.eig_max_abs_imag) << ','
                << num(l.eig_ln_min) << ',' << num(l.eig_ln_max) << ',' << num(l.negative_gain_share_norm1) << ','
                << num(l.negative_gain_share_norm2) << ',' << l.dominant_h.total() << ',' << l.dominant_h.dc << ','
                << l.dominant_h.tie << ',' << l.dominant_h.hf << ',' << l.dominant_ln.dc << ',' << l.dominant_ln.tie
                << ',' << l.dominant_ln.hf << '\n';
    }
    {
        Out o((d / "ln_gains.csv").string(), files);
        o.f << "layer,negative_norm1,negative_norm2,size\n";
        for (const auto& g : rep.ln_gains)
            o.f << g.layer << ',' << g.negative_norm1 << ',' << g.negative_norm2 << ',' << g.size << '\n';
    }
    if (!plots) return files;
    if (!gnuplot_available()) {
        std::cerr << "prism spectrum: warning: gnuplot with the pngcairo terminal not found; "
                     "wrote JSON and CSV only (apt-get install gnuplot-nox)\n";
        return files;
    }
    auto path = [&](const char* name) { return gnuplot_quote((d / name).string()); };
    std::string s = "set terminal pngcairo size 900,700 enhanced font 'sans,10'\nset datafile separator ','\n"
                    "set key off\nset grid\nset palette rgbformulae 33,13,10\nset cblabel 'layer'\n";
    const auto maxl = std::max<std::int64_t>(rep.depth - 1, 1);
    s += "set cbrange [0:" + std::to_string(maxl) + "]\n";
    for (auto [png, csv, title] : {std::tuple{"eig_h.png", "eig_h.csv", "non-trivial eigenvalues of H_h = W_V^h W_O^h"},
                                   std::tuple{"eig_ln.png", "eig_ln.csv", "non-trivial eigenvalues of P diag({/Symbol g}) H_h"}}) {
        s += "set output " + path(png) + "\nset title '" + title + " (colour = layer)'\n"
             "set xlabel 'Re {/Symbol l}'\nset ylabel 'Im {/Symbol l}'\n"
             "plot " + path(csv) + " every ::1 using 4:5:1 with points pt 7 ps 0.6 palette\n";
    }
    s += "unset colorbox\nset output " + path("smoothing.png") +
         "\nset multiplot layout 3,1 title 'smoothing against depth (layer 0 = embedding)'\nset xlabel 'layer'\n";
    for (auto [col, label] : {std::pair{3, "cos sim"}, std::pair{4, "HC / DC"}, std::pair{5, "effective rank"}})
        s += "set title ''\nset ylabel '" + std::string(label) + "'\nplot " + path("smoothing.csv") + " every ::1 using 1:" +
             std::to_string(col) + " with linespoints pt 7 lc rgb '#1f77b4'\n";
    s += "unset multiplot\nset output\n";
    const int rc = run_gnuplot(s);
    if (rc != 0) {
        std::cerr << "prism spectrum: warning: gnuplot failed (status " << rc << "); JSON and CSV are written\n";
        return files;
    }
    for (const char* png : {"eig_h.png", "eig_ln.png", "smoothing.png"}) files.written.push_back((d / png).string());
    files.plots = true;
    return files;
}

}  // namespace prism::diag
