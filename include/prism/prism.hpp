// <prism/prism.hpp>: the whole public API in one include, for programs that embed prism.
// Each layer also has its own umbrella (<prism/nn.hpp>, <prism/optim.hpp>, ...), and every
// header can be included on its own as <prism/<layer>/<file>.hpp>. The layers, bottom up:
//   core -> ops -> autograd -> nn -> optim / data / io -> models -> dist -> train / diag -> study
#pragma once
#include "prism/core.hpp"
#include "prism/autograd.hpp"
#include "prism/nn.hpp"
#include "prism/optim.hpp"
#include "prism/io.hpp"
#include "prism/models.hpp"
#include "prism/data.hpp"
#include "prism/dist.hpp"
#include "prism/train.hpp"
#include "prism/diag.hpp"
#include "prism/study.hpp"
