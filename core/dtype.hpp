// dtype: the element types a prism tensor can hold.
//
// float32 is the default for everything that trains; float64 exists so that
// finite-difference gradient checks are accurate; int32/int64 hold indices
// (token ids, class labels).
#pragma once
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

namespace prism {

enum class DType : std::uint8_t { Float32, Float64, Int32, Int64 };

inline constexpr DType kFloat32 = DType::Float32;
inline constexpr DType kFloat64 = DType::Float64;
inline constexpr DType kInt32 = DType::Int32;
inline constexpr DType kInt64 = DType::Int64;

constexpr std::size_t itemsize(DType t) {
    switch (t) {
        case DType::Float32: return 4;
        case DType::Float64: return 8;
        case DType::Int32: return 4;
        case DType::Int64: return 8;
    }
    return 0;
}

constexpr bool is_floating(DType t) { return t == DType::Float32 || t == DType::Float64; }

// PyTorch spelling: "float32", "int64", ...
const char* dtype_name(DType t);
inline std::ostream& operator<<(std::ostream& os, DType t) { return os << dtype_name(t); }

// C++ type -> DType, used by Tensor::data<T>() to check what the caller expects.
template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };
template <> struct dtype_of<std::int32_t> { static constexpr DType value = DType::Int32; };
template <> struct dtype_of<std::int64_t> { static constexpr DType value = DType::Int64; };

// Call f with a value of the C++ type that matches t: dispatch(t, [&](auto tag){ using T = decltype(tag); ... }).
template <class F> decltype(auto) dispatch(DType t, F&& f) {
    switch (t) {
        case DType::Float32: return f(float{});
        case DType::Float64: return f(double{});
        case DType::Int32: return f(std::int32_t{});
        case DType::Int64: return f(std::int64_t{});
    }
    return f(float{});
}

// The same, for the two floating types only (the caller checks is_floating first).
template <class F> decltype(auto) dispatch_floating(DType t, F&& f) {
    if (t == DType::Float64) return f(double{});
    return f(float{});
}

}  // namespace prism
