#include "prism/core/timers.hpp"

#include <mutex>

namespace prism::timers {

namespace {
struct Registry {
    std::mutex mu;
    std::map<std::string, double> totals;
    std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
};
Registry& registry() {
    static Registry* r = new Registry();  // never destroyed: storage may be freed after statics
    return *r;
}
}  // namespace

void enable(bool on) {
    detail::g_enabled.store(on, std::memory_order_relaxed);
    mark();
}

void reset() {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    r.totals.clear();
    r.last = std::chrono::steady_clock::now();
}

void add(const std::string& label, double seconds) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    r.totals[label] += seconds;
}

void lap(const char* prefix, const char* name) {
    Registry& r = registry();
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(r.mu);
    r.totals[std::string(prefix) + name] += std::chrono::duration<double>(now - r.last).count();
    r.last = now;
}

void mark() {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    r.last = std::chrono::steady_clock::now();
}

std::map<std::string, double> totals() {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    return r.totals;
}

}  // namespace prism::timers
