// JsonlLog: one JSON object per line, appended and flushed as training goes (metrics.jsonl).
#pragma once
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace prism::train {

class JsonlLog {
   public:
    JsonlLog() = default;
    // Opens `path` for appending (a resumed run continues the same file); throws prism::Error.
    // keep_bytes >= 0 (a resume: the log's length when the checkpoint was saved) first cuts the
    // file back to that length, dropping what the interrupted run logged after its last save.
    explicit JsonlLog(const std::string& path, std::int64_t keep_bytes = -1);
    void write(const nlohmann::json& record);
    bool is_open() const { return out_.is_open(); }
    // Bytes in the file so far (stored in each checkpoint's TrainState::log_bytes); -1 when closed.
    std::int64_t bytes() const { return out_.is_open() ? bytes_ : -1; }

   private:
    std::ofstream out_;
    std::string path_;
    std::int64_t bytes_ = 0;
};

}  // namespace prism::train
