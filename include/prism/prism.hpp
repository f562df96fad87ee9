// The umbrella header for programs that embed prism: #include <prism/prism.hpp>
#pragma once
#include "autograd/functions.hpp"
#include "autograd/grad_mode.hpp"
#include "autograd/gradcheck.hpp"
#include "autograd/node.hpp"
#include "core/rng.hpp"
#include "core/runtime.hpp"
#include "core/tensor.hpp"
