#include "prism/core/dtype.hpp"

namespace prism {

const char* dtype_name(DType t) {
    switch (t) {
        case DType::Float32: return "float32";
        case DType::Float64: return "float64";
        case DType::Int32: return "int32";
        case DType::Int64: return "int64";
    }
    return "?";
}

}  // namespace prism
