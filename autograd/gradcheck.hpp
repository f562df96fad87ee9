// gradcheck: compare autograd's gradients with central finite differences, in float64.
//
//     auto x = Tensor::randn({3, 4}, gen, kFloat64).requires_grad_();
//     auto r = gradcheck([](const std::vector<Tensor>& in) { return prism::tanh(in[0]); }, {x});
//     BOOST_TEST(r.ok, r.report);
//
// The output y is projected onto a fixed random tensor w (seeded), so one backward pass
// with grad_output = w gives d<y, w>/d(inputs); each input element is then nudged by +-eps
// and <y, w> recomputed. Inputs may be non-contiguous leaves (e.g. a transposed detach()).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "prism/core/tensor.hpp"

namespace prism {

struct GradcheckOptions {
    double eps = 1e-6;
    double atol = 1e-6;
    double rtol = 1e-4;
    std::uint64_t seed = 1234;
};

struct GradcheckResult {
    bool ok = true;
    double max_abs_error = 0;  // over all checked elements
    std::string report;        // the first mismatches, with input index and element
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Tensor>& inputs, const GradcheckOptions& opts = {});

}  // namespace prism
