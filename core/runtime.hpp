// Runtime settings: how many threads prism uses and which BLIS kernels it runs.
//
// Threads. Default: all cores. PRISM_NUM_THREADS or set_num_threads (the CLI's --threads)
// change it. One policy, so two runtimes never fight over the cores: oneTBB owns the
// threads; BLIS (Debian's OpenMP build) is always called with one thread, and big GEMMs are
// split into blocks that TBB runs in parallel (ops/gemm.cpp).
//
// BLIS kernels. Debian's BLIS 0.9 does not recognise recent CPUs and falls back to its slow
// `generic` kernels. Before the first BLIS call prism reads the CPU's features and sets
// BLIS_ARCH_TYPE to the numeric id of the best sub-configuration compiled into Debian's
// build (skx for AVX-512, zen3/haswell for AVX2). A value the user already set wins.
#pragma once
#include <string>

namespace prism::runtime {

// Checks the environment variables prism reads: PRISM_NUM_THREADS (an integer in [1, 4096]) and
// BLIS_ARCH_TYPE (a BLIS arch id in [0, BLIS_NUM_ARCHS); BLIS aborts the process on others).
// Throws prism::Error "NAME: 'value' is not valid: expected ..." for a bad one.
void check_environment();

int num_threads();
void set_num_threads(int n);  // n <= 0 means all cores
void ensure_thread_limit();   // applies the limit to TBB (called by parallel_for)

struct BlisChoice {
    int id = -1;             // value of BLIS_ARCH_TYPE in force; -1 = BLIS's own detection
    std::string name;        // sub-configuration BLIS reports, e.g. "skx"
    std::string source;      // "auto (avx512f,dq,bw,vl)", "user (BLIS_ARCH_TYPE=3)", ...
};

// Chooses and applies the BLIS sub-configuration once; every BLIS caller goes through it.
const BlisChoice& init_blis();

std::string simd_arch();      // xsimd instruction set compiled in, e.g. "avx512bw"
std::string compiler();       // "g++ 12.2.0"
std::string version();        // prism version

}  // namespace prism::runtime
