#include "prism/train/out_dir.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace prism::train {

namespace fs = std::filesystem;

namespace {

constexpr const char* kRunFiles[] = {"last.safetensors", "best.safetensors", "metrics.jsonl"};
constexpr const char* kCheckpoints[] = {"last.safetensors", "best.safetensors"};

// `name` is `<target>.tmp-` followed by the six characters mkstemp puts in place of XXXXXX.
bool is_save_temporary(const std::string& name) {
    for (const char* target : kCheckpoints) {
        const std::string prefix = std::string(target) + ".tmp-";
        if (name.size() != prefix.size() + 6 || name.compare(0, prefix.size(), prefix) != 0) continue;
        bool ok = true;
        for (std::size_t i = prefix.size(); i < name.size(); ++i) {
            const char c = name[i];
            ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
        }
        if (ok) return true;
    }
    return false;
}

}  // namespace

bool holds_previous_run(const std::string& dir) {
    if (dir.empty()) return false;
    for (const char* f : kRunFiles)
        if (fs::exists(fs::path(dir) / f)) return true;
    return false;
}

std::vector<std::string> prepare_out_dir(const std::string& dir, bool resume, bool overwrite, bool verbose) {
    std::vector<std::string> removed;
    if (dir.empty()) return removed;
    if (resume && overwrite)
        throw RunConflict("train", "--resume and --overwrite contradict each other: --resume continues the run in ",
                          dir, ", --overwrite replaces it");
    if (!resume && !overwrite && holds_previous_run(dir)) {
        std::string found;
        for (const char* f : kRunFiles)
            if (fs::exists(fs::path(dir) / f)) found += (found.empty() ? "" : ", ") + std::string(f);
        throw RunConflict("train", dir, " holds a previous run (", found,
                          "): pass --resume to continue it, or --overwrite to replace it (or choose another --out)");
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error("train", "cannot create the out dir ", dir, ": ", ec.message());
    if (overwrite) {
        for (const char* f : kCheckpoints) {
            fs::remove(fs::path(dir) / f, ec);
            if (ec) throw Error("train", "--overwrite: cannot remove ", (fs::path(dir) / f).string(), ": ", ec.message());
        }
        const std::string metrics = (fs::path(dir) / "metrics.jsonl").string();
        if (fs::exists(metrics)) {
            std::ofstream truncate(metrics, std::ios::trunc);
            if (!truncate) throw Error("train", "--overwrite: cannot empty ", metrics);
        }
    }
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (!entry.is_regular_file() || !is_save_temporary(name)) continue;
        fs::remove(entry.path(), ec);
        if (ec) continue;
        removed.push_back(name);
        if (verbose) std::printf("removed %s, left by an interrupted save\n", entry.path().c_str());
    }
    return removed;
}

}  // namespace prism::train
