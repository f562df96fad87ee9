// Generator: a seeded, counter-based random number generator (Philox 4x32-10).
//
// Element i of a draw is a pure function of (seed, offset + i), so a stream of random
// numbers is the same whether one thread or eight fill it, and the whole generator state
// is two integers that a checkpoint can save (state()/set_state()).
#pragma once
#include <array>
#include <cstdint>

namespace prism {

class Generator {
   public:
    explicit Generator(std::uint64_t seed = 0) : seed_(seed) {}

    void manual_seed(std::uint64_t seed) { seed_ = seed; offset_ = 0; }
    std::uint64_t seed() const { return seed_; }

    // The four 32-bit words Philox produces for counter value `counter` (no state change).
    std::array<std::uint32_t, 4> block(std::uint64_t counter) const;

    // Fill out[0..n) and advance the counter by n.
    void uniform(float* out, std::int64_t n);   // U[0, 1)
    void uniform(double* out, std::int64_t n);
    void normal(float* out, std::int64_t n);    // N(0, 1), Box-Muller
    void normal(double* out, std::int64_t n);

    double next_double();                         // U[0, 1)
    std::uint64_t next_u64();
    std::int64_t randint(std::int64_t n);         // uniform in [0, n), n > 0

    struct State {
        std::uint64_t seed = 0, offset = 0;
    };
    State state() const { return {seed_, offset_}; }
    void set_state(State s) { seed_ = s.seed; offset_ = s.offset; }

   private:
    std::uint64_t seed_ = 0;
    std::uint64_t offset_ = 0;  // counters consumed so far
};

// The process-wide default generator (what nn initialisers use unless given one).
Generator& default_generator();
void manual_seed(std::uint64_t seed);

}  // namespace prism
