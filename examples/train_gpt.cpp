// train_gpt: a small character-level GPT trained through the C++ API, then sampled.
// Prints the corpus size, periodic losses, the validation loss and a generated passage.
//   build/release/examples/train_gpt [TEXT_FILE|kjv] [STEPS]     (defaults: kjv, 300)
#include <cstdio>
#include <string>

#include "prism/data/text.hpp"
#include "prism/data/tokenizer.hpp"
#include "prism/models/gpt.hpp"
#include "prism/train/lm.hpp"

using namespace prism;

int main(int argc, char** argv) {
    try {
        const std::string spec = argc > 1 ? argv[1] : "kjv";
        const std::int64_t steps = argc > 2 ? std::stoll(argv[2]) : 300;
        // data: the text, a char vocabulary, a contiguous 90/10 split
        const data::Corpus corpus = data::load_corpus(spec);
        const auto tok = data::Tokenizer::build_char(corpus.text, corpus.name);
        const auto split = data::split_tokens(tok.encode(corpus.text, corpus.name), 0.1);
        std::printf("%s: %zu train / %zu val characters, vocabulary %lld\n", corpus.name.c_str(), split.train.size(),
                    split.val.size(), static_cast<long long>(tok.vocab_size()));
        // model: a small GPT
        auto cfg = models::GPTConfig::preset("gpt-micro");
        cfg.dim = 64; cfg.depth = 2; cfg.heads = 4; cfg.mlp_dim = 256; cfg.context_length = 64;
        cfg.vocab_size = tok.vocab_size();
        cfg.tokenizer = tok.to_json();
        manual_seed(0);
        models::GPT model(cfg);
        // training: AdamW + warm-up/cosine, eval at the end, nothing written to disk
        train::LMOptions o;
        o.steps = steps;
        o.batch_size = 32;
        o.warmup_steps = 20;
        o.eval_every = 0;
        o.sample_tokens = 0;
        const auto fit = train::fit_lm(model, split, tok, o);
        std::printf("%lld steps, %.0f tokens/s, val loss %.4f\n", static_cast<long long>(fit.steps), fit.tokens_per_s,
                    fit.last_val_loss);
        // sampling with the key/value cache
        models::SampleOptions so;
        so.max_new_tokens = 300;
        so.temperature = 0.8;
        so.seed = 1;
        const auto prompt = tok.encode("And God said", "prompt");
        std::printf("And God said%s\n", tok.decode(models::generate(model, prompt, so)).c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "train_gpt: %s\n", e.what());
        return 1;
    }
    return 0;
}
