// <prism/autograd.hpp>: every public header of the autograd/ layer: the differentiable functional
// API (prism::matmul, prism::cross_entropy, ...), the tape, no_grad, gradcheck.
#pragma once
#include "prism/autograd/backward_hooks.hpp"
#include "prism/autograd/fn_elementwise.hpp"
#include "prism/autograd/fn_linalg.hpp"
#include "prism/autograd/fn_nn.hpp"
#include "prism/autograd/functions.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/autograd/gradcheck.hpp"
#include "prism/autograd/node.hpp"
