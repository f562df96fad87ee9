// Language-model training and evaluation for models::GPT.
//
// One step:
//   x, y = sampler.batch(step, B)            data/text     (B, T) int64, windows from (seed, step)
//   loss = model.loss(x, y)                  models/gpt    mean cross-entropy over B*T tokens
//   opt.zero_grad(); loss.backward(); clip; opt.set_lr(schedule(step)); opt.step()
// Every eval_every steps: validation loss on eval_batches random validation windows (fixed
// seed, so the curve is comparable across steps), a short sample, last/best checkpoints.
// Resume is exact: the batch order is a pure function of (seed, step) and TrainState holds
// the step and the default generator. The loop around the step (out dir, resume, the step
// itself, checkpoints, --max-steps) is train/loop.hpp's TrainLoop; this file keeps the
// batches, the evaluations and the samples.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "prism/data/text.hpp"
#include "prism/data/tokenizer.hpp"
#include "prism/models/gpt.hpp"
#include "prism/train/loop.hpp"

namespace prism::train {

// The loop's settings (out_dir, resume, overwrite, skip_nonfinite, grad_clip, max_steps,
// save_every, verbose, after_backward, comm, dist) are in LoopOptions (train/loop.hpp): there
// save_every 0 saves last.safetensors at evaluations only, max_steps -1 runs to `steps`. With
// several ranks every rank draws the same global batch of windows and trains on its
// micro-batches of it; rank 0 alone also prints the samples.
struct LMOptions : LoopOptions {
    // Defaults: gpt-micro on KJV in under 10 minutes on 2 cores (~22k tokens/s: 2500 steps of
    // 32 x 128 tokens, ~2.6 passes over the training split). With lr 3e-3 a 1200-step run ended
    // at 1.50 nats/char validation loss and a 2800-step run at 1.36; see README "Language model".
    std::int64_t steps = 2500, batch_size = 32;
    double lr = 3e-3, min_lr = 1e-4, weight_decay = 0.1;
    std::int64_t warmup_steps = 100;
    std::int64_t eval_every = 250;     // 0: only at the end
    std::int64_t eval_batches = 16;    // validation windows per estimate = eval_batches * batch_size
    std::int64_t log_every = 10;
    std::int64_t sample_tokens = 160;  // printed at each evaluation (0: none)
    std::uint64_t seed = 1337;
    // Settings a resume must match besides the model config and what fit_lm stores itself
    // (batch size, seed, schedule, token counts and a hash of the tokens): run_gpt adds the text.
    nlohmann::json run_config = nlohmann::json::object();
};

struct LMEvalResult {
    double loss = 0;           // nats per token
    double bits_per_char = 0;  // total nats / ln 2 / characters predicted
    std::int64_t tokens = 0, chars = 0;
};

struct LMFitResult {
    std::int64_t steps = 0;
    bool finished = false;     // reached `steps` (false when stopped by max_steps)
    double best_val_loss = -1, last_val_loss = -1;
    double seconds = 0, tokens_per_s = 0;
    std::int64_t nonfinite_skipped = 0;  // steps skipped for a non-finite loss/gradient (whole run)
};

// The whole split in deterministic non-overlapping windows (data::eval_windows).
LMEvalResult evaluate_lm(models::GPT& model, const std::vector<std::int32_t>& tokens, const data::Tokenizer& tok,
                         std::int64_t batch_size = 32);

// The model's config (with the tokenizer) goes into the checkpoints' "config" metadata, the
// settings a resume must match (lm_resume_settings) into train_state "run".
LMFitResult fit_lm(models::GPT& model, const data::TextSplit& split, const data::Tokenizer& tok,
                   const LMOptions& opts);

// opts.run_config plus batch size, seed, schedule (lr, min_lr, warm-up steps, weight decay,
// clip) and the data (token counts, a hash of the tokens); not the number of steps.
nlohmann::json lm_resume_settings(const LMOptions& opts, const data::TextSplit& split);

// A whole `prism train gpt` run: corpus, tokenizer, preset + overrides, training.
struct GptRunOptions {
    std::string text = "kjv";        // "kjv" or a file
    std::string tokenizer = "char";  // "char" | "byte"
    std::string preset = "gpt-micro";
    std::optional<std::int64_t> context, dim, depth, heads, mlp_dim;
    std::optional<models::AttentionSpec> attention;
    std::optional<bool> qkv_bias;          // unset keeps the preset's (true)
    std::optional<std::string> init;       // "default" | "matched" (models::GPTConfig::init)
    std::optional<double> init_norm;
    bool tied_embeddings = false;
    double val_fraction = 0.1;
    LMOptions train;
};

struct GptRunResult {
    models::GPTConfig config;
    LMFitResult fit;
    std::int64_t train_tokens = 0, val_tokens = 0;
};

GptRunResult run_gpt(const GptRunOptions& o);

}  // namespace prism::train
