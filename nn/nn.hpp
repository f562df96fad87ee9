// prism::nn: PyTorch-style modules. Include this one header for the whole layer.
#pragma once
#include "prism/nn/attention.hpp"
#include "prism/nn/block.hpp"
#include "prism/nn/containers.hpp"
#include "prism/nn/init.hpp"
#include "prism/nn/layers.hpp"
#include "prism/nn/mlp.hpp"
#include "prism/nn/module.hpp"
#include "prism/nn/probe.hpp"
