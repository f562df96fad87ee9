// The records of one "type" in a metrics.jsonl file, in file order (training-loop tests).
#pragma once
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace prism::test {

inline std::vector<nlohmann::json> jsonl_records(const std::string& path, const std::string& type) {
    std::vector<nlohmann::json> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        auto j = nlohmann::json::parse(line);
        if (j.value("type", "") == type) out.push_back(j);
    }
    return out;
}

}  // namespace prism::test
