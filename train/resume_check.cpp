#include "prism/train/resume_check.hpp"

#include <cstdio>
#include <cstring>
#include <map>

#include "prism/train/out_dir.hpp"

namespace prism::train {

namespace {

using json = nlohmann::json;

// {"a": {"b": 1}, "c": [1, 2]} -> {"a.b": 1, "c": [1, 2]}
void flatten(const json& j, const std::string& prefix, std::map<std::string, json>& out) {
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it)
            flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    } else if (!prefix.empty()) {
        out[prefix] = j;
    }
}

std::string show(const json& v) {
    std::string s = v.dump();
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

// Appends "field: checkpoint A, now B" for every field of `now` that `stored` holds with
// another value; names of fields `stored` lacks go to `unchecked`.
void compare(const json& stored, const json& now, std::vector<std::string>& diffs, std::vector<std::string>& unchecked) {
    std::map<std::string, json> s, n;
    flatten(stored, "", s);
    flatten(now, "", n);
    for (const auto& [key, value] : n) {
        const auto it = s.find(key);
        if (it == s.end()) unchecked.push_back(key);
        else if (it->second != value)
            diffs.push_back(key + ": " + show(it->second) + " in the checkpoint, " + show(value) + " now");
    }
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

}  // namespace

std::vector<std::string> check_resume_settings(const std::string& path, const json& stored_config,
                                               const json& stored_run, const json& config, const json& run) {
    std::vector<std::string> diffs, notes;
    std::vector<std::string> unchecked_config, unchecked_run;
    if (!config.is_null()) {
        if (stored_config.is_null()) notes.push_back("the model config (the checkpoint has no \"config\")");
        else compare(stored_config, config, diffs, unchecked_config);
    }
    if (!run.is_null()) {
        if (stored_run.is_null()) {
            std::map<std::string, json> n;
            flatten(run, "", n);
            for (const auto& kv : n) unchecked_run.push_back(kv.first);
        } else {
            compare(stored_run, run, diffs, unchecked_run);
        }
    }
    if (!diffs.empty())
        throw RunConflict("train", "--resume: ", path, " was trained with other settings: ", join(diffs, "; "),
                          ". Resume with the same settings, or pass --overwrite to start afresh");
    if (!unchecked_config.empty()) notes.push_back("model config fields " + join(unchecked_config, ", "));
    if (!unchecked_run.empty()) notes.push_back("training settings " + join(unchecked_run, ", "));
    return notes;
}

std::uint64_t hash_bytes(const void* data, std::size_t bytes, std::uint64_t seed) {
    // 8 bytes at a time through a splitmix64-style mix; the tail byte by byte (FNV-1a step).
    const auto* p = static_cast<const unsigned char*>(data);
    std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ seed ^ (bytes * 0xff51afd7ed558ccdULL);
    std::size_t i = 0;
    for (; i + 8 <= bytes; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        h ^= w;
        h *= 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 31;
    }
    for (; i < bytes; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 29;
    return h;
}

std::string hash_hex(const void* data, std::size_t bytes, std::uint64_t seed) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash_bytes(data, bytes, seed)));
    return buf;
}

}  // namespace prism::train
