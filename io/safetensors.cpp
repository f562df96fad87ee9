// safetensors reader/writer; the format and the rules are described in io/safetensors.hpp.
#include "prism/io/safetensors.hpp"
#include "prism/core/json.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "prism/autograd/grad_mode.hpp"
#include "prism/core/regular_file.hpp"

namespace prism::io {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian; so must the host be");

namespace {

using json = nlohmann::json;
constexpr std::uint64_t kMaxHeader = 100'000'000;  // as the reference implementation: a header this big is an attack
constexpr int kMaxDepth = 64;  // JSON nesting levels allowed in the header

// ---- dtypes --------------------------------------------------------------------------------

enum class Conv { None, F16, BF16, I8, U8, Bool };  // how file elements become prism elements

struct FileDType {
    DType dtype;        // what prism holds after loading
    std::size_t bytes;  // element size in the file
    Conv conv;
};

bool lookup_dtype(const std::string& s, FileDType& out) {
    static const std::map<std::string, FileDType> table = {
        {"F32", {kFloat32, 4, Conv::None}}, {"F64", {kFloat64, 8, Conv::None}}, {"I32", {kInt32, 4, Conv::None}},
        {"I64", {kInt64, 8, Conv::None}},   {"F16", {kFloat32, 2, Conv::F16}},  {"BF16", {kFloat32, 2, Conv::BF16}},
        {"I8", {kInt32, 1, Conv::I8}},      {"U8", {kInt32, 1, Conv::U8}},     {"BOOL", {kInt32, 1, Conv::Bool}}};
    auto it = table.find(s);
    if (it == table.end()) return false;
    out = it->second;
    return true;
}

const char* st_name(DType t) {
    switch (t) {
        case DType::Float32: return "F32";
        case DType::Float64: return "F64";
        case DType::Int32: return "I32";
        case DType::Int64: return "I64";
    }
    return "?";
}

float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    if (exp == 0) {  // zero or subnormal: mant * 2^-24
        const float f = std::ldexp(static_cast<float>(mant), -24);
        return sign ? -f : f;
    }
    if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));  // inf / nan
    return std::bit_cast<float>(sign | ((exp + 112) << 23) | (mant << 13));
}

// ---- low-level file access ------------------------------------------------------------------

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

std::string errno_str() { return std::strerror(errno); }

void pread_all(int fd, void* dst, std::size_t n, std::uint64_t pos, const std::string& path) {
    auto* p = static_cast<char*>(dst);
    while (n > 0) {
        const ssize_t r = ::pread(fd, p, n, static_cast<off_t>(pos));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) throw Error("load_safetensors", path, ": read failed: ", errno_str());
        if (r == 0) throw Error("load_safetensors", path, ": file ended early (was it changed while reading?)");
        p += r, n -= static_cast<std::size_t>(r), pos += static_cast<std::uint64_t>(r);
    }
}

void write_all(int fd, const void* src, std::size_t n, const std::string& path) {
    const auto* p = static_cast<const char*>(src);
    while (n > 0) {
        const ssize_t r = ::write(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) throw Error("save_safetensors", path, ": write failed: ", errno_str());
        p += r, n -= static_cast<std::size_t>(r);
    }
}

// ---- header validation ----------------------------------------------------------------------

struct Entry {
    std::string name;
    FileDType ft;
    Shape shape;
    std::uint64_t begin = 0, end = 0;
};

// A JSON value that must be a non-negative integer (3 yes; -1, 2.0, "2" no).
bool as_index(const json& v, std::uint64_t& out) {
    if (v.is_number_unsigned()) {
        out = v.get<std::uint64_t>();
        return true;
    }
    if (v.is_number_integer() && v.get<std::int64_t>() >= 0) {
        out = static_cast<std::uint64_t>(v.get<std::int64_t>());
        return true;
    }
    return false;
}

Entry parse_entry(const std::string& path, const std::string& name, const json& v, std::uint64_t data_size) {
    const char* op = "load_safetensors";
    const std::string where = path + ": tensor '" + name + "'";
    if (!v.is_object()) throw Error(op, where, ": entry is not a JSON object");
    for (const char* k : {"dtype", "shape", "data_offsets"})
        if (!v.contains(k)) throw Error(op, where, ": missing \"", k, "\"");
    Entry e;
    e.name = name;
    const json& dt = v["dtype"];
    if (!dt.is_string()) throw Error(op, where, ": dtype is not a string");
    const std::string dts = dt.get<std::string>();
    if (!lookup_dtype(dts, e.ft)) {
        static const std::set<std::string> known = {"I16", "U16", "U32", "U64", "F8_E4M3", "F8_E5M2"};
        if (known.count(dts)) throw Error(op, where, ": unsupported dtype ", dts);
        throw Error(op, where, ": unknown dtype '", dts, "'");
    }
    const json& sh = v["shape"];
    if (!sh.is_array()) throw Error(op, where, ": shape is not a list");
    std::uint64_t nbytes = e.ft.bytes;
    for (const json& d : sh) {
        std::uint64_t n = 0;
        if (!as_index(d, n)) throw Error(op, where, ": shape ", dump_json(sh), " must hold non-negative integers");
        if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
            __builtin_mul_overflow(nbytes, n, &nbytes))
            throw Error(op, where, ": shape ", dump_json(sh), " is too large");
        e.shape.push_back(static_cast<std::int64_t>(n));
    }
    const json& off = v["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !as_index(off[0], e.begin) || !as_index(off[1], e.end))
        throw Error(op, where, ": data_offsets ", dump_json(off), " must be [begin, end] with non-negative integers");
    if (e.begin > e.end) throw Error(op, where, ": data_offsets ", dump_json(off), " has begin > end");
    if (e.end > data_size)
        throw Error(op, where, ": data_offsets ", dump_json(off), " lie outside the data area of ", data_size, " bytes");
    if (e.end - e.begin != nbytes)
        throw Error(op, where, ": data_offsets ", dump_json(off), " span ", e.end - e.begin, " bytes but shape ",
                    shape_str(e.shape), " of ", dts, " needs ", nbytes);
    return e;
}

// Reads one tensor's bytes from the file, widening narrow dtypes.
Tensor read_tensor(int fd, const Entry& e, std::uint64_t data_start, const std::string& path) {
    Tensor t = Tensor::empty(e.shape, e.ft.dtype);
    const std::size_t nbytes = e.end - e.begin, n = static_cast<std::size_t>(t.numel());
    if (e.ft.conv == Conv::None) {
        if (nbytes) pread_all(fd, t.raw_data(), nbytes, data_start + e.begin, path);
        return t;
    }
    std::vector<unsigned char> buf(nbytes);
    if (nbytes) pread_all(fd, buf.data(), nbytes, data_start + e.begin, path);
    if (e.ft.conv == Conv::F16 || e.ft.conv == Conv::BF16) {
        float* out = t.data<float>();
        for (std::size_t i = 0; i < n; ++i) {
            std::uint16_t h;
            std::memcpy(&h, buf.data() + 2 * i, 2);
            out[i] = e.ft.conv == Conv::F16 ? half_to_float(h) : std::bit_cast<float>(std::uint32_t{h} << 16);
        }
    } else {
        std::int32_t* out = t.data<std::int32_t>();
        for (std::size_t i = 0; i < n; ++i)
            out[i] = e.ft.conv == Conv::I8 ? static_cast<std::int32_t>(static_cast<std::int8_t>(buf[i]))
                     : e.ft.conv == Conv::U8 ? static_cast<std::int32_t>(buf[i])
                                             : static_cast<std::int32_t>(buf[i] != 0);
    }
    return t;
}

}  // namespace

// ---- load ---------------------------------------------------------------------------------------

SafetensorsFile load_safetensors(const std::string& path) {
    const char* op = "load_safetensors";
    Fd f;
    std::uint64_t size = 0;  // a FIFO, /dev/zero or a directory is refused before it is read
    f.fd = open_regular_file(path, op, kNoSizeCap, &size);
    if (size < 8) throw Error(op, path, ": file is ", size, " bytes, shorter than the 8-byte header length");

    unsigned char lenbuf[8];
    pread_all(f.fd, lenbuf, 8, 0, path);
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | lenbuf[i];
    if (n > size - 8) throw Error(op, path, ": header length ", n, " goes beyond the file (", size, " bytes)");
    if (n > kMaxHeader) throw Error(op, path, ": header length ", n, " exceeds the limit of ", kMaxHeader, " bytes");
    std::string text(n, '\0');
    pread_all(f.fd, text.data(), n, 8, path);

    // Parse, noting top-level duplicate names (nlohmann would silently keep the last one) and
    // refusing deep nesting: a valid header is 4 levels deep, and nlohmann's dump() (used in
    // error messages) recurses once per level, so [[[[...]]]] 65000 deep overflowed the stack.
    std::set<std::string> seen;
    std::string duplicate;
    json::parser_callback_t cb = [&](int depth, json::parse_event_t ev, json& parsed) {
        if (depth > kMaxDepth) throw Error(op, path, ": JSON header nested deeper than ", kMaxDepth, " levels");
        if (ev == json::parse_event_t::key && depth == 1 && !seen.insert(parsed.get<std::string>()).second &&
            duplicate.empty())
            duplicate = parsed.get<std::string>();
        return true;
    };
    json header;
    try {
        header = json::parse(text, cb);
    } catch (const json::exception& ex) {
        throw Error(op, path, ": bad JSON header: ", ex.what());
    }
    if (!header.is_object()) throw Error(op, path, ": header is not a JSON object");
    if (!duplicate.empty()) throw Error(op, path, ": tensor name '", duplicate, "' appears twice in the header");

    SafetensorsFile out;
    out.path = path;
    const std::uint64_t data_start = 8 + n, data_size = size - data_start;
    std::vector<Entry> entries;
    for (auto it = header.begin(); it != header.end(); ++it) {
        if (it.key() == "__metadata__") {
            if (!it->is_object()) throw Error(op, path, ": __metadata__ is not a JSON object");
            for (auto m = it->begin(); m != it->end(); ++m) {
                if (!m->is_string())
                    throw Error(op, path, ": __metadata__ value of '", m.key(), "' is not a string: ", dump_json(*m));
                out.metadata[m.key()] = m->get<std::string>();
            }
            continue;
        }
        entries.push_back(parse_entry(path, it.key(), *it, data_size));
    }

    // The tensors must tile the data area exactly: no overlap, no hole, nothing after the end.
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); });
    std::uint64_t pos = 0;
    std::string prev = "the start of the data area";
    for (const Entry& e : entries) {
        if (e.begin < pos)
            throw Error(op, path, ": tensor '", e.name, "' at [", e.begin, ", ", e.end, ") overlaps ", prev);
        if (e.begin > pos)
            throw Error(op, path, ": hole of ", e.begin - pos, " bytes between ", prev, " and tensor '", e.name, "'");
        pos = e.end;
        prev = "tensor '" + e.name + "'";
    }
    if (pos != data_size)
        throw Error(op, path, ": ", data_size - pos, " bytes after the last tensor are not covered by any tensor");

    for (const Entry& e : entries) out.tensors.emplace_back(e.name, read_tensor(f.fd, e, data_start, path));
    return out;
}

Tensor SafetensorsFile::get(const std::string& name) const {
    for (const auto& [k, t] : tensors)
        if (k == name) return t;
    std::string names;
    for (std::size_t i = 0; i < tensors.size() && i < 8; ++i) names += (i ? ", " : "") + tensors[i].first;
    if (tensors.size() > 8) names += ", ...";
    throw Error("safetensors", path, ": no tensor named '", name, "' (it has ", tensors.size(), ": ", names, ")");
}

bool SafetensorsFile::contains(const std::string& name) const {
    return std::any_of(tensors.begin(), tensors.end(), [&](const auto& p) { return p.first == name; });
}

// ---- save ---------------------------------------------------------------------------------------

void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    const char* op = "save_safetensors";
    // Everything that can be checked is checked before the file system is touched.
    std::set<std::string> names;
    std::vector<Tensor> data;
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::uint64_t offset = 0;
    {
        NoGradGuard no_grad;  // contiguous() copies must not record autograd nodes
        for (const auto& [name, t] : tensors) {
            if (name == "__metadata__") throw Error(op, path, ": '__metadata__' is reserved and cannot name a tensor");
            if (!names.insert(name).second) throw Error(op, path, ": tensor name '", name, "' given twice");
            if (!t.defined()) throw Error(op, path, ": tensor '", name, "' is undefined");
            data.push_back(t.detach().contiguous());
            const std::uint64_t nbytes = static_cast<std::uint64_t>(t.numel()) * t.itemsize();
            header[name] = {{"dtype", st_name(t.dtype())}, {"shape", t.shape()}, {"data_offsets", {offset, offset + nbytes}}};
            offset += nbytes;
        }
    }
    std::string text = dump_json(header);
    text.append((8 - text.size() % 8) % 8, ' ');  // every tensor starts 8-byte aligned
    unsigned char lenbuf[8];
    for (int i = 0; i < 8; ++i) lenbuf[i] = static_cast<unsigned char>(static_cast<std::uint64_t>(text.size()) >> (8 * i));

    namespace fs = std::filesystem;
    std::string tmp = path + ".tmp-XXXXXX";
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0) throw Error(op, path, ": cannot create a temp file beside it: ", errno_str());
    Fd guard;
    guard.fd = fd;
    try {
        if (::fchmod(fd, 0644) != 0) throw Error(op, path, ": fchmod failed: ", errno_str());
        write_all(fd, lenbuf, 8, path);
        write_all(fd, text.data(), text.size(), path);
        for (const Tensor& t : data) write_all(fd, t.raw_data(), static_cast<std::size_t>(t.numel()) * t.itemsize(), path);
        if (::fsync(fd) != 0) throw Error(op, path, ": fsync failed: ", errno_str());
        guard.fd = -1;
        if (::close(fd) != 0) throw Error(op, path, ": close failed: ", errno_str());
        if (::rename(tmp.c_str(), path.c_str()) != 0)
            throw Error(op, path, ": cannot rename the temp file over it: ", errno_str());
    } catch (...) {
        if (guard.fd >= 0) ::close(guard.fd), guard.fd = -1;
        ::unlink(tmp.c_str());
        throw;
    }
    // Make the rename itself durable. Some file systems cannot fsync a directory; the data is safe anyway.
    fs::path dir = fs::path(path).parent_path();
    Fd d;
    d.fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d.fd >= 0) ::fsync(d.fd);
}

}  // namespace prism::io
