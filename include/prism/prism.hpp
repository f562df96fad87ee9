// The umbrella header for programs that embed prism: #include <prism/prism.hpp>
#pragma once
#include "prism/autograd/functions.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/autograd/gradcheck.hpp"
#include "prism/autograd/node.hpp"
#include "prism/core/rng.hpp"
#include "prism/core/runtime.hpp"
#include "prism/core/tensor.hpp"
