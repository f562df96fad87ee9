// Small file helpers of the study runner.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "prism/diag/smoothing.hpp"

namespace prism::study {

// Writes `text` to a temp file beside `path`, flushes it and renames it over `path`, so a
// reader (or a restarted study) sees either the old file or the whole new one.
void write_file_atomic(const std::string& path, const std::string& text);

// A number for CSV: %.9g; "nan", "inf", "-inf" for non-finite values.
std::string csv_num(double v);

// Parses the JSON file at `path`; errors name `op` and the file.
nlohmann::json read_json(const std::string& path, const char* op);

// A stored number: JSON has no NaN/inf, nlohmann writes them as null, read back here as NaN.
double json_num(const nlohmann::json& j);

// One layer's smoothing measures in a run's results.json, and back.
nlohmann::json layer_to_json(const diag::LayerSmoothing& l);
diag::LayerSmoothing layer_from_json(const nlohmann::json& j);

}  // namespace prism::study
