// `prism train gpt`, `prism eval gpt`, `prism sample`: the language-model commands.
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>

#include "prism/autograd/grad_mode.hpp"
#include "prism/core/json.hpp"
#include "attention_options.hpp"
#include "commands.hpp"
#include "dist_options.hpp"
#include "options.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/train/lm.hpp"
#include "prism/train/out_dir.hpp"

namespace prism::cli {

namespace {

struct TrainGptArgs {
    train::GptRunOptions run;
    std::int64_t context = 0, dim = 0, depth = 0, heads = 0, mlp_dim = 0;
    AttentionFlags attention;  // --attention, --attention-layers, --alpha, ... (cli/attention_options.hpp)
    int threads = 0;
    DistArgs dist;
};

struct LoadedGpt {
    std::unique_ptr<models::GPT> model;
    data::Tokenizer tok;
};

LoadedGpt load_gpt(const std::string& path) {
    io::Checkpoint ck = io::load_checkpoint(path);
    if (ck.config.is_null()) throw Error("checkpoint", path, " has no \"config\" metadata: cannot rebuild the model");
    auto cfg = models::GPTConfig::from_json(ck.config);
    if (cfg.tokenizer.is_null()) throw Error("checkpoint", path, ": config has no \"tokenizer\"");
    LoadedGpt g{std::make_unique<models::GPT>(cfg), data::Tokenizer::from_json(cfg.tokenizer)};
    if (g.tok.vocab_size() != cfg.vocab_size)
        throw Error("checkpoint", path, ": tokenizer has ", g.tok.vocab_size(), " symbols, vocab_size is ", cfg.vocab_size);
    g.model->load_state_dict(ck.model);
    g.model->eval();
    return g;
}

}  // namespace

void register_gpt(CLI::App& app, CLI::App* train_cmd, CLI::App* eval_cmd) {
    // ---- prism train gpt ----
    auto* a = command_state<TrainGptArgs>();
    a->run.train.out_dir = "runs/gpt";
    auto& o = a->run;
    auto* tg = train_cmd->add_subcommand("gpt", "train a GPT language model on a text file");
    tg->add_option("--text", o.text, "kjv (King James Bible, cached) or a UTF-8 text file")->capture_default_str();
    tg->add_option("--tokenizer", o.tokenizer, "char | byte")->capture_default_str();
    tg->add_option("--preset", o.preset, "gpt-micro | gpt-mini | gpt-small")->capture_default_str();
    tg->add_option("--context", a->context, "context length (overrides the preset)");
    tg->add_option("--dim", a->dim, "embedding width");
    tg->add_option("--depth", a->depth, "number of blocks");
    tg->add_option("--heads", a->heads, "attention heads");
    tg->add_option("--mlp-dim", a->mlp_dim, "MLP hidden width");
    add_attention_options(tg, a->attention, nn::Task::Language);
    add_init_options(tg, o.qkv_bias, o.init, o.init_norm);
    tg->add_flag("--tied", o.tied_embeddings, "tie lm_head to the token embedding");
    tg->add_option("--steps", o.train.steps)->capture_default_str();
    tg->add_option("--batch-size", o.train.batch_size)->capture_default_str();
    tg->add_option("--lr", o.train.lr, "peak learning rate")->capture_default_str();
    tg->add_option("--min-lr", o.train.min_lr, "cosine floor")->capture_default_str();
    tg->add_option("--weight-decay", o.train.weight_decay)->capture_default_str();
    tg->add_option("--warmup-steps", o.train.warmup_steps)->capture_default_str();
    tg->add_option("--grad-clip", o.train.grad_clip, "global L2 norm clip (0 = off)")->capture_default_str();
    tg->add_option("--eval-every", o.train.eval_every, "validation loss + sample every N steps")->capture_default_str();
    tg->add_option("--val-fraction", o.val_fraction, "last fraction of the text held out")->capture_default_str();
    tg->add_option("--seed", o.train.seed)->capture_default_str();
    tg->add_option("--threads", a->threads, "worker threads (default: all cores)");
    tg->add_option("--out", o.train.out_dir, "directory for checkpoints and metrics.jsonl")->capture_default_str();
    tg->add_flag("--resume", o.train.resume,
                 "continue from OUT/last.safetensors; model, text and training settings must match the stored ones "
                 "(may change: --steps, --max-steps, --save-every, --eval-every, --threads, --skip-nonfinite)");
    tg->add_flag("--overwrite", o.train.overwrite,
                 "start afresh in an --out dir that holds a previous run (its checkpoints are removed, metrics.jsonl "
                 "emptied); without it or --resume such a dir is refused");
    tg->add_option("--skip-nonfinite", o.train.skip_nonfinite,
                   "skip up to N steps whose loss or gradient is NaN/inf (no update) instead of stopping at the first");
    tg->add_option("--max-steps", o.train.max_steps, "stop after this many steps (the run can be resumed)");
    tg->add_option("--save-every", o.train.save_every, "also save last.safetensors every N steps");
    tg->add_option("--log-every", o.train.log_every, "a step record in metrics.jsonl every N steps (0: none)")
        ->capture_default_str();
    add_dist_options(tg, a->dist);
    tg->callback([a] {
        std::exit(guarded([a] {
            const auto started = std::filesystem::file_time_type::clock::now();
            apply_threads(a->threads);
            auto& r = a->run;
            r.train.comm = join_world(a->dist);
            r.train.dist = a->dist.dp;
            const bool main_rank = !r.train.comm || r.train.comm->is_main();
            if (!main_rank) r.train.verbose = false;
            if (a->context > 0) r.context = a->context;
            if (a->dim > 0) r.dim = a->dim;
            if (a->depth > 0) r.depth = a->depth;
            if (a->heads > 0) r.heads = a->heads;
            if (a->mlp_dim > 0) r.mlp_dim = a->mlp_dim;
            r.attention = attention_spec_from(a->attention, nn::Task::Language,
                                              a->depth > 0 ? a->depth : models::GPTConfig::preset(r.preset).depth,
                                              a->depth > 0 ? "--depth" : "preset " + r.preset);
            train::GptRunResult res;
            try {
                res = train::run_gpt(r);
            } catch (const train::RunConflict& e) {  // --out holds another run: a usage error
                std::cerr << "prism: error: " << e.what() << "\n";
                return end_job(2);
            }
            if (!main_rank) return 0;
            // val losses stay < 0 when no evaluation ran (--max-steps before the first, no validation split)
            auto loss = [](double v) { return v < 0 ? std::string("none") : Error::cat(std::fixed, std::setprecision(4), v); };
            std::printf("%lld steps in %.0f s (%.0f tokens/s); best val loss %s, last %s\n",
                        static_cast<long long>(res.fit.steps), res.fit.seconds, res.fit.tokens_per_s,
                        loss(res.fit.best_val_loss).c_str(), loss(res.fit.last_val_loss).c_str());
            if (!r.train.out_dir.empty()) std::printf("%s\n", checkpoints_line(r.train.out_dir, started).c_str());
            return 0;
        }));
    });

    // ---- prism eval gpt ----
    auto* ck = command_state<std::string>();
    auto* text = command_state<std::string>("kjv");
    auto* val_fraction = command_state<double>(0.1);
    auto* json = command_state<bool>(false);
    auto* ev = eval_cmd->add_subcommand("gpt", "validation loss of a GPT checkpoint over the whole validation split");
    ev->add_option("--checkpoint", *ck, "a .safetensors checkpoint")->required();
    ev->add_option("--text", *text, "kjv or a UTF-8 text file")->capture_default_str();
    ev->add_option("--val-fraction", *val_fraction, "last fraction of the text evaluated")->capture_default_str();
    ev->add_flag("--json", *json, "print one JSON object");
    ev->callback([=] {
        std::exit(guarded([=] {
            auto g = load_gpt(*ck);
            const auto corpus = data::load_corpus(*text);
            const auto split = data::split_tokens(g.tok.encode(corpus.text, corpus.name), *val_fraction);
            if (split.val.size() < 2) throw Error("eval", corpus.name, ": the validation split is too short");
            const auto r = train::evaluate_lm(*g.model, split.val, g.tok);
            if (*json) {
                nlohmann::json j = {{"loss", r.loss}, {"bits_per_char", r.bits_per_char}, {"tokens", r.tokens},
                                    {"chars", r.chars}, {"checkpoint", *ck}, {"text", corpus.name}};
                std::cout << dump_json(j) << "\n";
            } else {
                std::printf("val loss %.4f nats/token  %.4f bits/char  (%lld tokens, %lld chars)\n", r.loss,
                            r.bits_per_char, static_cast<long long>(r.tokens), static_cast<long long>(r.chars));
            }
            return 0;
        }));
    });

    // ---- prism sample ----
    auto* sck = command_state<std::string>();
    auto* prompt = command_state<std::string>("\n");
    auto* so = command_state<models::SampleOptions>();
    so->max_new_tokens = 500;
    so->temperature = 0.8;
    auto* sp = app.add_subcommand("sample", "generate text from a GPT checkpoint (streams to stdout)");
    sp->add_option("--checkpoint", *sck, "a GPT checkpoint")->required();
    sp->add_option("--prompt", *prompt, "text to continue")->capture_default_str();
    sp->add_option("--tokens", so->max_new_tokens, "new tokens to generate")->capture_default_str();
    sp->add_option("--temperature", so->temperature, "0 = greedy")->capture_default_str();
    sp->add_option("--top-k", so->top_k, "sample among the k most likely (0 = all)")->capture_default_str();
    sp->add_option("--seed", so->seed)->capture_default_str();
    sp->callback([=] {
        std::exit(guarded([=] {
            auto g = load_gpt(*sck);
            const auto ids = g.tok.encode(*prompt, "--prompt");
            if (ids.empty()) throw UsageError("--prompt: '' is not valid: expected at least one character");
            std::fwrite(prompt->data(), 1, prompt->size(), stdout);
            models::generate(*g.model, ids, *so, [&](std::int32_t t) {
                const std::string s = g.tok.token_bytes(t);
                std::fwrite(s.data(), 1, s.size(), stdout);
                std::fflush(stdout);
            });
            std::printf("\n");
            return 0;
        }));
    });
}

}  // namespace prism::cli
