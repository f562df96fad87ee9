// spectral-rotate against an independent PyTorch implementation
// (tests/golden/gen_attention_rotate.py, which builds each head's B_h with torch.block_diag and
// runs the heads one at a time): L layers with residuals, x_{i+1} = x_i + attn_i(x_i);
// parameters loaded by name, then the output and every gradient of sum(out * W) compared in
// float64. Covers the clip (magnitudes clipped at both ends: zero gradient there), an odd head
// size (the 1x1 slot r cos phi), causal attention and q/k without bias.
#include "golden_attention.hpp"

using namespace prism;

namespace {

void check_case(const std::string& name, const nn::AttentionConfig& cfg, std::int64_t C, std::int64_t NH,
                std::int64_t layers) {
    test::check_attention_stack("tests/golden/attention_rotate.safetensors", name, cfg, C, NH, layers);
}

nn::AttentionConfig config(std::map<std::string, double> params, bool qkv_bias, bool causal) {
    return test::attention_config("spectral-rotate", std::move(params), qkv_bias, causal);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(golden_attention_rotate)

BOOST_AUTO_TEST_CASE(rotate_with_clip) {
    check_case("rotate", config({{"clip_lo", 0.2}, {"clip_hi", 0.7}}, true, false), 12, 3, 1);
}

BOOST_AUTO_TEST_CASE(rotate_odd_head_size_causal_two_layers) {
    check_case("rotate_odd", config({}, false, true), 15, 3, 2);
}

BOOST_AUTO_TEST_SUITE_END()
