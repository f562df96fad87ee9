#include "prism/train/jsonl.hpp"
#include "prism/core/json.hpp"

#include "prism/core/error.hpp"

namespace prism::train {

JsonlLog::JsonlLog(const std::string& path) : out_(path, std::ios::app), path_(path) {
    if (!out_) throw Error("log", "cannot open ", path, " for writing");
}

void JsonlLog::write(const nlohmann::json& record) {
    if (!out_.is_open()) return;
    out_ << dump_json(record) << '\n';
    out_.flush();
    if (!out_) throw Error("log", "write to ", path_, " failed");
}

}  // namespace prism::train
