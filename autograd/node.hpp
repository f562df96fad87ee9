// Node: one recorded operation on the autograd tape.
//
// Every differentiable function does its forward work with an ops/ kernel and then, when
// grad mode is on and some input requires grad, calls record() with a backward closure.
// The closure gets dL/d(output) and returns dL/d(input) for each input, in order (an
// undefined Tensor where an input gets no gradient). It must capture what it needs by value
// and must never capture the output itself (that would be a reference cycle): capture
// out.detach() instead, which shares the data but not the history.
#pragma once
#include <functional>
#include <vector>

#include "prism/core/tensor.hpp"

namespace prism {

using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

struct Node {
    const char* name = "";       // the operation, e.g. "matmul"
    std::vector<Tensor> inputs;  // the tensors the output was computed from (graph edges)
    BackwardFn backward;
};

// Attach a Node to `out` if grad mode is on and any input requires grad; returns out.
Tensor record(const char* name, Tensor out, std::vector<Tensor> inputs, BackwardFn backward);

// True when record() would attach a node for these inputs.
bool needs_grad(const std::vector<Tensor>& inputs);

}  // namespace prism
