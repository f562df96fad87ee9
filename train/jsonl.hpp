// JsonlLog: one JSON object per line, appended and flushed as training goes (metrics.jsonl).
#pragma once
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace prism::train {

class JsonlLog {
   public:
    JsonlLog() = default;
    // Opens `path` for appending (a resumed run continues the same file); throws prism::Error.
    explicit JsonlLog(const std::string& path);
    void write(const nlohmann::json& record);
    bool is_open() const { return out_.is_open(); }

   private:
    std::ofstream out_;
    std::string path_;
};

}  // namespace prism::train
