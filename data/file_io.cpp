#include "prism/data/file_io.hpp"

#include <zlib.h>

#include <fstream>
#include <iterator>

#include "prism/core/error.hpp"

namespace prism::data {

std::vector<std::uint8_t> read_file(const std::string& path, const char* op) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw Error(op, path, ": cannot open file (missing or unreadable)");
    // A directory opens fine and then fails the first read with std::ios_base::failure ("Is a
    // directory"), which must not escape as anything but a prism::Error naming the file.
    try {
        std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        if (f.bad()) throw Error(op, path, ": read error");
        return bytes;
    } catch (const std::ios_base::failure& e) {
        throw Error(op, path, ": read error (", e.code().message(), "; is it a directory?)");
    }
}

std::vector<std::uint8_t> read_maybe_gzip(const std::string& path, const char* op) {
    std::vector<std::uint8_t> raw = read_file(path, op);
    if (raw.size() < 2 || raw[0] != 0x1f || raw[1] != 0x8b) return raw;
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 32) != Z_OK) throw Error(op, path, ": zlib init failed");
    zs.next_in = raw.data();
    zs.avail_in = static_cast<uInt>(raw.size());
    std::vector<std::uint8_t> out;
    std::uint8_t buf[1 << 16];
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        zs.next_out = buf;
        zs.avail_out = sizeof(buf);
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            const std::string why = rc == Z_BUF_ERROR ? "truncated gzip stream"
                                                      : std::string("corrupt gzip stream (") + (zs.msg ? zs.msg : "?") + ")";
            inflateEnd(&zs);
            throw Error(op, path, ": ", why, " after ", out.size() + (sizeof(buf) - zs.avail_out), " bytes");
        }
        out.insert(out.end(), buf, buf + (sizeof(buf) - zs.avail_out));
        if (rc != Z_STREAM_END && zs.avail_in == 0 && zs.avail_out != 0) {
            inflateEnd(&zs);
            throw Error(op, path, ": truncated gzip stream after ", out.size(), " bytes");
        }
    }
    inflateEnd(&zs);
    return out;
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
