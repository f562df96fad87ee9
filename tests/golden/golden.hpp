// Golden tests: tensors computed by PyTorch (tests/golden/gen_*.py), committed as small
// safetensors files, compared against prism. CI needs no PyTorch to run them.
#pragma once
#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "../helpers.hpp"
#include "prism/io/safetensors.hpp"

namespace prism::test {

class Golden {
   public:
    // path is relative to the source tree, e.g. "tests/golden/ops.safetensors".
    explicit Golden(const std::string& rel_path) : path_(std::string(PRISM_SOURCE_DIR) + "/" + rel_path) {
        for (auto& [k, t] : io::load_safetensors(path_).tensors) map_.emplace(k, t);
    }

    // A fresh copy (so tests may mark it requires_grad); throws naming the file and key.
    Tensor operator[](const std::string& key) const {
        auto it = map_.find(key);
        if (it == map_.end()) throw Error("golden", path_, ": no tensor '", key, "' (regenerate the file?)");
        return it->second.clone();
    }
    Tensor leaf(const std::string& key) const { return (*this)[key].requires_grad_(); }
    const std::map<std::string, Tensor>& all() const { return map_; }

   private:
    std::string path_;
    std::map<std::string, Tensor> map_;
};

// The whole map at once, for tests that prefer it.
inline std::map<std::string, Tensor> load_golden(const std::string& rel_path) { return Golden(rel_path).all(); }

// max|actual - expected| <= tol * max(1, max|expected|): absolute near 0, relative for big values.
inline void check_close(const std::string& what, const Tensor& actual, const Tensor& expected, double tol) {
    BOOST_TEST_CONTEXT(what) {
        BOOST_REQUIRE_MESSAGE(actual.defined(), what + ": undefined (no gradient reached it?)");
        BOOST_REQUIRE_MESSAGE(actual.shape() == expected.shape(),
                              what + ": shape " + shape_str(actual.shape()) + " vs golden " + shape_str(expected.shape()));
        BOOST_CHECK_MESSAGE(actual.dtype() == expected.dtype(), what + ": dtype " + dtype_name(actual.dtype()) +
                                                                    " vs golden " + dtype_name(expected.dtype()));
        double scale = 1.0;
        for (double v : expected.to_vector<double>()) scale = std::max(scale, std::fabs(v));
        const double err = max_abs_diff(actual, expected);
        BOOST_CHECK_MESSAGE(err <= tol * scale, Error::cat(what, ": max abs diff ", err, " > ", tol * scale));
    }
}

inline double golden_tol(DType t) { return t == kFloat64 ? 1e-10 : 1e-5; }

}  // namespace prism::test
