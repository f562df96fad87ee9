// Printing tensors the way PyTorch does: nested brackets, 4 decimals for floats, and
// "..." in place of the middle of any dim longer than 6 once the tensor has over 1000
// elements.
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "prism/core/tensor.hpp"

namespace prism {

namespace {

struct Printer {
    const Tensor& t;
    bool summarize;
    std::ostringstream os;

    std::string element(std::int64_t off) {
        return dispatch(t.dtype(), [&](auto tag) -> std::string {
            using T = decltype(tag);
            const T v = static_cast<const T*>(t.storage()->data())[off];
            char buf[64];
            if constexpr (std::is_floating_point_v<T>) {
                if (std::isnan(v)) return "nan";
                if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
                const double a = std::fabs(static_cast<double>(v));
                if (a != 0 && (a >= 1e8 || a < 1e-4)) std::snprintf(buf, sizeof buf, "%.4e", static_cast<double>(v));
                else std::snprintf(buf, sizeof buf, "%.4f", static_cast<double>(v));
            } else {
                std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
            }
            return buf;
        });
    }

    void print(std::int64_t d, std::int64_t off, int indent) {
        if (t.dim() == 0) {
            os << element(off);
            return;
        }
        const std::int64_t n = t.shape()[d];
        const bool cut = summarize && n > 6;
        os << '[';
        for (std::int64_t i = 0; i < n; ++i) {
            if (cut && i == 3) {
                os << (d + 1 == t.dim() ? "..., " : "...,\n" + std::string(indent + 1, ' '));
                i = n - 3;
            }
            const std::int64_t o = off + i * t.strides()[d];
            if (d + 1 == t.dim()) os << element(o);
            else print(d + 1, o, indent + 1);
            if (i + 1 < n) os << (d + 1 == t.dim() ? ", " : ",\n" + std::string(indent + 1, ' '));
        }
        os << ']';
    }
};

}  // namespace

std::string Tensor::to_string() const {
    if (!defined()) return "tensor(undefined)";
    Printer p{*this, numel() > 1000, {}};
    p.os << "tensor(";
    p.print(0, offset(), 7);
    p.os << ", shape=" << shape_str(shape()) << ", dtype=" << dtype_name(dtype());
    if (requires_grad()) p.os << ", requires_grad=True";
    p.os << ')';
    return p.os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.to_string(); }

}  // namespace prism
