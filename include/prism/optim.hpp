// <prism/optim.hpp>: every public header of the optim/ layer: optimizers (SGD, AdamW), parameter
// groups, learning-rate schedules, gradient clipping.
#pragma once
#include "prism/optim/adamw.hpp"
#include "prism/optim/clip.hpp"
#include "prism/optim/optimizer.hpp"
#include "prism/optim/param_groups.hpp"
#include "prism/optim/schedule.hpp"
#include "prism/optim/sgd.hpp"
