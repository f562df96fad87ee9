// Small file helpers of the study runner.
#pragma once
#include <string>

namespace prism::study {

// Writes `text` to a temp file beside `path`, flushes it and renames it over `path`, so a
// reader (or a restarted study) sees either the old file or the whole new one.
void write_file_atomic(const std::string& path, const std::string& text);

// A number for CSV: %.9g; "nan", "inf", "-inf" for non-finite values.
std::string csv_num(double v);

}  // namespace prism::study
