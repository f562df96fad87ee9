#include "prism/core/value_range.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace prism {

namespace {

std::string num(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
}

}  // namespace

std::string ValueRange::describe() const {
    if (integer) {
        if (int_hi == std::numeric_limits<std::int64_t>::max()) return ">= " + std::to_string(int_lo);
        return "in [" + std::to_string(int_lo) + ", " + std::to_string(int_hi) + "]";
    }
    if (!has_lo && !has_hi) return "finite";
    if (!has_hi) return std::string("finite, ") + (lo_open ? "> " : ">= ") + num(lo);
    return std::string("in ") + (lo_open ? "(" : "[") + num(lo) + ", " + num(hi) + (hi_open ? ")" : "]");
}

std::string ValueRange::expected() const {
    if (integer) return "an integer " + describe();
    if (!has_lo && !has_hi) return "a finite number";
    if (!has_hi) return "a finite number " + describe().substr(8);  // drop "finite, "
    return "a number " + describe();
}

bool ValueRange::contains(double v) const {
    if (!std::isfinite(v)) return false;
    if (has_lo && (lo_open ? !(v > lo) : !(v >= lo))) return false;
    if (has_hi && (hi_open ? !(v < hi) : !(v <= hi))) return false;
    return true;
}

std::string ValueRange::check(const std::string& text) const {
    const std::string bad = "'" + text + "' is not valid: expected " + expected();
    const char* b = text.data();
    const char* e = b + text.size();
    if (integer) {
        std::int64_t v = 0;
        const auto [p, ec] = std::from_chars(b, e, v);
        if (text.empty() || ec == std::errc::result_out_of_range) return bad;
        if (ec != std::errc() || p != e) return bad;
        return v < int_lo || v > int_hi ? bad : "";
    }
    if (text.empty()) return bad;
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(b, &end);
    return end == e && contains(v) ? "" : bad;
}

ValueRange integer_at_least(std::int64_t lo) {
    ValueRange r;
    r.int_lo = lo;
    return r;
}

ValueRange integer_in(std::int64_t lo, std::int64_t hi) {
    ValueRange r;
    r.int_lo = lo;
    r.int_hi = hi;
    return r;
}

ValueRange number_at_least(double lo, bool open) {
    ValueRange r;
    r.integer = false;
    r.lo = lo;
    r.lo_open = open;
    return r;
}

ValueRange number_in(double lo, double hi, bool lo_open, bool hi_open) {
    ValueRange r = number_at_least(lo, lo_open);
    r.hi = hi;
    r.hi_open = hi_open;
    r.has_hi = true;
    return r;
}

ValueRange any_finite_number() {
    ValueRange r;
    r.integer = false;
    r.has_lo = false;
    return r;
}

}  // namespace prism
