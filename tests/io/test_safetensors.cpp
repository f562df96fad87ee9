// safetensors: round trips, every validation error, atomic writes, and interop both ways with
// tests/io/st_independent.py (a separate Python + numpy implementation).
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "../helpers.hpp"
#include "prism/io/safetensors.hpp"

using namespace prism;
using namespace prism::test;
namespace fs = std::filesystem;

namespace {

// A fresh directory, removed with everything in it at the end of the test.
struct TempDir {
    fs::path dir;
    TempDir() {
        static int counter = 0;
        dir = fs::temp_directory_path() / ("prism_io_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::string operator/(const std::string& name) const { return (dir / name).string(); }
    std::size_t count() const { return std::distance(fs::directory_iterator(dir), fs::directory_iterator{}); }
};

std::string read_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

// A file with the given header text and data bytes; `len` overrides the stored header length.
void write_raw(const std::string& path, const std::string& header, const std::string& data,
               std::uint64_t len = std::numeric_limits<std::uint64_t>::max()) {
    if (len == std::numeric_limits<std::uint64_t>::max()) len = header.size();
    std::ofstream f(path, std::ios::binary);
    for (int i = 0; i < 8; ++i) f.put(static_cast<char>(len >> (8 * i)));
    f << header << data;
}

template <class T> bool same(const Tensor& a, const std::vector<T>& v, const Shape& shape) {
    return a.dtype() == dtype_of<T>::value && a.shape() == shape && a.to_vector<T>() == v;
}

std::string python() { return fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; }

}  // namespace

BOOST_AUTO_TEST_SUITE(io_safetensors)

BOOST_AUTO_TEST_CASE(round_trip_all_dtypes_scalars_empty_noncontiguous_metadata) {
    TempDir tmp;
    Generator g(7);
    Tensor f32 = Tensor::randn({2, 3, 4}, g);
    Tensor f64 = Tensor::randn({5}, g, kFloat64);
    Tensor i32 = Tensor::from_vector<std::int32_t>({-7, 0, 2147483647, -2147483647 - 1}, {2, 2});
    Tensor i64 = Tensor::from_vector<std::int64_t>({(1LL << 40) + 3, -1, std::numeric_limits<std::int64_t>::min()}, {3});
    Tensor s = Tensor::scalar(2.5, kFloat64);
    Tensor e = Tensor::zeros({0, 3});
    Tensor nc = Tensor::randn({3, 4}, g).t().narrow(0, 1, 2);  // (2, 3), strided
    BOOST_REQUIRE(!nc.is_contiguous());
    const std::string path = tmp / "rt.safetensors";
    // Deliberately unsorted names: the file keeps the given order.
    io::save_safetensors(path, {{"z", f32}, {"b", f64}, {"i32", i32}, {"a.i64", i64}, {"s", s}, {"e", e}, {"nc", nc}},
                         {{"format", "pt"}, {"note", "héllo \"quoted\""}});
    BOOST_TEST(tmp.count() == 1u);  // no temp file left behind

    auto f = io::load_safetensors(path);
    std::vector<std::string> names;
    for (auto& [k, t] : f.tensors) names.push_back(k);
    BOOST_TEST((names == std::vector<std::string>{"z", "b", "i32", "a.i64", "s", "e", "nc"}));
    BOOST_TEST(same(f.get("z"), f32.to_vector<float>(), {2, 3, 4}));
    BOOST_TEST(same(f.get("b"), f64.to_vector<double>(), {5}));
    BOOST_TEST(same(f.get("i32"), i32.to_vector<std::int32_t>(), {2, 2}));
    BOOST_TEST(same(f.get("a.i64"), i64.to_vector<std::int64_t>(), {3}));
    BOOST_TEST(same(f.get("s"), std::vector<double>{2.5}, {}));
    BOOST_TEST(same(f.get("e"), std::vector<float>{}, {0, 3}));
    BOOST_TEST(same(f.get("nc"), nc.to_vector<float>(), {2, 3}));
    BOOST_TEST(f.metadata.size() == 2u);
    BOOST_TEST(f.metadata.at("note") == "héllo \"quoted\"");
    BOOST_TEST(f.contains("z"));
    BOOST_TEST(!f.contains("y"));
    check_error([&] { f.get("y"); }, {path, "'y'"});

    // The header is space-padded so the data area starts 8-byte aligned.
    const std::string bytes = read_bytes(path);
    std::uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    BOOST_TEST(n % 8 == 0u);
    BOOST_TEST(bytes.substr(8, 1) == "{");

    // Empty list, no metadata; and overwriting an existing file.
    io::save_safetensors(path, {});
    auto f2 = io::load_safetensors(path);
    BOOST_TEST(f2.tensors.empty());
    BOOST_TEST(f2.metadata.empty());
}

BOOST_AUTO_TEST_CASE(corrupted_files_give_specific_errors) {
    TempDir tmp;
    int i = 0;
    auto expect = [&](const std::string& header, const std::string& data, std::initializer_list<std::string> parts,
                      std::uint64_t len = std::numeric_limits<std::uint64_t>::max()) {
        const std::string path = tmp / ("bad" + std::to_string(i++) + ".safetensors");
        write_raw(path, header, data, len);
        std::vector<std::string> all(parts);
        all.push_back(path);
        try {
            io::load_safetensors(path);
            BOOST_ERROR("no error for header " + header);
        } catch (const Error& e) {
            const std::string msg = e.what();
            for (const auto& p : all) BOOST_CHECK_MESSAGE(msg.find(p) != std::string::npos, "'" + p + "' not in: " + msg);
        }
    };
    const std::string d8(8, '\0');
    const std::string ok = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";

    check_error([&] { io::load_safetensors(tmp / "missing.safetensors"); }, {"missing.safetensors", "cannot open"});
    {
        const std::string p = tmp / "short.safetensors";
        std::ofstream(p, std::ios::binary) << "abcde";
        check_error([&] { io::load_safetensors(p); }, {p, "5 bytes", "shorter than the 8-byte"});
    }
    check_error([&] { io::load_safetensors(tmp.dir.string()); }, {tmp.dir.string(), "is a directory"});
    expect(ok, d8, {"header length 1000", "goes beyond the file"}, 1000);
    expect(ok, d8, {"goes beyond the file"}, std::numeric_limits<std::uint64_t>::max() - 1);
    expect(R"({"x": {"dtype": )", "", {"bad JSON header"});
    expect(ok + "xyz", d8, {"bad JSON header"});
    expect("[1, 2]", "", {"header is not a JSON object"});
    expect(R"({"x":{"dtype":"F99","shape":[2],"data_offsets":[0,8]}})", d8, {"'x'", "unknown dtype 'F99'"});
    expect(R"({"x":{"dtype":"U32","shape":[2],"data_offsets":[0,8]}})", d8, {"unsupported dtype U32"});
    expect(R"({"x":{"dtype":3,"shape":[2],"data_offsets":[0,8]}})", d8, {"dtype is not a string"});
    expect(R"({"x":{"shape":[2],"data_offsets":[0,8]}})", d8, {"missing \"dtype\""});
    expect(R"({"x":{"dtype":"F32","data_offsets":[0,8]}})", d8, {"missing \"shape\""});
    expect(R"({"x":{"dtype":"F32","shape":[2]}})", d8, {"missing \"data_offsets\""});
    expect(R"({"x":[1,2]})", d8, {"'x'", "entry is not a JSON object"});
    expect(R"({"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", d8, {"shape [-2]", "non-negative integers"});
    expect(R"({"x":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", d8, {"non-negative integers"});
    expect(R"({"x":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}})", d8, {"non-negative integers"});
    expect(R"({"x":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", d8, {"shape is not a list"});
    expect(R"({"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", d8, {"too large"});
    expect(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", d8, {"must be [begin, end]"});
    expect(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,-8]}})", d8, {"must be [begin, end]"});
    expect(R"({"x":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", d8, {"begin > end"});
    expect(R"({"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", d8, {"outside the data area of 8 bytes"});
    expect(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", d8, {"span 8 bytes", "needs 12"});
    expect(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
           d8, {"overlaps"});
    expect(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", d8, {"hole of 4 bytes", "'x'"});
    expect(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", d8, {"4 bytes after the last tensor"});
    expect(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
           d8, {"'x' appears twice"});
    expect(R"({"__metadata__":{"a":"b","n":3},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", d8,
           {"__metadata__ value of 'n' is not a string"});
    expect(R"({"__metadata__":[1],"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", d8,
           {"__metadata__ is not a JSON object"});
    expect("{\"x\xff\":1}", "", {"bad JSON header"});  // invalid UTF-8
    // Sanity: the same "ok" header does load, with a padded header too.
    const std::string good = tmp / "good.safetensors";
    write_raw(good, ok + "   ", d8);
    BOOST_TEST(io::load_safetensors(good).get("x").numel() == 2);
}

BOOST_AUTO_TEST_CASE(failed_writes_leave_the_target_untouched) {
    TempDir tmp;
    const std::string path = tmp / "ckpt.safetensors";
    io::save_safetensors(path, {{"w", Tensor::ones({3})}});
    const std::string before = read_bytes(path);
    Tensor t = Tensor::zeros({2});

    check_error([&] { io::save_safetensors(path, {{"a", t}, {"b", t}, {"a", t}}); }, {path, "'a' given twice"});
    check_error([&] { io::save_safetensors(path, {{"__metadata__", t}}); }, {"reserved"});
    check_error([&] { io::save_safetensors(path, {{"u", Tensor()}}); }, {"'u' is undefined"});
    check_error([&] { io::save_safetensors(tmp / "no/such/dir/x.safetensors", {{"a", t}}); },
                {"no/such/dir", "cannot create a temp file"});
    // Renaming over a directory fails after the temp file is fully written: it must be removed.
    fs::create_directory(tmp / "adir");
    fs::create_directory(tmp / "adir/inside");  // non-empty, so rename(2) refuses to replace it
    check_error([&] { io::save_safetensors(tmp / "adir", {{"a", t}}); }, {"cannot rename"});

    // A write that fails half-way (file size limit): the temp file goes, the target stays.
    {
        Tensor big = Tensor::zeros({100000});
        struct rlimit old {};
        ::getrlimit(RLIMIT_FSIZE, &old);
        auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit small = old;
        small.rlim_cur = 4096;
        ::setrlimit(RLIMIT_FSIZE, &small);
        std::string msg;
        try {
            io::save_safetensors(path, {{"big", big}});
        } catch (const Error& e) {
            msg = e.what();
        }
        ::setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, old_handler);
        BOOST_TEST(msg.find("write failed") != std::string::npos, msg);
    }

    BOOST_TEST((read_bytes(path) == before));
    BOOST_TEST(tmp.count() == 2u);  // ckpt.safetensors and adir: no temp files left
    BOOST_TEST(io::load_safetensors(path).get("w").to_vector<float>() == std::vector<float>({1, 1, 1}));
}

BOOST_AUTO_TEST_CASE(reads_a_file_written_by_the_independent_python_writer) {
    const std::string path = std::string(PRISM_SOURCE_DIR) + "/tests/io/data/from_python.safetensors";
    auto f = io::load_safetensors(path);
    // Tensors come back in data order, which the Python writer made differ from header order.
    std::vector<std::string> names;
    for (auto& [k, t] : f.tensors) names.push_back(k);
    BOOST_TEST((names == std::vector<std::string>{"brain.bf16", "bytes.u8", "flags.bool", "bytes.i8", "half.f16",
                                                  "empty.f32", "scalar.f64", "beta.i64", "mid.i32", "alpha.f64",
                                                  "zeta.f32"}));
    BOOST_TEST(f.metadata.at("writer") == "st_independent.py");
    BOOST_TEST(same(f.get("zeta.f32"), std::vector<float>{-1.0f, -0.75f, 0.5f, 0.25f, 1e-30f, 3.0e38f}, {2, 3}));
    BOOST_TEST(same(f.get("alpha.f64"), std::vector<double>{1.0 / 3.0, -2.5e300, M_PI}, {3}));
    BOOST_TEST(same(f.get("mid.i32"), std::vector<std::int32_t>{-7, 0, 2147483647, -2147483647 - 1}, {2, 2}));
    BOOST_TEST(same(f.get("beta.i64"), std::vector<std::int64_t>{(1LL << 40) + 3, -1, 0, -(1LL << 62)}, {4}));
    BOOST_TEST(same(f.get("scalar.f64"), std::vector<double>{2.5}, {}));
    BOOST_TEST(same(f.get("empty.f32"), std::vector<float>{}, {0, 4}));
    // Narrow dtypes are widened: F16/BF16 -> float32, BOOL/U8/I8 -> int32.
    BOOST_TEST(same(f.get("half.f16"),
                    std::vector<float>{1.0f, -2.5f, 65504.0f, std::ldexp(1.0f, -24), std::numeric_limits<float>::infinity()},
                    {5}));
    BOOST_TEST(same(f.get("brain.bf16"), std::vector<float>{1.0f, -3.5f, 0.15625f}, {3}));
    BOOST_TEST(same(f.get("flags.bool"), std::vector<std::int32_t>{1, 0, 1}, {3}));
    BOOST_TEST(same(f.get("bytes.u8"), std::vector<std::int32_t>{0, 255, 7}, {3}));
    BOOST_TEST(same(f.get("bytes.i8"), std::vector<std::int32_t>{-128, 127, -1}, {3}));
}

BOOST_AUTO_TEST_CASE(the_independent_python_reader_reads_our_file) {
    TempDir tmp;
    const std::string path = tmp / "for_python.safetensors";
    // Keep in sync with check() in tests/io/st_independent.py.
    Tensor w = Tensor::from_vector<float>({-1, -0.5f, 0, 0.5f, 1, 1.5f}, {2, 3});
    Tensor x = Tensor::from_vector<double>({1.0 / 3.0, -2.5e300, 1e-300}, {3});
    Tensor n32 = Tensor::from_vector<std::int32_t>({-7, 0, 2147483647, -2147483647 - 1}, {2, 2});
    Tensor n64 = Tensor::from_vector<std::int64_t>({(1LL << 40) + 3, -1, -(1LL << 62)}, {3});
    Tensor tr = Tensor::arange(6).reshape({2, 3}).t();  // non-contiguous (3, 2)
    io::save_safetensors(path,
                         {{"w.f32", w}, {"x.f64", x}, {"n.i32", n32}, {"n.i64", n64}, {"t.f32", tr},
                          {"s.f64", Tensor::scalar(2.5, kFloat64)}, {"e.f32", Tensor::zeros({0, 4})}},
                         {{"format", "pt"}, {"source", "prism"}});
    const std::string cmd = python() + " '" + PRISM_SOURCE_DIR + "/tests/io/st_independent.py' check '" + path + "'";
    const int rc = std::system(cmd.c_str());
    BOOST_TEST(rc == 0, cmd + " exited with " + std::to_string(rc));
}

BOOST_AUTO_TEST_SUITE_END()
