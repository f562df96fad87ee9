// prism::nn: PyTorch-style modules. Include this one header for the whole layer.
#pragma once
#include "nn/attention.hpp"
#include "nn/block.hpp"
#include "nn/containers.hpp"
#include "nn/init.hpp"
#include "nn/layers.hpp"
#include "nn/mlp.hpp"
#include "nn/module.hpp"
#include "nn/probe.hpp"
