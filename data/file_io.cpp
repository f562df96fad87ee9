#include "prism/data/file_io.hpp"

#include <zlib.h>

#include <algorithm>
#include <fstream>

#include "prism/core/error.hpp"

namespace prism::data {

std::vector<std::uint8_t> read_file(const std::string& path, const char* op, std::uint64_t cap) {
    return read_regular_file(path, op, cap);
}

bool is_gzip(const std::vector<std::uint8_t>& b) { return b.size() >= 2 && b[0] == 0x1f && b[1] == 0x8b; }

struct Gunzip::State {
    z_stream zs{};
    const std::uint8_t* in_end = nullptr;  // zlib takes the input in pieces of at most 1 GiB
};

Gunzip::Gunzip(const std::vector<std::uint8_t>& gz, std::string path, const char* op)
    : s_(std::make_unique<State>()), path_(std::move(path)), op_(op) {
    if (inflateInit2(&s_->zs, 15 + 32) != Z_OK) throw Error(op_, path_, ": zlib init failed");
    s_->zs.next_in = const_cast<std::uint8_t*>(gz.data());
    s_->zs.avail_in = 0;
    s_->in_end = gz.data() + gz.size();
}

Gunzip::~Gunzip() { inflateEnd(&s_->zs); }

std::size_t Gunzip::read(std::uint8_t* dst, std::size_t n) {
    z_stream& zs = s_->zs;
    const std::uint8_t* in_end = s_->in_end;
    std::size_t got = 0;
    while (got < n && !done_) {
        if (zs.avail_in == 0 && zs.next_in < in_end)
            zs.avail_in = static_cast<uInt>(std::min<std::uint64_t>(in_end - zs.next_in, 1u << 30));
        const std::size_t want = std::min<std::size_t>(n - got, 1u << 30);
        zs.next_out = dst + got;
        zs.avail_out = static_cast<uInt>(want);
        const int rc = inflate(&zs, Z_NO_FLUSH);
        const std::size_t out = want - zs.avail_out;
        got += out;
        produced_ += out;
        if (rc == Z_STREAM_END) {
            done_ = true;
        } else if (rc == Z_BUF_ERROR || (rc == Z_OK && zs.avail_out != 0 && zs.avail_in == 0 && zs.next_in >= in_end)) {
            throw Error(op_, path_, ": truncated gzip stream after ", produced_, " bytes");
        } else if (rc != Z_OK) {
            throw Error(op_, path_, ": corrupt gzip stream (", zs.msg ? zs.msg : "?", ") after ", produced_, " bytes");
        }
    }
    return got;
}

std::vector<std::uint8_t> read_maybe_gzip(const std::string& path, const char* op, std::uint64_t cap) {
    std::vector<std::uint8_t> raw = read_file(path, op, cap);
    if (!is_gzip(raw)) return raw;
    Gunzip z(raw, path, op);
    std::vector<std::uint8_t> out;
    constexpr std::size_t kChunk = 1 << 20;
    for (;;) {
        const std::size_t old = out.size();
        // one byte past the cap tells "exactly cap" from "more than cap"
        const std::uint64_t room = cap - old;
        const std::size_t step = room >= kChunk ? kChunk : static_cast<std::size_t>(room + 1);
        out.resize(old + step);
        const std::size_t got = z.read(out.data() + old, step);
        out.resize(old + got);
        if (out.size() > cap)
            throw Error(op, path, ": gzip stream decompresses to more than the ", size_cap_str(cap),
                        " cap (a gzip bomb or not a dataset file)");
        if (got < step) return out;
    }
}

void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes, bool gzip, const char* op) {
    if (gzip) {
        gzFile g = gzopen(path.c_str(), "wb");
        if (!g) throw Error(op, path, ": cannot create file");
        const int n = bytes.empty() ? 0 : gzwrite(g, bytes.data(), static_cast<unsigned>(bytes.size()));
        const int rc = gzclose(g);
        if ((!bytes.empty() && n == 0) || rc != Z_OK) throw Error(op, path, ": gzip write failed");
        return;
    }
    std::ofstream f(path, std::ios::binary);
    if (!f) throw Error(op, path, ": cannot create file");
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!f) throw Error(op, path, ": write failed");
}

}  // namespace prism::data
