// Checkpoints: one safetensors file holding a model, its config and (optionally) everything
// needed to resume training exactly.
//
//   tensors   the model's state_dict by PyTorch/timm/nanoGPT names ("blocks.0.attn.qkv.weight"),
//             and the optimizer's moments under "optim." names
//   metadata  "config"       the model's config as a JSON string (enough to rebuild the model)
//             "train_state"  JSON: step, epoch, loader position, RNG states, best metric, steps
//                            skipped as non-finite, and "run": the training settings --resume
//                            must match (train/train_state.hpp, train/resume_check.hpp)
//             "format"       "prism-checkpoint-1"
//
// A file written by PyTorch (safetensors.torch.save_file(model.state_dict())) with a "config"
// entry loads here; a prism checkpoint loads into PyTorch by name (ignore the "optim." keys).
// Writes are atomic (io/safetensors.hpp), so a crash never destroys the previous checkpoint.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "prism/core/tensor.hpp"
#include "prism/nn/module.hpp"

namespace prism::io {

struct Checkpoint {
    nlohmann::json config;        // null when the file has no "config"
    nlohmann::json train_state;   // null when the file has no "train_state"
    nn::StateDict model;          // every tensor not under "optim."
    std::vector<std::pair<std::string, Tensor>> optim;  // the "optim." tensors
    std::string path;
};

void save_checkpoint(const std::string& path, const nn::Module& model, const nlohmann::json& config,
                     const std::vector<std::pair<std::string, Tensor>>& optim_state = {},
                     const nlohmann::json& train_state = nullptr);

// Validates the file (io::load_safetensors) and parses the JSON metadata; errors name the file.
Checkpoint load_checkpoint(const std::string& path);

}  // namespace prism::io
