// The file-format fuzz targets (fuzz/targets.hpp): safetensors, IDX, images, text.
#include "targets.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "prism/core/error.hpp"
#include "prism/data/file_io.hpp"
#include "prism/data/idx.hpp"
#include "prism/data/image_folder.hpp"
#include "prism/data/text.hpp"
#include "prism/data/tokenizer.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/models/gpt.hpp"
#include "prism/models/vit.hpp"

namespace prism::fuzz {

namespace fs = std::filesystem;

namespace {

// A broken invariant (not a bad input): escapes the target, so libFuzzer reports it.
[[noreturn]] void finding(const std::string& what) { throw std::logic_error("fuzz finding: " + what); }

struct Scratch {
    std::string path;
    Scratch() {
        path = (fs::temp_directory_path() / ("prism_fuzz_" + std::to_string(::getpid()))).string();
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

}  // namespace

const std::string& scratch_dir() {
    static Scratch s;
    return s.path;
}

std::string write_scratch(const std::string& name, const std::uint8_t* data, std::size_t size) {
    const std::string path = scratch_dir() + "/" + name;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) finding("cannot create " + path);
    for (std::size_t done = 0; done < size;) {
        const ssize_t r = ::write(fd, data + done, size - done);
        if (r <= 0) {
            ::close(fd);
            finding("cannot write " + path);
        }
        done += static_cast<std::size_t>(r);
    }
    ::close(fd);
    return path;
}

// ---- safetensors / checkpoints -------------------------------------------------------------

void safetensors(const std::uint8_t* data, std::size_t size) {
    const std::string path = write_scratch("input.safetensors", data, size);
    io::Checkpoint ck;
    try {
        ck = io::load_checkpoint(path);
    } catch (const Error&) {
        return;
    }
    // Every tensor must own exactly the bytes its shape and dtype need; reading them all lets
    // the sanitizer see an undersized buffer.
    std::uint64_t sum = 0;
    auto touch = [&](const std::string& name, const Tensor& t) {
        if (!t.defined()) finding("tensor '" + name + "' undefined");
        const auto* p = static_cast<const std::uint8_t*>(t.raw_data());
        const std::size_t nbytes = static_cast<std::size_t>(t.numel()) * t.itemsize();
        for (std::size_t i = 0; i < nbytes; ++i) sum += p[i];
    };
    for (const auto& [name, t] : ck.model) touch(name, t);
    for (const auto& [name, t] : ck.optim) touch(name, t);
    if (ck.config.is_null()) return;
    // What `prism eval` / `predict` / `sample` do next with a checkpoint's config (the model
    // itself is not built: its size is the config validator's business, not the reader's).
    try {
        (void)models::ViTConfig::from_json(ck.config);
    } catch (const Error&) {
    }
    try {
        const auto cfg = models::GPTConfig::from_json(ck.config);
        if (!cfg.tokenizer.is_null()) (void)data::Tokenizer::from_json(cfg.tokenizer);
    } catch (const Error&) {
    }
    (void)sum;
}

// ---- IDX ----------------------------------------------------------------------------------

void idx(const std::uint8_t* data, std::size_t size) {
    // The whole input as one IDX file (gzipped when it starts with the gzip magic).
    const std::string whole = write_scratch("whole-idx", data, size);
    try {
        const data::IdxArray a = data::read_idx(whole);
        std::size_t n = 1;
        for (auto d : a.dims) n *= static_cast<std::size_t>(d);
        if (n != a.data.size()) finding("read_idx: dims promise " + std::to_string(n) + " bytes, got " +
                                        std::to_string(a.data.size()));
    } catch (const Error&) {
    }
    if (size < 3) return;
    const bool gz_images = data[0] & 1, gz_labels = data[0] & 2;
    const std::size_t len = std::min<std::size_t>((std::size_t(data[1]) << 8) | data[2], size - 3);
    const std::vector<std::uint8_t> im(data + 3, data + 3 + len), lb(data + 3 + len, data + size);
    const std::string im_path = scratch_dir() + "/images-idx3-ubyte", lb_path = scratch_dir() + "/labels-idx1-ubyte";
    data::write_file(im_path, im, gz_images, "fuzz");
    data::write_file(lb_path, lb, gz_labels, "fuzz");
    try {
        const data::ImageDataset ds = data::load_idx(im_path, lb_path);
        ds.check();
        const auto expect = static_cast<std::size_t>(ds.size() * ds.image_numel());
        if (ds.pixels.size() != expect) finding("load_idx: pixels " + std::to_string(ds.pixels.size()) +
                                                " != N*C*H*W " + std::to_string(expect));
    } catch (const Error&) {
    }
}

// ---- images -------------------------------------------------------------------------------

void image(const std::uint8_t* data, std::size_t size) {
    const std::string path = write_scratch("input.img", data, size);
    data::ImageFolderOptions opt;
    opt.channels = size > 0 && (data[size - 1] & 1) ? 1 : 3;
    opt.height = opt.width = 8;
    try {
        const auto px = data::load_image(path, opt);
        if (px.size() != static_cast<std::size_t>(opt.channels * opt.height * opt.width))
            finding("load_image: " + std::to_string(px.size()) + " bytes for (" + std::to_string(opt.channels) +
                    ", 8, 8)");
    } catch (const Error&) {
    }
}

// ---- text + tokenizers --------------------------------------------------------------------

void text(const std::uint8_t* data, std::size_t size) {
    const std::string path = write_scratch("input.txt", data, size);
    data::Corpus corpus;
    try {
        corpus = data::load_corpus(path);
    } catch (const Error&) {
        return;
    }
    if (corpus.text.size() != size) finding("load_corpus read " + std::to_string(corpus.text.size()) + " of " +
                                            std::to_string(size) + " bytes");
    auto exercise = [&](const data::Tokenizer& tok) {
        const auto ids = tok.encode(corpus.text, corpus.name);
        for (auto id : ids) {
            if (id < 0 || id >= tok.vocab_size()) finding("encode: id out of range");
            (void)tok.starts_char(id);
        }
        if (tok.decode(ids) != corpus.text) finding(tok.kind_name() + " tokenizer: decode(encode(text)) != text");
        const auto back = data::Tokenizer::from_json(tok.to_json());
        if (back.kind() != tok.kind() || back.vocab() != tok.vocab()) finding("tokenizer json round trip");
        const auto split = data::split_tokens(ids, 0.1);
        if (split.train.size() + split.val.size() != ids.size()) finding("split_tokens lost tokens");
        const std::int64_t context = 4;
        if (static_cast<std::int64_t>(split.train.size()) >= context + 1) {
            data::WindowSampler s(split.train, context, 1337, corpus.name);
            (void)s.batch(3, 2);
        }
        for (auto [start, len] : data::eval_windows(static_cast<std::int64_t>(ids.size()), context))
            if (start < 0 || len < 1 || start + len > static_cast<std::int64_t>(ids.size()) - 1)
                finding("eval_windows out of range");
    };
    exercise(data::Tokenizer::make("byte", corpus.text, corpus.name));
    try {
        exercise(data::Tokenizer::make("char", corpus.text, corpus.name));
    } catch (const Error&) {  // not UTF-8
    }
    // A checkpoint's "tokenizer" entry.
    const auto j = nlohmann::json::parse(corpus.text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) try {
            (void)data::Tokenizer::from_json(j);
        } catch (const Error&) {
        }
}

}  // namespace prism::fuzz
