#include "prism/study/study_files.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

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

}  // namespace prism::study
