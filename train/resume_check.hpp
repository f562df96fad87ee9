// --resume compares what a checkpoint was trained with against what the command line asks
// for now, so a resumed run is never silently a different experiment.
//
// Two JSON objects are compared, field by field (nested objects by dotted name, e.g.
// "attention.kind"; arrays as a whole):
//   config  the model's config (checkpoint metadata "config"): sizes, attention kind and its
//           options, dropout, tokenizer, input normalisation, class names;
//   run     the training settings (train_state "run", written since 2026-12): data identity
//           (dataset or text name, sample/token counts, a hash of the data), batch size,
//           seed, schedule (lr, min_lr, warm-up, weight decay, clip, label smoothing), ...
// Settings that may change on resume (epochs or steps to extend a run, max_steps, save_every,
// threads, logging, skip_nonfinite) are in neither.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace prism::train {

// Throws RunConflict (train/out_dir.hpp) naming every differing field with both values.
// Fields the checkpoint does not store (an older file) cannot be checked: they are returned
// as notes ("run settings (batch_size, lr, ...)"), for the caller to print.
std::vector<std::string> check_resume_settings(const std::string& path, const nlohmann::json& stored_config,
                                               const nlohmann::json& stored_run, const nlohmann::json& config,
                                               const nlohmann::json& run);

// A 64-bit hash of bytes as 16 hex digits (data identity; not cryptographic).
std::string hash_hex(const void* data, std::size_t bytes, std::uint64_t seed = 0);
std::uint64_t hash_bytes(const void* data, std::size_t bytes, std::uint64_t seed = 0);

}  // namespace prism::train
