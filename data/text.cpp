#include "prism/data/text.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include "prism/core/error.hpp"
#include "prism/core/rng.hpp"
#include "prism/data/file_io.hpp"

namespace prism::data {

namespace fs = std::filesystem;

std::string read_text_file(const std::string& path) {
    const std::vector<std::uint8_t> b = read_file(path, "text", kMaxTextBytes);
    if (b.empty()) throw Error("text", path, ": file is empty");
    return std::string(b.begin(), b.end());
}

std::string kjv_path() {
    fs::path dir;
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) dir = fs::path(x) / "prism";
    else if (const char* h = std::getenv("HOME"); h && *h) dir = fs::path(h) / ".cache" / "prism";
    else dir = fs::temp_directory_path() / "prism-cache";
    const fs::path file = dir / "kjv.txt";
    std::error_code ec;
    if (fs::exists(file, ec) && fs::file_size(file, ec) > 1000000) return file.string();
    fs::create_directories(dir, ec);
    if (ec) throw Error("kjv", "cannot create the cache directory ", dir.string(), ": ", ec.message());
    // Extract into a temporary name, then rename: a crash never leaves a half-written cache.
    const fs::path tmp = dir / ("kjv.txt.tmp." + std::to_string(static_cast<long long>(::getpid())));
    const std::string cmd = "bible -f \"Gen 1:1-Rev 22:21\" > '" + tmp.string() + "' 2>/dev/null";
    const int rc = std::system(cmd.c_str());
    if (rc != 0 || !fs::exists(tmp, ec) || fs::file_size(tmp, ec) < 1000000) {
        fs::remove(tmp, ec);
        throw Error("kjv", "could not extract the King James Bible with `bible` (Debian package bible-kjv; "
                    "install it with `sudo apt-get install bible-kjv`) or use --text FILE");
    }
    fs::rename(tmp, file, ec);
    if (ec) throw Error("kjv", "cannot rename ", tmp.string(), " to ", file.string(), ": ", ec.message());
    return file.string();
}

Corpus load_corpus(const std::string& spec) {
    const std::string path = spec == "kjv" ? kjv_path() : spec;
    return {read_text_file(path), path};
}

TextSplit split_tokens(const std::vector<std::int32_t>& tokens, double val_fraction) {
    if (!(val_fraction >= 0.0 && val_fraction < 1.0))
        throw Error("split_tokens", "val_fraction ", val_fraction, " must be in [0, 1)");
    const auto n = static_cast<std::int64_t>(tokens.size());
    const auto n_val = static_cast<std::int64_t>(static_cast<double>(n) * val_fraction);
    TextSplit s;
    s.train.assign(tokens.begin(), tokens.begin() + (n - n_val));
    s.val.assign(tokens.begin() + (n - n_val), tokens.end());
    return s;
}

WindowSampler::WindowSampler(const std::vector<std::int32_t>& tokens, std::int64_t context, std::uint64_t seed,
                             const std::string& what)
    : tokens_(&tokens), context_(context), seed_(seed) {
    if (context <= 0) throw Error("WindowSampler", "context ", context, " must be positive");
    if (static_cast<std::int64_t>(tokens.size()) < context + 1)
        throw Error("text", what, ": ", tokens.size(), " tokens is shorter than one context window of ", context + 1,
                    " tokens (context ", context, " + 1); use a longer text or a smaller --context");
}

std::int64_t WindowSampler::window_start(std::int64_t step, std::int64_t i) const {
    // Counter = (step, i) packed; Philox is a bijection of the counter under the seed, so
    // windows are independent of each other and of the batch size of other steps.
    const Generator g(seed_);
    const auto w = g.block((static_cast<std::uint64_t>(step) << 20) ^ static_cast<std::uint64_t>(i));
    const std::uint64_t r = (static_cast<std::uint64_t>(w[0]) << 32) | w[1];
    const auto range = static_cast<std::uint64_t>(static_cast<std::int64_t>(tokens_->size()) - context_);
    return static_cast<std::int64_t>(r % range);
}

std::pair<Tensor, Tensor> WindowSampler::batch(std::int64_t step, std::int64_t batch_size) const {
    const std::int64_t T = context_;
    std::vector<std::int64_t> x(static_cast<std::size_t>(batch_size * T)), y(x.size());
    for (std::int64_t b = 0; b < batch_size; ++b) {
        const std::int64_t s = window_start(step, b);
        for (std::int64_t t = 0; t < T; ++t) {
            x[b * T + t] = (*tokens_)[s + t];
            y[b * T + t] = (*tokens_)[s + t + 1];
        }
    }
    return {Tensor::from_vector(x, {batch_size, T}), Tensor::from_vector(y, {batch_size, T})};
}

std::vector<std::pair<std::int64_t, std::int64_t>> eval_windows(std::int64_t n_tokens, std::int64_t context) {
    std::vector<std::pair<std::int64_t, std::int64_t>> w;
    for (std::int64_t s = 0; s + 1 < n_tokens; s += context) w.emplace_back(s, std::min(context, n_tokens - 1 - s));
    return w;
}

}  // namespace prism::data
