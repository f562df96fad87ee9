#include "prism/core/runtime.hpp"

#include <blis.h>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <xsimd/xsimd.hpp>

#include "prism/core/error.hpp"

#ifndef PRISM_VERSION
#define PRISM_VERSION "dev"
#endif

namespace prism::runtime {

namespace {

int detect_cores() {
    const int n = tbb::info::default_concurrency();
    return n > 0 ? n : 1;
}

constexpr long kMaxThreads = 4096;

// The integer value of environment variable `name` within [lo, hi]; `fallback` when unset.
long env_integer(const char* name, long lo, long hi, long fallback) {
    const char* env = std::getenv(name);
    if (!env) return fallback;
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(env, &end, 10);
    if (end == env || *end != '\0' || errno == ERANGE || v < lo || v > hi)
        throw Error(name, "'", env, "' is not valid: expected an integer in [", lo, ", ", hi, "]");
    return v;
}

int initial_threads() {
    return static_cast<int>(env_integer("PRISM_NUM_THREADS", 1, kMaxThreads, detect_cores()));
}

struct ThreadState {
    int threads = initial_threads();
    std::unique_ptr<tbb::global_control> control;
    int applied = 0;
};

ThreadState& threads_state() {
    static ThreadState s;
    return s;
}

}  // namespace

void check_environment() {
    env_integer("PRISM_NUM_THREADS", 1, kMaxThreads, 1);
    env_integer("BLIS_ARCH_TYPE", 0, BLIS_NUM_ARCHS - 1, 0);
}

int num_threads() { return threads_state().threads; }

void set_num_threads(int n) {
    auto& s = threads_state();
    s.threads = n <= 0 ? detect_cores() : n;
    ensure_thread_limit();
}

void ensure_thread_limit() {
    auto& s = threads_state();
    if (s.applied == s.threads) return;
    s.control.reset();
    s.control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                      static_cast<std::size_t>(s.threads));
    s.applied = s.threads;
}

const BlisChoice& init_blis() {
    static BlisChoice choice;
    static std::once_flag once;
    std::call_once(once, [] {
        if (const char* user = std::getenv("BLIS_ARCH_TYPE")) {
            choice.id = static_cast<int>(env_integer("BLIS_ARCH_TYPE", 0, BLIS_NUM_ARCHS - 1, 0));
            choice.source = std::string("user (BLIS_ARCH_TYPE=") + user + ")";
        } else {
            __builtin_cpu_init();
            // ids from BLIS 0.9's arch_t enum (blis.h); only these are compiled into Debian's build
            if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
                choice.id = BLIS_ARCH_SKX;
                choice.source = "auto (avx512f,dq,bw,vl)";
            } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
                const bool amd = __builtin_cpu_is("amd");
                choice.id = amd ? BLIS_ARCH_ZEN3 : BLIS_ARCH_HASWELL;
                choice.source = amd ? "auto (avx2,fma on AMD)" : "auto (avx2,fma)";
            } else {
                choice.source = "auto (no AVX2: BLIS's own detection)";
            }
            if (choice.id >= 0) setenv("BLIS_ARCH_TYPE", std::to_string(choice.id).c_str(), 1);
        }
        bli_init();
        bli_thread_set_num_threads(1);  // TBB owns the cores; see the header
        choice.name = bli_arch_string(bli_arch_query_id());
    });
    return choice;
}

std::string simd_arch() { return xsimd::default_arch::name(); }

std::string compiler() {
#if defined(__clang__)
    return "clang++ " __clang_version__;
#elif defined(__GNUC__)
    return "g++ " __VERSION__;
#else
    return "unknown";
#endif
}

std::string version() { return PRISM_VERSION; }

}  // namespace prism::runtime
