#include "prism/core/error.hpp"

namespace prism {

namespace {
thread_local std::vector<std::string> module_stack;
}

std::string Error::make(const char* op, const std::string& detail) {
    std::string path = ModulePath::current();
    std::string out;
    if (!path.empty()) out = path + ": ";
    out += op;
    if (!detail.empty()) out += ": " + detail;
    return out;
}

ModulePath::ModulePath(const std::string& name) { module_stack.push_back(name); }
ModulePath::~ModulePath() { module_stack.pop_back(); }

std::string ModulePath::current() {
    std::string out;
    for (const auto& s : module_stack) {
        if (s.empty()) continue;
        if (!out.empty()) out += '.';
        out += s;
    }
    return out;
}

}  // namespace prism
