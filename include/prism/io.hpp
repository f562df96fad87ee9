// <prism/io.hpp>: every public header of the io/ layer: safetensors files and checkpoints (model +
// training state) with PyTorch/timm/nanoGPT names.
#pragma once
#include "prism/io/checkpoint.hpp"
#include "prism/io/safetensors.hpp"
