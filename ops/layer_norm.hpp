// Layer norm over the last dim (PyTorch semantics: biased variance, eps inside the sqrt).
// One fused forward saves mean and rstd per row; one fused backward gives dx, dweight, dbias.
#pragma once
#include <cstdint>

#include "prism/core/tensor.hpp"

namespace prism::ops {

struct LayerNormResult {
    Tensor y;     // x.shape
    Tensor mean;  // (R) with R = numel / C
    Tensor rstd;  // (R), 1 / sqrt(var + eps)
};
// x (..., C), weight/bias (C) or undefined.
LayerNormResult layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps);

struct LayerNormGrads {
    Tensor dx, dweight, dbias;  // dweight/dbias undefined when weight/bias were
};
LayerNormGrads layer_norm_backward(const Tensor& gy, const Tensor& x, const Tensor& weight, const Tensor& bias,
                                   const Tensor& mean, const Tensor& rstd);

// Raw kernels on contiguous x (R, C); w/b may be null. dw/db may be null (not wanted).
namespace ref {
template <class T>
void layer_norm_rows(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, std::int64_t R, std::int64_t C, T eps);
template <class T>
void layer_norm_rows_backward(const T* gy, const T* x, const T* w, const T* mean, const T* rstd, T* dx, T* dw, T* db,
                              std::int64_t R, std::int64_t C);
}  // namespace ref

template <class T>
void layer_norm_rows(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd, std::int64_t R, std::int64_t C, T eps);
template <class T>
void layer_norm_rows_backward(const T* gy, const T* x, const T* w, const T* mean, const T* rstd, T* dx, T* dw, T* db,
                              std::int64_t R, std::int64_t C);

}  // namespace prism::ops
