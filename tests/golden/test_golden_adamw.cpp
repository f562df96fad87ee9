// AdamW + warm-up/cosine schedule against PyTorch 1.13 (tests/golden/gen_adamw.py).
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "prism/optim/adamw.hpp"
#include "prism/optim/schedule.hpp"

using namespace prism;

namespace {
// Minimal safetensors reader for F32/F64 (the io/ module may not be built yet).
std::map<std::string, Tensor> read_safetensors(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(f, "cannot open " + path);
    std::uint64_t n = 0;
    f.read(reinterpret_cast<char*>(&n), 8);
    std::string header(n, ' ');
    f.read(header.data(), static_cast<std::streamsize>(n));
    std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::map<std::string, Tensor> out;
    const nlohmann::json j = nlohmann::json::parse(header);
    for (const auto& [name, e] : j.items()) {
        if (name == "__metadata__") continue;
        const DType dt = e["dtype"] == "F64" ? kFloat64 : kFloat32;
        Tensor t = Tensor::empty(e["shape"].get<Shape>(), dt);
        const auto b = e["data_offsets"][0].get<std::size_t>(), end = e["data_offsets"][1].get<std::size_t>();
        BOOST_REQUIRE(end - b == t.numel() * t.itemsize() && end <= data.size());
        std::memcpy(t.raw_data(), data.data() + b, end - b);
        out[name] = t;
    }
    return out;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(golden_adamw)

BOOST_AUTO_TEST_CASE(adamw_with_groups_and_schedule_matches_pytorch) {
    auto file = read_safetensors(std::string(PRISM_SOURCE_DIR) + "/tests/golden/adamw.safetensors");
    const std::vector<std::string> names = {"fc.weight", "fc.bias", "ln.weight"};
    optim::NamedParams params;
    for (const auto& n : names) params.emplace_back(n, file.at("init." + n).clone().requires_grad_());
    auto groups = optim::default_param_groups(params, 0.1);
    BOOST_TEST((groups[0].names == std::vector<std::string>{"fc.weight"}));
    optim::AdamW opt(groups, {.lr = 1e-2, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8});
    optim::WarmupCosineLR sched(1e-2, 2, 5, 1e-4);
    for (int it = 0; it < 5; ++it) {
        const std::string s = std::to_string(it);
        for (auto& [n, p] : params) p.set_grad(file.at("grad." + s + "." + n));
        BOOST_TEST(std::fabs(sched.lr_at(it) - file.at("lr." + s).item()) < 1e-15);
        opt.set_lr(sched.lr_at(it));
        opt.step();
        for (auto& [n, p] : params) {
            const double d = test::max_abs_diff(p, file.at("step." + s + "." + n));
            BOOST_TEST(d < 1e-6, "step " << it << " " << n << ": max |diff| " << d);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
