// The valid values of a number given as text (a command-line option, an attention parameter):
// a range with a description that --help and error messages share,
//
//     number_in(0, 1, false, true).describe()  == "in [0, 1)"
//     number_at_least(0).check("nan")          == "'nan' is not valid: expected a finite number >= 0"
//
// Integers are written as decimal digits; reals must be finite. cli/options.hpp builds its
// option table from these; nn/attention_registry.hpp gives every attention parameter one.
#pragma once
#include <cstdint>
#include <limits>
#include <string>

namespace prism {

struct ValueRange {
    bool integer = true;
    std::int64_t int_lo = 0, int_hi = std::numeric_limits<std::int64_t>::max();
    double lo = 0, hi = 0;
    bool lo_open = false, hi_open = false, has_lo = true, has_hi = false;

    std::string describe() const;  // ">= 1", "in [1, 4096]", "finite, >= 0", "in [0, 1)"
    std::string expected() const;  // "an integer >= 1", "a finite number in [0, 1)"
    // "" when `text` is a valid value, else "'text' is not valid: expected ...".
    std::string check(const std::string& text) const;
    bool contains(double v) const;  // a real: finite and within the bounds
};

ValueRange integer_at_least(std::int64_t lo);
ValueRange integer_in(std::int64_t lo, std::int64_t hi);
ValueRange number_at_least(double lo, bool open = false);  // finite, >= lo (> lo when open)
ValueRange number_in(double lo, double hi, bool lo_open = false, bool hi_open = false);
ValueRange any_finite_number();

}  // namespace prism
