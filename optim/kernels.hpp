// The optimizer updates over flat float32 buffers: one fused pass reads and writes each
// element once (param, grad, moments), where PyTorch's per-tensor loop makes ~6 passes.
//
// Every update has a vectorised kernel (xsimd, split across cores by parallel_for) and a
// plain reference loop beside it. Both evaluate the same float32 expressions in PyTorch
// 1.13's order (no fma contraction), so they agree bit for bit, and agree with
// torch.optim.AdamW / SGD to float32 rounding.
#pragma once
#include <cstdint>

namespace prism::optim {

// Per-step scalars, computed in double like PyTorch's Python code, then rounded to float.
struct AdamWScalars {
    float decay;          // 1 - lr * weight_decay (decoupled decay, applied first)
    float beta1, one_minus_beta1;
    float beta2, one_minus_beta2;
    float bias_correction2_sqrt;  // sqrt(1 - beta2^step)
    float eps;
    float neg_step_size;  // -lr / (1 - beta1^step)
    static AdamWScalars make(double lr, double beta1, double beta2, double eps, double weight_decay,
                             std::int64_t step);  // step >= 1: the step being taken
};

// p, g, m, v: n floats each. After the call (t = step):
//   p = p * (1 - lr wd);  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
void adamw_update(float* p, const float* g, float* m, float* v, std::int64_t n, const AdamWScalars& s);
void adamw_update_ref(float* p, const float* g, float* m, float* v, std::int64_t n, const AdamWScalars& s);

struct SGDScalars {
    float lr, momentum, one_minus_dampening, weight_decay;
    bool nesterov;
    bool first;  // the momentum buffer does not exist yet: it starts as the gradient
    static SGDScalars make(double lr, double momentum, double dampening, double weight_decay, bool nesterov,
                           bool first);
};

// torch.optim.SGD (1.13): d = g + wd p; if momentum: buf = first ? d : mom buf + (1 - damp) d,
// d = nesterov ? d + mom buf : buf; p = p - lr d. buf may be null when momentum == 0.
void sgd_update(float* p, const float* g, float* buf, std::int64_t n, const SGDScalars& s);
void sgd_update_ref(float* p, const float* g, float* buf, std::int64_t n, const SGDScalars& s);

}  // namespace prism::optim
