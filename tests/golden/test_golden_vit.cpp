// ViT parity with an independent PyTorch ViT (tests/golden/gen_vit.py, timm's layout), both ways:
//  - PyTorch -> prism: tests/golden/vit.safetensors holds two PyTorch ViTs (in_channels 1 and 3)
//    by timm names, their inputs and logits; prism loads them strictly by name and must give the
//    same logits (max abs diff <= 1e-4) and exactly PyTorch's parameter names, in PyTorch's order.
//  - prism -> PyTorch: a prism checkpoint (io::save_checkpoint, with optimizer state) and its
//    logits are written to a temp dir and `gen_vit.py --check` loads it into PyTorch, when torch
//    is importable (CI has none: skipped with a message). A checkpoint checked that way once is
//    committed (tests/golden/vit_prism_ckpt{,.logits}.safetensors) and prism must still
//    reproduce its logits. PRISM_WRITE_GOLDEN=1 rewrites that pair from this test.
#include <cstdlib>
#include <filesystem>

#include "../data/tmpdir.hpp"
#include "../helpers.hpp"
#include "prism/autograd/functions.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/io/safetensors.hpp"
#include "prism/models/vit.hpp"
#include "prism/nn/init.hpp"
#include "prism/optim/adamw.hpp"

using namespace prism;

namespace {

const std::string kSrc = PRISM_SOURCE_DIR;
constexpr double kTol = 1e-4;

std::string python() { return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; }

bool torch_available() {
    return std::system((python() + " -c 'import torch, numpy' >/dev/null 2>&1").c_str()) == 0;
}

Tensor eval_logits(models::ViT& model, const Tensor& images) {
    NoGradGuard no_grad;
    model.eval();
    return model.forward(images);
}

// The tiny config of gen_vit.py.
models::ViTConfig tiny_config(std::int64_t in_ch) {
    models::ViTConfig c;
    c.image_size = 8; c.patch_size = 4; c.in_channels = in_ch; c.num_classes = 5;
    c.dim = 16; c.depth = 2; c.heads = 2; c.mlp_dim = 32;
    c.input_mean.assign(in_ch, 0.5);
    c.input_std.assign(in_ch, 0.5);
    return c;
}

void check_pytorch_model(const std::string& tag) {
    const auto f = io::load_safetensors(kSrc + "/tests/golden/vit.safetensors");
    const std::string prefix = tag + ".";
    const auto cfg = models::ViTConfig::from_json(nlohmann::json::parse(f.metadata.at("config." + tag)));
    const auto torch_keys = nlohmann::json::parse(f.metadata.at("keys." + tag)).get<std::vector<std::string>>();

    models::ViT model(cfg);
    std::vector<std::string> prism_keys;
    for (auto& [name, p] : model.named_parameters()) prism_keys.push_back(name);
    BOOST_TEST(prism_keys == torch_keys, boost::test_tools::per_element());

    nn::StateDict sd;
    for (auto& [name, t] : f.tensors)
        if (name.rfind(prefix, 0) == 0 && name != prefix + "images" && name != prefix + "logits")
            sd[name.substr(prefix.size())] = t;
    BOOST_TEST(sd.size() == torch_keys.size());
    model.load_state_dict(sd, /*strict=*/true);

    const Tensor logits = eval_logits(model, f.get(prefix + "images"));
    const double err = test::max_abs_diff(logits, f.get(prefix + "logits"));
    BOOST_TEST_MESSAGE("vit parity PyTorch -> prism, " << tag << ": max abs logit diff " << err);
    BOOST_TEST(err <= kTol);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(golden_vit)

BOOST_AUTO_TEST_CASE(pytorch_vit_loads_by_timm_names_in1) { check_pytorch_model("c1"); }
BOOST_AUTO_TEST_CASE(pytorch_vit_loads_by_timm_names_in3) { check_pytorch_model("c3"); }

// A prism checkpoint with optimizer state (as training writes it) loads back into prism exactly and
// into PyTorch by name.
BOOST_AUTO_TEST_CASE(prism_checkpoint_loads_into_pytorch) {
    test::TmpDir dir;
    const auto cfg = tiny_config(3);
    Generator gen(7);
    models::ViT model(cfg, &gen);
    // O(1) weights (timm's init gives logits ~0.01, too small to tell a wrong layout apart)
    for (auto& [name, p] : model.named_parameters()) {
        const bool gain = name.find("norm") != std::string::npos && name.find(".weight") != std::string::npos;
        if (gain) nn::init::normal_(p, 1.0, 0.2, &gen);
        else nn::init::normal_(p, 0.0, 0.3, &gen);
    }
    // One AdamW step so the file carries "optim." tensors, which PyTorch must ignore.
    optim::AdamW opt(model.named_parameters(), {.lr = 1e-3});
    const Tensor train_x = Tensor::randn({4, 3, 8, 8}, gen);
    const Tensor train_y = Tensor::from_vector<std::int64_t>({0, 1, 2, 4}, {4});
    opt.zero_grad();
    cross_entropy(model.forward(train_x), train_y).backward();
    opt.step();

    const Tensor images = Tensor::randn({5, 3, 8, 8}, gen);
    const Tensor logits = eval_logits(model, images);
    const std::string ckpt = dir / "vit.safetensors", lfile = dir / "vit.logits.safetensors";
    io::save_checkpoint(ckpt, model, cfg.to_json(), opt.state_tensors(), nlohmann::json{{"step", 1}});
    io::save_safetensors(lfile, {{"images", images}, {"logits", logits}}, {});

    // prism -> prism: rebuilt from the config alone, bit-identical logits
    const io::Checkpoint c = io::load_checkpoint(ckpt);
    BOOST_TEST(!c.optim.empty());
    models::ViT back(models::ViTConfig::from_json(c.config));
    back.load_state_dict(c.model, /*strict=*/true);
    BOOST_TEST(test::max_abs_diff(eval_logits(back, images), logits) == 0.0);

    if (const char* w = std::getenv("PRISM_WRITE_GOLDEN"); w && std::string(w) == "1") {
        const auto copy = std::filesystem::copy_options::overwrite_existing;
        std::filesystem::copy_file(ckpt, kSrc + "/tests/golden/vit_prism_ckpt.safetensors", copy);
        std::filesystem::copy_file(lfile, kSrc + "/tests/golden/vit_prism_ckpt.logits.safetensors", copy);
        BOOST_TEST_MESSAGE("wrote tests/golden/vit_prism_ckpt{,.logits}.safetensors");
    }

    if (!torch_available()) {
        BOOST_TEST_MESSAGE("golden_vit: torch not importable by " << python()
                                                                  << ": prism -> PyTorch check skipped");
        return;
    }
    const std::string cmd = python() + " " + kSrc + "/tests/golden/gen_vit.py --check " + ckpt;
    BOOST_TEST_MESSAGE("running " << cmd);
    BOOST_TEST(std::system(cmd.c_str()) == 0, cmd);
}

// The committed prism checkpoint (verified against PyTorch with gen_vit.py --check when it was
// written) still gives the same logits in prism: the prism -> PyTorch direction without torch.
BOOST_AUTO_TEST_CASE(committed_prism_checkpoint_reproduces) {
    const std::string base = kSrc + "/tests/golden/vit_prism_ckpt";
    const io::Checkpoint c = io::load_checkpoint(base + ".safetensors");
    BOOST_REQUIRE(!c.config.is_null());
    models::ViT model(models::ViTConfig::from_json(c.config));
    model.load_state_dict(c.model, /*strict=*/true);
    const auto ref = io::load_safetensors(base + ".logits.safetensors");
    const double err = test::max_abs_diff(eval_logits(model, ref.get("images")), ref.get("logits"));
    BOOST_TEST_MESSAGE("committed prism checkpoint: max abs logit diff " << err);
    BOOST_TEST(err <= 1e-5);
}

BOOST_AUTO_TEST_SUITE_END()
