// The attention registry (nn/attention_registry.hpp): what the built-in kinds declare, and a kind
// registered here, in the test, being usable through every path that derives from the registry:
// models::parse_attention_options, make_attention, the checkpoint config and the diagnostics.
#include <algorithm>

#include "../helpers.hpp"
#include "prism/diag/head_operators.hpp"
#include "prism/models/attention_spec.hpp"
#include "prism/nn.hpp"

using namespace prism;

namespace {

// A toy kind: standard attention whose head outputs are multiplied by "gain".
struct GainAttention : nn::MultiHeadSelfAttention {
    using nn::MultiHeadSelfAttention::MultiHeadSelfAttention;
    std::string kind() const override { return "toy-gain"; }
    Tensor attend(const Tensor& q, const Tensor& k, const Tensor& v, nn::AttentionContext& ctx) override {
        return mul(nn::MultiHeadSelfAttention::attend(q, k, v, ctx), config.param("gain"));
    }
};

nn::AttentionKindInfo toy_kind() {
    return {.name = "toy-gain",
            .summary = "standard attention times a gain",
            .factory = [](const nn::AttentionConfig& c, const nn::AttentionArgs& a) {
                return std::make_shared<GainAttention>(c, a);
            },
            .params = {{.name = "gain", .help = "factor on the head outputs", .default_value = 1.0,
                        .language_default = 2.0, .range = number_in(0, 10)},
                       {.name = "band", .type = nn::AttentionParam::Type::Pair, .help = "LO,HI: a band"}}};
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(attention_registry)

BOOST_AUTO_TEST_CASE(builtin_kinds_and_their_parameters) {
    const auto kinds = nn::attention_kinds();
    for (const char* k : {"standard", "spectral-smooth", "spectral-sharpen", "spectral-free", "spectral-rotate", "neutreno",
                          "resformer", "svformer"})
        BOOST_TEST(contains(kinds, k), k);
    BOOST_TEST(kinds.front() == "standard");
    BOOST_TEST((nn::study_default_kinds() == std::vector<std::string>{"standard", "spectral-smooth", "spectral-sharpen",
                                                                      "neutreno", "resformer", "spectral-rotate"}));
    for (const auto& info : nn::attention_kind_infos()) {
        BOOST_TEST(!info.summary.empty(), info.name);
        BOOST_TEST(static_cast<bool>(info.factory), info.name);
    }
    const auto neu = nn::attention_kind("neutreno");
    BOOST_REQUIRE(neu.param("alpha"));
    BOOST_TEST(*neu.param("alpha")->default_for(nn::Task::Vision) == 0.6);
    BOOST_TEST(*neu.param("alpha")->default_for(nn::Task::Language) == 0.4);
    BOOST_TEST(neu.param_list() == "--alpha");
    BOOST_TEST(nn::attention_kind("resformer").param_list() == "--lambda1, --lambda2, --learnable-lambdas");
    BOOST_TEST(nn::attention_kind("resformer").param("learnable-lambdas")->config_key() == "learnable");
    BOOST_TEST(nn::attention_kind("standard").param_list() == "no options");
    BOOST_TEST(nn::attention_kind("spectral-rotate").param("rotate-clip")->range.describe() == "finite, >= 0");
    // one option per parameter name, listing every kind that takes it
    for (const auto& o : nn::attention_options())
        if (o.param.name == "spectral-clip")
            BOOST_TEST((o.kinds == std::vector<std::string>{"spectral-smooth", "spectral-sharpen", "spectral-free"}));
        else if (o.param.name == "alpha")
            BOOST_TEST(o.help(nn::Task::Language) == "neutreno: weight of V^0 - V^l (default 0.4)");
    test::check_error([] { nn::attention_kind("nope"); }, {"unknown attention kind 'nope'", "neutreno"});
}

BOOST_AUTO_TEST_CASE(make_attention_fills_defaults_and_refuses_unknown_parameters) {
    auto a = std::dynamic_pointer_cast<nn::NeutrenoAttention>(nn::make_attention({.kind = "neutreno"}, 8, 2, 1));
    BOOST_REQUIRE(a);
    BOOST_TEST(a->alpha == 0.6);
    test::check_error([] { nn::make_attention({.kind = "neutreno", .params = {{"alhpa", 0.5}}}, 8, 2, 1); },
                      {"make_attention", "neutreno", "'alhpa'", "--alpha"});
    test::check_error([] { nn::make_attention({.kind = "neutreno", .params = {{"alpha", NAN}}}, 8, 2, 1); },
                      {"--alpha", "finite"});
    test::check_error([] { nn::make_attention({.kind = "spectral-rotate", .params = {{"clip_lo", 0.0}}}, 8, 2, 1); },
                      {"clip_lo", "clip_hi"});
    test::check_error([] { nn::make_attention({.kind = "resformer", .params = {{"learnable", 0.5}}}, 8, 2, 1); },
                      {"--learnable-lambdas", "0 or 1"});
}

BOOST_AUTO_TEST_CASE(registration_is_checked) {
    test::check_error([] { nn::register_attention_kind({.name = "no-factory"}); }, {"factory"});
    auto clash = toy_kind();
    clash.name = "toy-clash";
    clash.params = {{.name = "alpha", .help = "something else", .default_value = 1.0}};
    test::check_error([&] { nn::register_attention_kind(clash); }, {"toy-clash", "--alpha", "neutreno"});
    auto reserved = toy_kind();
    reserved.name = "toy-reserved";
    reserved.params = {{.name = "attention-layers"}};
    test::check_error([&] { nn::register_attention_kind(reserved); }, {"attention-layers"});
    BOOST_TEST(!nn::is_attention_kind("toy-clash"));
}

// A kind registered by a program (here: the test) works through every derived path.
BOOST_AUTO_TEST_CASE(a_registered_kind_is_usable_everywhere) {
    nn::register_attention_kind(toy_kind());
    BOOST_TEST(contains(nn::attention_kinds(), "toy-gain"));
    BOOST_TEST(!contains(nn::study_default_kinds(), "toy-gain"));

    // options -> spec, with the task's defaults
    const auto vision = models::parse_attention_options("toy-gain");
    BOOST_TEST(vision.params.at("gain") == 1.0);
    BOOST_TEST(models::parse_attention_options("toy-gain", {}, "", nn::Task::Language).params.at("gain") == 2.0);
    const auto s = models::parse_attention_options("toy-gain", {{"gain", "3"}, {"band", "-1,1"}}, "1,2");
    BOOST_TEST(s.params.at("gain") == 3.0);
    BOOST_TEST((s.pair("band") == std::make_pair(-1.0, 1.0)));
    test::check_error([] { models::parse_attention_options("toy-gain", {{"gain", "11"}}); }, {"--gain", "'11'", "in [0, 10]"});
    test::check_error([] { models::parse_attention_options("toy-gain", {{"alpha", "0.5"}}); },
                      {"--alpha applies to neutreno", "toy-gain takes --gain, --band"});
    test::check_error([] { models::parse_attention_options("neutreno", {{"gain", "2"}}); }, {"--gain applies to toy-gain"});

    // the checkpoint config: a pair under its own key, round trip, unknown keys refused
    const auto j = s.to_json();
    BOOST_TEST(j.at("band") == nlohmann::json::array({-1.0, 1.0}));
    BOOST_TEST(j.at("clip").is_null());
    const auto back = models::AttentionSpec::from_json(nlohmann::json::parse(j.dump()));
    BOOST_TEST((back.params == s.params && back.layers == s.layers && back.kind == "toy-gain"));
    test::check_error([] { models::AttentionSpec::from_json({{"kind", "toy-gain"}, {"gian", 2}}); }, {"'gian'", "--gain"});

    // make_attention and a forward: gain 0 leaves only the projection's bias
    manual_seed(3);
    auto attn = nn::make_attention(s.for_layer(1, false, true), 8, 2, 1);
    BOOST_TEST(attn->kind() == "toy-gain");
    auto zero = nn::make_attention({.kind = "toy-gain", .params = {{"gain", 0.0}}}, 8, 2, 0);
    Generator g(4);
    nn::AttentionContext ctx;
    const Tensor y = zero->forward(Tensor::randn({1, 3, 8}, g), ctx);
    const Tensor bias = zero->child("proj")->named_parameters()[1].second;
    BOOST_TEST(test::max_abs_diff(y, add(Tensor::zeros(y.shape()), bias)) < 1e-6);

    // the diagnostics: a subclass of MultiHeadSelfAttention that does not describe its layer map
    const auto ops = diag::layer_operators(*attn);
    BOOST_TEST(!ops.growth.applicable);
    BOOST_TEST(ops.growth.reason.find("toy-gain") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
