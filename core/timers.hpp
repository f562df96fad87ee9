// A lightweight timer registry for `prism bench`: wall time accumulated per label.
//
// Off unless a benchmark turns it on (timers::enable); when off, every hook is one relaxed
// atomic load and a branch. Labels: "forward/<op>" (time since the previous forward op ended,
// charged to the op recorded on the autograd tape, see autograd/engine.cpp), "backward/<op>"
// (each node's backward closure), "alloc" (Storage allocation and release). Single-threaded
// callers only (the thread that runs forward/backward); TBB workers inside kernels never call it.
#pragma once
#include <atomic>
#include <chrono>
#include <map>
#include <string>

namespace prism::timers {

namespace detail {
inline std::atomic<bool> g_enabled{false};
}

inline bool enabled() { return detail::g_enabled.load(std::memory_order_relaxed); }
void enable(bool on);
void reset();                                   // clear totals and restart the forward lap
void add(const std::string& label, double seconds);
void lap(const char* prefix, const char* name);  // charge now - last lap to prefix + name
void mark();                                    // restart the lap without charging anything
std::map<std::string, double> totals();         // label -> seconds

// Adds its lifetime to `label` when timers are on.
class Scope {
   public:
    explicit Scope(const char* label) : label_(label), on_(enabled()) {
        if (on_) t0_ = std::chrono::steady_clock::now();
    }
    Scope(const char* prefix, const char* name) : label_(name), prefix_(prefix), on_(enabled()) {
        if (on_) t0_ = std::chrono::steady_clock::now();
    }
    ~Scope() {
        if (on_)
            add(prefix_ ? std::string(prefix_) + label_ : std::string(label_),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count());
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    const char* label_;
    const char* prefix_ = nullptr;
    bool on_;
    std::chrono::steady_clock::time_point t0_;
};

}  // namespace prism::timers
