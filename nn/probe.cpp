#include "prism/nn/probe.hpp"

namespace prism::nn {

namespace {

// Backtracking glob over [p, pe) and [s, se); '*' stops at '.', "**" does not.
bool match(const char* p, const char* pe, const char* s, const char* se) {
    while (p < pe) {
        if (*p == '*') {
            const bool deep = p + 1 < pe && p[1] == '*';
            const char* rest = p + (deep ? 2 : 1);
            for (const char* t = s;; ++t) {
                if (match(rest, pe, t, se)) return true;
                if (t == se || (!deep && *t == '.')) return false;
            }
        }
        if (s == se) return false;
        if (*p != '?' && *p != *s) return false;
        if (*p == '?' && *s == '.') return false;
        ++p;
        ++s;
    }
    return s == se;
}

}  // namespace

bool glob_match(const std::string& pattern, const std::string& name) {
    return match(pattern.data(), pattern.data() + pattern.size(), name.data(), name.data() + name.size());
}

bool ProbeSet::matches(const std::string& name) const {
    for (const auto& p : patterns_)
        if (glob_match(p, name)) return true;
    return false;
}

void ProbeSet::offer(const std::string& name, const Tensor& t) {
    if (matches(name)) captured_[name] = t.detach();
}

Tensor ProbeSet::get(const std::string& name) const {
    auto it = captured_.find(name);
    if (it != captured_.end()) return it->second;
    std::string have;
    for (const auto& [k, v] : captured_) have += (have.empty() ? "" : ", ") + k;
    throw Error("ProbeSet::get", "nothing captured as '", name, "'; captured: [", have, "]");
}

}  // namespace prism::nn
