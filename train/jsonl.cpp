#include "prism/train/jsonl.hpp"
#include "prism/core/json.hpp"

#include "prism/core/error.hpp"

#include <cstdio>
#include <filesystem>

namespace prism::train {

namespace {

// Cuts `path` back to `keep` bytes when it is longer; returns its length afterwards (0 if absent).
std::int64_t cut_back(const std::string& path, std::int64_t keep) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(path, ec)) return 0;
    const auto size = static_cast<std::int64_t>(fs::file_size(path, ec));
    if (ec) throw Error("log", "cannot read the size of ", path, ": ", ec.message());
    if (keep < 0 || size <= keep) {
        if (keep > size)  // the log lost records the checkpoint saw (edited or replaced by hand)
            std::fprintf(stderr, "prism: warning: %s is shorter (%lld bytes) than when the checkpoint was saved (%lld)\n",
                         path.c_str(), static_cast<long long>(size), static_cast<long long>(keep));
        return size;
    }
    fs::resize_file(path, static_cast<std::uintmax_t>(keep), ec);
    if (ec) throw Error("log", "cannot cut ", path, " back to ", keep, " bytes for --resume: ", ec.message());
    return keep;
}

}  // namespace

JsonlLog::JsonlLog(const std::string& path, std::int64_t keep_bytes) : path_(path) {
    bytes_ = cut_back(path, keep_bytes);
    out_.open(path, std::ios::app);
    if (!out_) throw Error("log", "cannot open ", path, " for writing");
}

void JsonlLog::write(const nlohmann::json& record) {
    if (!out_.is_open()) return;
    const std::string line = dump_json(record) + '\n';
    out_ << line;
    out_.flush();
    if (!out_) throw Error("log", "write to ", path_, " failed");
    bytes_ += static_cast<std::int64_t>(line.size());
}

}  // namespace prism::train
