#include "prism/study/study_files.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>

#include "prism/core/error.hpp"

namespace prism::study {

void write_file_atomic(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        PRISM_CHECK(f.good(), "study", "cannot write ", tmp);
        f << text;
        f.flush();
        PRISM_CHECK(f.good(), "study", "writing ", tmp, " failed");
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    PRISM_CHECK(!ec, "study", "cannot rename ", tmp, " to ", path, ": ", ec.message());
}

std::string csv_num(double v) {
    if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
    char b[64];
    std::snprintf(b, sizeof b, "%.9g", v);
    return b;
}

nlohmann::json read_json(const std::string& path, const char* op) {
    std::ifstream f(path);
    PRISM_CHECK(f.good(), op, "cannot read ", path);
    try {
        return nlohmann::json::parse(f);
    } catch (const nlohmann::json::exception& e) {
        throw Error(op, path, ": ", e.what());
    }
}

double json_num(const nlohmann::json& j) {
    return j.is_number() ? j.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

nlohmann::json layer_to_json(const diag::LayerSmoothing& l) {
    return {{"layer", l.layer},       {"name", l.name},         {"cos_sim", l.cos_sim}, {"hc_dc", l.hc_dc},
            {"eff_rank", l.eff_rank}, {"sigma_ratio", l.sigma_ratio}, {"dirichlet", l.dirichlet}};
}

diag::LayerSmoothing layer_from_json(const nlohmann::json& j) {
    diag::LayerSmoothing s;
    s.layer = j.at("layer");
    s.name = j.at("name");
    s.cos_sim = json_num(j.at("cos_sim"));
    s.hc_dc = json_num(j.at("hc_dc"));
    s.eff_rank = json_num(j.at("eff_rank"));
    s.sigma_ratio = json_num(j.at("sigma_ratio"));
    s.dirichlet = json_num(j.at("dirichlet"));
    return s;
}

}  // namespace prism::study
