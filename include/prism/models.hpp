// <prism/models.hpp>: every public header of the models/ layer: the Vision Transformer and the GPT
// language model, their configs and presets.
#pragma once
#include "prism/models/attention_spec.hpp"
#include "prism/models/gpt.hpp"
#include "prism/models/vit.hpp"
