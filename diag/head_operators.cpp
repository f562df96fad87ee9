#include "prism/diag/head_operators.hpp"

#include <Eigen/Dense>

#include "prism/core/error.hpp"
#if __has_include("nn/attention_kinds.hpp")
#include "prism/nn/attention_kinds.hpp"
#define PRISM_DIAG_SHARED_HEAD_OPERATORS 1
#endif

namespace prism::diag {

namespace {
using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
RowMat to_eigen(const Tensor& t) {
    const auto v = t.detach().to_vector<double>();
    return Eigen::Map<const RowMat>(v.data(), t.size(0), t.size(1));
}
}  // namespace

std::vector<Tensor> standard_head_operators(const nn::MultiHeadSelfAttention& a) {
    const std::int64_t C = a.dim, NH = a.heads, HS = a.head_size;
    const Tensor& wqkv = a.qkv->weight;
    const Tensor& wo = a.proj->weight;
    PRISM_CHECK(wqkv.dim() == 2 && wqkv.size(0) == 3 * C && wqkv.size(1) == C && wo.dim() == 2 && wo.size(0) == C &&
                    wo.size(1) == C,
                "standard_head_operators", "qkv.weight ", shape_str(wqkv.shape()), ", proj.weight ",
                shape_str(wo.shape()), ": expected (", 3 * C, ", ", C, ") and (", C, ", ", C, ")");
    const RowMat W = to_eigen(wqkv), O = to_eigen(wo);
    std::vector<Tensor> out;
    for (std::int64_t h = 0; h < NH; ++h) {
        // (C, HS) @ (HS, C)
        RowMat H = W.block(2 * C + h * HS, 0, HS, C).transpose() * O.block(0, h * HS, C, HS).transpose();
        Tensor t = Tensor::empty({C, C}, kFloat64);
        Eigen::Map<RowMat>(t.data<double>(), C, C) = H;
        out.push_back(t);
    }
    return out;
}

std::vector<Tensor> head_operators_of(const nn::Attention& attn) {
#ifdef PRISM_DIAG_SHARED_HEAD_OPERATORS
    return nn::head_operators(attn);
#else
    // TODO(diag): remove this branch once nn/attention_kinds.hpp is committed.
    const auto* m = dynamic_cast<const nn::MultiHeadSelfAttention*>(&attn);
    if (m && m->qkv && m->proj && m->qkv->weight.dim() == 2 && m->qkv->weight.size(0) == 3 * m->dim)
        return standard_head_operators(*m);
    throw Error("head_operators", "attention kind '", attn.kind(),
                "' has no standard qkv/proj layout and does not expose per-head operators yet");
#endif
}

}  // namespace prism::diag
