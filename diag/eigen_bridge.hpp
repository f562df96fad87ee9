// Internal to diag/: moving 2-d tensors to and from Eigen (the spectra use Eigen's solvers).
#pragma once
#include <Eigen/Dense>

#include "prism/core/tensor.hpp"

namespace prism::diag::detail {

using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// t (R, C), any float dtype and strides -> a row-major float64 Eigen copy.
inline RowMat to_eigen(const Tensor& t) {
    const auto v = t.to_vector<double>();  // a row-major copy; reads data only, records nothing
    return Eigen::Map<const RowMat>(v.data(), t.size(0), t.size(1));
}

// m (R, C) -> a fresh float64 tensor (R, C).
inline Tensor from_eigen(const RowMat& m) {
    Tensor t = Tensor::empty({m.rows(), m.cols()}, kFloat64);
    Eigen::Map<RowMat>(t.data<double>(), m.rows(), m.cols()) = m;
    return t;
}

}  // namespace prism::diag::detail
