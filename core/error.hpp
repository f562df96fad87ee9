// prism::Error: every user mistake (bad shape, bad file, bad option) becomes one of these,
// never an abort. The message names the operation and every operand shape:
//
//     blocks.3.mlp.fc1: linear: input (128, 50, 190), weight (768, 192): ...
//
// The leading module path comes from ModulePath, a per-thread stack that nn::Module pushes
// while its forward runs, so kernels deep below need not know where they were called from.
#pragma once
#include <exception>
#include <sstream>
#include <string>
#include <vector>

namespace prism {

class Error : public std::exception {
   public:
    // Error("matmul", "(2, 3) @ (4, 5): inner dimensions 3 != 4") -> "matmul: (2, 3) @ ..."
    template <class... Args>
    explicit Error(const char* op, const Args&... parts) : msg_(make(op, cat(parts...))) {}

    const char* what() const noexcept override { return msg_.c_str(); }

    template <class... Args> static std::string cat(const Args&... parts) {
        std::ostringstream os;
        (os << ... << parts);
        return os.str();
    }

   private:
    static std::string make(const char* op, const std::string& detail);
    std::string msg_;
};

// Per-thread stack of module names ("blocks", "3", "mlp", "fc1") that prefixes errors.
class ModulePath {
   public:
    explicit ModulePath(const std::string& name);  // push
    ~ModulePath();                                 // pop
    ModulePath(const ModulePath&) = delete;
    ModulePath& operator=(const ModulePath&) = delete;
    static std::string current();  // "blocks.3.mlp.fc1", or "" outside any module
};

}  // namespace prism

// PRISM_CHECK(cond, "op", parts...): throw prism::Error(op, parts...) unless cond holds.
#define PRISM_CHECK(cond, op, ...)                     \
    do {                                               \
        if (!(cond)) throw ::prism::Error(op, __VA_ARGS__); \
    } while (0)
