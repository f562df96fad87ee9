// Checkpoint contents as users rely on them: the ViT config survives the JSON round trip
// (every field, including the attention spec), a checkpoint rebuilds its model from the
// config alone, and files that cannot be used for what is asked give errors naming the file.
// (Atomic writes are tested in tests/io.)
#include "../data/tmpdir.hpp"
#include "../helpers.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/io/safetensors.hpp"
#include "prism/models/vit.hpp"
#include "prism/optim/adamw.hpp"
#include "prism/train/train_state.hpp"

using namespace prism;

namespace {

models::ViTConfig unusual_config() {
    models::ViTConfig c;
    c.image_size = 12; c.patch_size = 3; c.in_channels = 3; c.num_classes = 4;
    c.dim = 24; c.depth = 3; c.heads = 4; c.mlp_dim = 40;
    c.qkv_bias = false;
    c.norm_eps = 1e-5;
    c.activation = "gelu_tanh";
    c.attention.kind = "resformer";
    c.attention.layers = std::make_pair(std::int64_t{1}, std::int64_t{3});
    c.attention.params = {{"lambda1", 2.0}, {"lambda2", 0.25}, {"learnable", 1.0}};
    c.drop = 0.1; c.attn_drop = 0.05;
    c.input_mean = {0.1, 0.2, 0.3};
    c.input_std = {0.4, 0.5, 0.6};
    c.class_names = {"cat", "dog", "owl", "eel"};
    return c;
}

void check_same(const models::ViTConfig& a, const models::ViTConfig& b) {
    BOOST_TEST(a.image_size == b.image_size);
    BOOST_TEST(a.patch_size == b.patch_size);
    BOOST_TEST(a.in_channels == b.in_channels);
    BOOST_TEST(a.num_classes == b.num_classes);
    BOOST_TEST(a.dim == b.dim);
    BOOST_TEST(a.depth == b.depth);
    BOOST_TEST(a.heads == b.heads);
    BOOST_TEST(a.mlp_dim == b.mlp_dim);
    BOOST_TEST(a.qkv_bias == b.qkv_bias);
    BOOST_TEST(a.norm_eps == b.norm_eps);
    BOOST_TEST(a.activation == b.activation);
    BOOST_TEST(a.attention.kind == b.attention.kind);
    BOOST_TEST((a.attention.layers == b.attention.layers));
    BOOST_TEST((a.attention.params == b.attention.params));
    BOOST_TEST(a.drop == b.drop);
    BOOST_TEST(a.attn_drop == b.attn_drop);
    BOOST_TEST(a.input_mean == b.input_mean, boost::test_tools::per_element());
    BOOST_TEST(a.input_std == b.input_std, boost::test_tools::per_element());
    BOOST_TEST(a.class_names == b.class_names, boost::test_tools::per_element());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(train_checkpoint)

BOOST_AUTO_TEST_CASE(vit_config_json_round_trip) {
    for (const auto& cfg : {models::ViTConfig{}, models::ViTConfig::preset("vit-micro"), unusual_config()}) {
        const nlohmann::json j = cfg.to_json();
        // through text, as it travels in the checkpoint metadata
        const auto back = models::ViTConfig::from_json(nlohmann::json::parse(j.dump()));
        check_same(cfg, back);
        BOOST_TEST(back.to_json() == j);
    }
    // the fields issue 4 requires in the "config" metadata
    const nlohmann::json j = unusual_config().to_json();
    for (const char* k : {"model", "image_size", "patch_size", "in_channels", "num_classes", "dim", "depth", "heads",
                          "mlp_dim", "qkv_bias", "norm_eps", "activation", "attention", "input_mean", "input_std",
                          "class_names"})
        BOOST_TEST(j.contains(k), k);
    BOOST_TEST(j["model"] == "vit");
    BOOST_TEST(j["activation"] == "gelu_tanh");
}

BOOST_AUTO_TEST_CASE(attention_spec_json) {
    models::AttentionSpec s;
    s.kind = "spectral-sharpen";
    s.params = {{"clip_lo", -1.0}, {"clip_hi", 0.0}};
    s.layers = std::make_pair(std::int64_t{0}, std::int64_t{6});
    const nlohmann::json j = s.to_json();
    BOOST_TEST(j["kind"] == "spectral-sharpen");
    BOOST_TEST(j["clip"] == nlohmann::json::array({-1.0, 0.0}));
    BOOST_TEST(j["layers"] == nlohmann::json::array({0, 6}));
    BOOST_TEST(j.size() == 3u);  // kind, clip, layers: the clip is not repeated as clip_lo / clip_hi
    const auto back = models::AttentionSpec::from_json(nlohmann::json::parse(j.dump()));
    BOOST_TEST(back.kind == s.kind);
    BOOST_TEST((back.layers == s.layers));
    BOOST_TEST((back.params == s.params));
    BOOST_TEST(back.applies_to(5));
    BOOST_TEST(!back.applies_to(6));

    // defaults and the string shorthand
    const auto plain = models::AttentionSpec::from_json(models::AttentionSpec{}.to_json());
    BOOST_TEST(plain.kind == "standard");
    BOOST_TEST(!plain.pair("clip").has_value());
    BOOST_TEST(plain.to_json().dump() == R"({"clip":null,"kind":"standard","layers":null})");  // as every checkpoint so far
    BOOST_TEST(!plain.layers.has_value());
    BOOST_TEST(models::AttentionSpec::from_json("standard").kind == "standard");

    // bad fields name themselves
    test::check_error([] { models::AttentionSpec::from_json({{"clip", {1, 2}}}); }, {"attention config", "kind"});
    test::check_error([] { models::AttentionSpec::from_json({{"kind", "standard"}, {"clip", {1}}}); },
                      {"attention config", "clip"});
    test::check_error([] { models::AttentionSpec::from_json({{"kind", "standard"}, {"alpha", "big"}}); },
                      {"attention config", "alpha"});
    test::check_error([] { models::AttentionSpec::from_json(42); }, {"attention config"});
    // a parameter the kind does not take is an error, not silently ignored (it used to be)
    test::check_error([] { models::AttentionSpec::from_json({{"kind", "neutreno"}, {"lambda", 0.5}}); },
                      {"attention config", "neutreno", "'lambda'", "--alpha"});
    test::check_error([] { models::AttentionSpec::from_json({{"kind", "standard"}, {"clip", {-1, 0}}}); },
                      {"attention config", "standard", "'clip'"});
    test::check_error([] { models::AttentionSpec::from_json({{"kind", "spectral-rotate"}, {"clip", {-1, 0}}}); },
                      {"attention config", "--rotate-clip", ">= 0"});
    test::check_error([] { models::AttentionSpec::from_json({{"kind", "nope"}}); }, {"attention config", "unknown", "neutreno"});
    // the defaults of the model's task fill what the config leaves out
    BOOST_TEST(models::AttentionSpec::from_json({{"kind", "neutreno"}}).params.at("alpha") == 0.6);
    BOOST_TEST(models::AttentionSpec::from_json({{"kind", "neutreno"}}, nn::Task::Language).params.at("alpha") == 0.4);
}

BOOST_AUTO_TEST_CASE(bad_vit_config_names_the_field) {
    auto j = unusual_config().to_json();
    j["heads"] = 5;  // 24 % 5 != 0
    test::check_error([&] { models::ViTConfig::from_json(j); }, {"vit config", "heads"});
    j = unusual_config().to_json();
    j.erase("dim");
    test::check_error([&] { models::ViTConfig::from_json(j); }, {"vit config", "dim"});
    j = unusual_config().to_json();
    j["model"] = "gpt";
    test::check_error([&] { models::ViTConfig::from_json(j); }, {"vit config", "gpt"});
    j = unusual_config().to_json();
    j["activation"] = "relu";
    test::check_error([&] { models::ViTConfig::from_json(j); }, {"relu"});
}

// A checkpoint holds everything needed to rebuild the model: config + weights, nothing else.
BOOST_AUTO_TEST_CASE(checkpoint_rebuilds_model_from_config) {
    test::TmpDir dir;
    models::ViTConfig cfg = models::ViTConfig::preset("vit-micro");
    cfg.image_size = 8; cfg.patch_size = 4; cfg.dim = 16; cfg.depth = 1; cfg.heads = 2; cfg.mlp_dim = 16; cfg.num_classes = 3;
    cfg.class_names = {"x", "y", "z"};
    Generator g(3);
    models::ViT model(cfg, &g);
    optim::AdamW opt(model.named_parameters());
    const std::string path = dir / "m.safetensors";
    io::save_checkpoint(path, model, cfg.to_json(), opt.state_tensors(), train::TrainState{}.to_json());

    const io::Checkpoint c = io::load_checkpoint(path);
    BOOST_TEST(c.path == path);
    BOOST_TEST(c.model.size() == model.named_parameters().size());
    for (auto& [name, t] : c.model) BOOST_TEST(name.rfind("optim.", 0) != 0);
    for (auto& [name, t] : c.optim) BOOST_TEST(name.rfind("optim.", 0) == 0);
    BOOST_TEST(c.train_state.contains("step"));
    models::ViT back(models::ViTConfig::from_json(c.config));
    back.load_state_dict(c.model);
    BOOST_TEST(back.config.class_names == cfg.class_names, boost::test_tools::per_element());
    Generator gi(4);
    const Tensor x = Tensor::randn({2, 1, 8, 8}, gi);
    NoGradGuard ng;
    model.eval();
    back.eval();
    BOOST_TEST(test::max_abs_diff(model.forward(x), back.forward(x)) == 0.0);
}

// A plain safetensors file (e.g. torch's save_file of a state_dict without metadata) loads as a
// checkpoint without a config; using it to resume a run is an error naming the file.
BOOST_AUTO_TEST_CASE(file_without_config_or_train_state) {
    test::TmpDir dir;
    const std::string path = dir / "plain.safetensors";
    Generator g(1);
    io::save_safetensors(path, {{"head.weight", Tensor::randn({3, 4}, g)}}, {});
    const io::Checkpoint c = io::load_checkpoint(path);
    BOOST_TEST(c.config.is_null());
    BOOST_TEST(c.train_state.is_null());
    BOOST_TEST(c.model.size() == 1u);
    test::check_error([&] { models::ViTConfig::from_json(c.config); }, {"vit config", "object"});

    models::ViTConfig cfg;
    cfg.image_size = 8; cfg.dim = 8; cfg.depth = 1; cfg.heads = 2; cfg.mlp_dim = 8;
    models::ViT model(cfg, &g);
    optim::AdamW opt(model.named_parameters());
    test::check_error([&] { train::resume_from(path, model, opt, nullptr); }, {path, "train_state"});

    // metadata that is not JSON, and a missing file: both name the file
    const std::string bad = dir / "bad.safetensors";
    io::save_safetensors(bad, {{"w", Tensor::zeros({2})}}, {{"config", "{not json"}});
    test::check_error([&] { io::load_checkpoint(bad); }, {bad, "config"});
    const std::string missing = dir / "missing.safetensors";
    test::check_error([&] { io::load_checkpoint(missing); }, {missing});
}

// Loading a checkpoint of another shape names the key and both shapes, and changes nothing.
BOOST_AUTO_TEST_CASE(shape_mismatch_names_key_and_shapes) {
    test::TmpDir dir;
    models::ViTConfig small;
    small.image_size = 8; small.dim = 16; small.depth = 1; small.heads = 2; small.mlp_dim = 16; small.num_classes = 3;
    models::ViTConfig wide = small;
    wide.num_classes = 7;
    Generator g(2);
    models::ViT a(small, &g), b(wide, &g);
    const std::string path = dir / "a.safetensors";
    io::save_checkpoint(path, a, small.to_json());
    const Tensor before = b.head->weight.clone();
    test::check_error([&] { b.load_state_dict(io::load_checkpoint(path).model); }, {"head.weight", "(3, 16)", "(7, 16)"});
    BOOST_TEST(test::max_abs_diff(before, b.head->weight) == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
