// The differentiable functional API: prism::matmul(a, b), prism::softmax(x, -1), a + b, ...
// Each function computes with an ops/ kernel and records an autograd node (autograd/node.hpp).
// Names and conventions follow PyTorch (torch.* and torch.nn.functional.*).
#pragma once
#include "prism/autograd/fn_elementwise.hpp"
#include "prism/autograd/fn_linalg.hpp"
#include "prism/autograd/fn_nn.hpp"
