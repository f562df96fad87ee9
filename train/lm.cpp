#include "prism/train/lm.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "prism/autograd/functions.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/optim/adamw.hpp"
#include "prism/optim/schedule.hpp"
#include "prism/train/loop.hpp"
#include "prism/train/out_dir.hpp"
#include "prism/train/progress.hpp"
#include "prism/train/resume_check.hpp"

namespace prism::train {

namespace {

// Mean loss over n_batches random validation windows drawn with a fixed seed.
double estimate_loss(models::GPT& model, const data::WindowSampler& val, std::int64_t n_batches, std::int64_t B) {
    NoGradGuard no_grad;
    const bool was = model.is_training();
    model.eval();
    double sum = 0;
    for (std::int64_t i = 0; i < n_batches; ++i) {
        auto [x, y] = val.batch(i, B);
        sum += model.loss(x, y).item();
    }
    model.train(was);
    return n_batches > 0 ? sum / n_batches : 0.0;
}

std::string sample_text(models::GPT& model, const data::Tokenizer& tok, std::int64_t n, std::uint64_t seed) {
    models::SampleOptions so;
    so.max_new_tokens = n;
    so.temperature = 0.8;
    so.top_k = 0;
    so.seed = seed;
    // start from a newline when the vocabulary has one, else token 0
    std::int32_t start = 0;
    if (tok.kind() == data::Tokenizer::Kind::Byte) start = '\n';
    else
        for (std::size_t i = 0; i < tok.vocab().size(); ++i)
            if (tok.vocab()[i] == U'\n') start = static_cast<std::int32_t>(i);
    return tok.decode(models::generate(model, {start}, so));
}

}  // namespace

LMEvalResult evaluate_lm(models::GPT& model, const std::vector<std::int32_t>& tokens, const data::Tokenizer& tok,
                         std::int64_t batch_size) {
    NoGradGuard no_grad;
    const bool was = model.is_training();
    model.eval();
    const std::int64_t T = model.config.context_length;
    const auto windows = data::eval_windows(static_cast<std::int64_t>(tokens.size()), T);
    CrossEntropyOptions ce;
    ce.reduction = Reduction::Sum;
    LMEvalResult r;
    double nats = 0;
    for (std::size_t w0 = 0; w0 < windows.size();) {
        // batch consecutive windows of the same length (all but possibly the last)
        const std::int64_t len = windows[w0].second;
        std::size_t w1 = w0;
        while (w1 < windows.size() && windows[w1].second == len && static_cast<std::int64_t>(w1 - w0) < batch_size) ++w1;
        const auto B = static_cast<std::int64_t>(w1 - w0);
        std::vector<std::int64_t> x(static_cast<std::size_t>(B * len)), y(x.size());
        for (std::int64_t b = 0; b < B; ++b) {
            const std::int64_t s = windows[w0 + b].first;
            for (std::int64_t t = 0; t < len; ++t) {
                x[b * len + t] = tokens[s + t];
                y[b * len + t] = tokens[s + t + 1];
                r.chars += tok.starts_char(tokens[s + t + 1]);
            }
        }
        Tensor logits = model.forward(Tensor::from_vector(x, {B, len}));
        nats += cross_entropy(logits.reshape({B * len, model.config.vocab_size}), Tensor::from_vector(y, {B * len}), ce)
                    .item();
        r.tokens += B * len;
        w0 = w1;
    }
    model.train(was);
    if (r.tokens > 0) r.loss = nats / r.tokens;
    if (r.chars > 0) r.bits_per_char = nats / std::log(2.0) / r.chars;
    return r;
}

nlohmann::json lm_resume_settings(const LMOptions& opts, const data::TextSplit& split) {
    nlohmann::json run = opts.run_config.is_object() ? opts.run_config : nlohmann::json::object();
    const std::uint64_t h = hash_bytes(split.train.data(), split.train.size() * sizeof(split.train[0]));
    run["data"] = {{"train_tokens", split.train.size()},
                   {"val_tokens", split.val.size()},
                   {"hash", hash_hex(split.val.data(), split.val.size() * sizeof(split.val[0]), h)}};
    run["batch_size"] = opts.batch_size;
    run["seed"] = opts.seed;
    run["lr"] = opts.lr;
    run["min_lr"] = opts.min_lr;
    run["weight_decay"] = opts.weight_decay;
    run["warmup_steps"] = opts.warmup_steps;
    run["grad_clip"] = opts.grad_clip;
    return run;
}

namespace {

// The "eval" record at the current step: the smoothed training loss, the validation loss (and
// best.safetensors when it is the lowest so far, never a NaN), a sample printed by rank 0.
nlohmann::json evaluate_now(TrainLoop& loop, models::GPT& model, const std::optional<data::WindowSampler>& val,
                            const data::Tokenizer& tok, const LMOptions& opts, double train_loss, double secs,
                            Progress& bar) {
    TrainState& st = loop.state();
    nlohmann::json rec = {{"type", "eval"}, {"step", st.step}, {"train_loss", train_loss}, {"seconds", secs}};
    if (st.nonfinite_skipped > 0) rec["nonfinite_skipped"] = st.nonfinite_skipped;
    if (val) {
        const double vl = estimate_loss(model, *val, opts.eval_batches, opts.batch_size);
        rec["val_loss"] = vl;
        if (std::isfinite(vl) && (st.best_metric < 0 || vl < st.best_metric)) {  // never a NaN "best"
            st.best_metric = vl;
            loop.save_best();
        }
        if (loop.verbose()) bar.finish(Error::cat("step ", st.step, ": train loss ", train_loss, ", val loss ", vl));
    }
    if (opts.sample_tokens > 0 && loop.verbose()) {
        const std::string s = sample_text(model, tok, opts.sample_tokens, opts.seed + st.step);
        std::printf("---- sample ----\n%s\n----------------\n", s.c_str());
        rec["sample"] = s;
    }
    std::fflush(stdout);
    return rec;
}

}  // namespace

LMFitResult fit_lm(models::GPT& model, const data::TextSplit& split, const data::Tokenizer& tok,
                   const LMOptions& opts) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::int64_t T = model.config.context_length, B = opts.batch_size;
    data::WindowSampler train_s(split.train, T, opts.seed, "training split");
    std::optional<data::WindowSampler> val_s;
    if (static_cast<std::int64_t>(split.val.size()) > T)
        val_s.emplace(split.val, T, opts.seed ^ 0x5eed5eedULL, "validation split");
    const optim::WarmupCosineLR schedule(opts.lr, std::min(opts.warmup_steps, opts.steps), opts.steps, opts.min_lr);

    model.train();
    optim::AdamWOptions ao;
    ao.lr = opts.lr;
    ao.weight_decay = opts.weight_decay;
    ao.beta2 = 0.99;  // nanoGPT (small batches)
    optim::AdamW opt(optim::default_param_groups(model.named_parameters(), opts.weight_decay), ao);
    // Prepares opts.out_dir; with opts.resume, continues from last.safetensors.
    TrainLoop loop(model, opt, optim::as_schedule(schedule), opts, model.config.to_json(),
                   lm_resume_settings(opts, split));

    LMFitResult res;
    Progress bar("train", opts.steps, "tokens", loop.step());  // loop.step() > 0 when resumed
    double shown = 0;                                           // smoothed training loss
    std::int64_t tokens = 0;
    const std::int64_t first_step = loop.step();
    const auto loop_t0 = std::chrono::steady_clock::now();
    while (loop.step() < opts.steps && !loop.max_steps_reached()) {
        auto [x, y] = train_s.batch(loop.step(), B);  // (B, T) each: the global batch, the same on every rank
        // the mean loss over rows [lo, hi) of the batch
        const StepResult s = loop.train_step(B, 1, [&](std::int64_t lo, std::int64_t hi, double*) {
            return model.loss(x.narrow(0, lo, hi - lo), y.narrow(0, lo, hi - lo));
        });
        tokens += B * T;
        if (s.updated) shown = loop.step() == first_step + 1 || shown == 0 ? s.loss : 0.9 * shown + 0.1 * s.loss;
        if (loop.verbose()) bar.update(loop.step(), tokens, shown);
        const double secs = seconds_since(loop_t0);
        if (s.updated && loop.every(opts.log_every))
            loop.log_step(s, {{"tokens_per_s", secs > 0 ? tokens / secs : 0.0}});
        if (loop.every(opts.eval_every) || loop.step() >= opts.steps) {
            const nlohmann::json rec = evaluate_now(loop, model, val_s, tok, opts, shown, secs, bar);
            if (rec.contains("val_loss")) res.last_val_loss = rec["val_loss"].get<double>();
            loop.log(rec);
            loop.save_last();
        } else if (loop.every(opts.save_every) || loop.max_steps_reached()) {
            loop.save_last();  // a resumable point between evaluations (or where max_steps stops the run)
        }
    }
    res.finished = loop.step() >= opts.steps;
    if (!val_s && res.finished) loop.save_best();
    res.steps = loop.step();
    res.nonfinite_skipped = loop.state().nonfinite_skipped;
    res.best_val_loss = loop.state().best_metric;
    res.seconds = seconds_since(t0);
    const double loop_secs = seconds_since(loop_t0);
    res.tokens_per_s = loop_secs > 0 ? tokens / loop_secs : 0.0;
    return res;
}

GptRunResult run_gpt(const GptRunOptions& o) {
    if (!o.train.comm || o.train.comm->is_main())  // refuse before loading the text
        prepare_out_dir(o.train.out_dir, o.train.resume, o.train.overwrite, o.train.verbose);
    const data::Corpus corpus = data::load_corpus(o.text);
    const data::Tokenizer tok = data::Tokenizer::make(o.tokenizer, corpus.text, corpus.name);
    const auto ids = tok.encode(corpus.text, corpus.name);
    models::GPTConfig cfg = models::GPTConfig::preset(o.preset);
    if (o.context) cfg.context_length = *o.context;
    if (o.dim) cfg.dim = *o.dim;
    if (o.depth) cfg.depth = *o.depth;
    if (o.heads) cfg.heads = *o.heads;
    if (o.mlp_dim) cfg.mlp_dim = *o.mlp_dim;
    if (o.attention) cfg.attention = *o.attention;
    if (o.qkv_bias) cfg.qkv_bias = *o.qkv_bias;
    if (o.init) cfg.init = *o.init;
    if (o.init_norm) cfg.init_norm = *o.init_norm;
    cfg.tied_embeddings = o.tied_embeddings;
    cfg.vocab_size = tok.vocab_size();
    cfg.tokenizer = tok.to_json();
    if (static_cast<std::int64_t>(ids.size()) < cfg.context_length + 1)
        throw Error("text", corpus.name, ": ", ids.size(), " tokens is shorter than one context window of ",
                    cfg.context_length + 1, " tokens");
    cfg.validate();
    cfg.check_memory(o.train.batch_size, /*training=*/true);  // before allocating anything large
    const data::TextSplit split = data::split_tokens(ids, o.val_fraction);
    LMOptions train = o.train;
    train.run_config["text"] = corpus.name;
    train.run_config["val_fraction"] = o.val_fraction;
    manual_seed(o.train.seed);
    models::GPT model(cfg);
    if (o.train.verbose)
        std::printf("%s: %zu tokens (%s tokenizer, vocab %lld), train %zu / val %zu; %s, %lld parameters\n",
                    corpus.name.c_str(), ids.size(), tok.kind_name().c_str(), static_cast<long long>(tok.vocab_size()),
                    split.train.size(), split.val.size(), o.preset.c_str(),
                    static_cast<long long>(model.num_parameters()));
    GptRunResult r;
    r.config = cfg;
    r.train_tokens = static_cast<std::int64_t>(split.train.size());
    r.val_tokens = static_cast<std::int64_t>(split.val.size());
    r.fit = fit_lm(model, split, tok, train);
    return r;
}

}  // namespace prism::train
