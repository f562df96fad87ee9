// <prism/nn.hpp>: every public header of the nn/ layer: PyTorch-style modules: Module, Linear,
// LayerNorm, attention kinds, transformer blocks, probes.
#pragma once
#include "prism/nn/attention.hpp"
#include "prism/nn/attention_init.hpp"
#include "prism/nn/attention_kinds.hpp"
#include "prism/nn/attention_neutreno.hpp"
#include "prism/nn/attention_registry.hpp"
#include "prism/nn/attention_resformer.hpp"
#include "prism/nn/attention_rotate.hpp"
#include "prism/nn/attention_spectral.hpp"
#include "prism/nn/block.hpp"
#include "prism/nn/containers.hpp"
#include "prism/nn/init.hpp"
#include "prism/nn/layers.hpp"
#include "prism/nn/mlp.hpp"
#include "prism/nn/module.hpp"
#include "prism/nn/probe.hpp"
