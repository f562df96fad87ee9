// The attention kinds against an independent PyTorch implementation
// (tests/golden/gen_attention_kinds.py): L attention layers with residuals,
// x_{i+1} = x_i + attn_i(x_i); parameters loaded by name, then the output and every gradient of
// sum(out * W) compared in float64.
#include "golden_attention.hpp"

using namespace prism;

namespace {

void check_case(const std::string& name, const nn::AttentionConfig& cfg, std::int64_t layers) {
    test::check_attention_stack("tests/golden/attention_kinds.safetensors", name, cfg, 12, 3, layers);
}

using test::attention_config;

}  // namespace

BOOST_AUTO_TEST_SUITE(golden_attention_kinds)

BOOST_AUTO_TEST_CASE(spectral_sharpen_with_clip) {
    check_case("sharpen", attention_config("spectral-sharpen", {{"clip_lo", -0.5}, {"clip_hi", 0.0}}, false), 1);
}

BOOST_AUTO_TEST_CASE(spectral_smooth) { check_case("smooth", attention_config("spectral-smooth"), 1); }

BOOST_AUTO_TEST_CASE(neutreno_two_layers) { check_case("neutreno", attention_config("neutreno", {{"alpha", 0.4}}), 2); }

BOOST_AUTO_TEST_CASE(resformer_two_layers_learnable) {
    check_case("resformer", attention_config("resformer", {{"lambda1", 0.3}, {"lambda2", 0.8}, {"learnable", 1}}), 2);
}

BOOST_AUTO_TEST_CASE(svformer_two_layers_causal) {
    check_case("svformer", attention_config("svformer", {}, true, true), 2);
}

BOOST_AUTO_TEST_SUITE_END()
