// The transformer MLP: fc1 -> GELU -> dropout -> fc2 -> dropout (timm's Mlp). The two Linear
// children are named by the caller: timm uses fc1/fc2, the GPT family c_fc/c_proj.
#pragma once
#include <memory>
#include <string>

#include "prism/nn/layers.hpp"

namespace prism::nn {

struct MLPOptions {
    std::string fc1_name = "fc1", fc2_name = "fc2";
    bool bias = true;
    GeluApprox approximate = GeluApprox::None;
    double drop = 0.0;  // after the activation and after fc2
    Generator* gen = nullptr;
};

class MLP : public UnaryModule {
   public:
    // x (..., C) -> (..., hidden) -> (..., out); out <= 0 means out = C.
    MLP(std::int64_t C, std::int64_t hidden, std::int64_t out = -1, const MLPOptions& opts = {});
    Tensor forward(const Tensor& x) override;

    std::shared_ptr<Linear> fc1, fc2;
    std::shared_ptr<GELU> act;
    std::shared_ptr<Dropout> drop;
};

}  // namespace prism::nn
