// Config and train_state JSON from outside (a checkpoint's metadata): every size and count
// must be a whole number. nlohmann's own conversion casts a float such as 2.5 or 1e300
// straight to int64 (truncated, or undefined behaviour); core/json.hpp's json_int refuses it
// with the field's name and value.
#include "../helpers.hpp"
#include "prism/core/json.hpp"
#include "prism/models/gpt.hpp"
#include "prism/models/vit.hpp"
#include "prism/train/train_state.hpp"

using namespace prism;

BOOST_AUTO_TEST_SUITE(config_json)

BOOST_AUTO_TEST_CASE(json_int_accepts_whole_numbers_only) {
    BOOST_TEST(json_int(nlohmann::json(12), "t", "k") == 12);
    BOOST_TEST(json_int(nlohmann::json(12.0), "t", "k") == 12);
    BOOST_TEST(json_int(nlohmann::json(-3), "t", "k") == -3);
    BOOST_TEST(json_int(nlohmann::json(9007199254740992.0), "t", "k") == 9007199254740992LL);
    test::check_error([] { json_int(nlohmann::json(2.5), "t", "depth"); }, {"t", "\"depth\"", "2.5"});
    test::check_error([] { json_int(nlohmann::json(1e300), "t", "dim"); }, {"\"dim\"", "1e+300"});
    test::check_error([] { json_int(nlohmann::json(std::numeric_limits<double>::infinity()), "t", "dim"); },
                      {"\"dim\""});
    test::check_error([] { json_int(nlohmann::json(std::numeric_limits<double>::quiet_NaN()), "t", "dim"); },
                      {"\"dim\""});
    test::check_error([] { json_int(nlohmann::json(18446744073709551615ull), "t", "dim"); },
                      {"\"dim\"", "18446744073709551615"});
    test::check_error([] { json_int(nlohmann::json("12"), "t", "dim"); }, {"\"dim\"", "\"12\""});
}

BOOST_AUTO_TEST_CASE(vit_config_refuses_fractional_and_huge_sizes) {
    const auto j = models::ViTConfig::preset("vit-tiny").to_json();
    BOOST_TEST(models::ViTConfig::from_json(j).to_json() == j);
    auto whole = j;
    whole["depth"] = 3.0;  // a whole float is a whole number
    BOOST_TEST(models::ViTConfig::from_json(whole).depth == 3);
    for (const char* key : {"image_size", "patch_size", "in_channels", "num_classes", "dim", "depth", "heads", "mlp_dim"}) {
        auto bad = j;
        bad[key] = 2.5;  // the old reader truncated it to 2 and built that model
        test::check_error([&] { models::ViTConfig::from_json(bad); }, {"vit config", key, "2.5"});
        bad[key] = 1e300;  // the old reader's cast to int64 was undefined behaviour
        test::check_error([&] { models::ViTConfig::from_json(bad); }, {"vit config", key});
    }
}

BOOST_AUTO_TEST_CASE(gpt_config_refuses_fractional_and_huge_sizes) {
    auto c = models::GPTConfig::preset("gpt-mini");
    c.vocab_size = 73;
    const auto j = c.to_json();
    for (const char* key : {"vocab_size", "context_length", "dim", "depth", "heads", "mlp_dim"}) {
        auto bad = j;
        bad[key] = 6.5;
        test::check_error([&] { models::GPTConfig::from_json(bad); }, {"gpt config", key, "6.5"});
        bad[key] = -1e300;
        test::check_error([&] { models::GPTConfig::from_json(bad); }, {"gpt config", key});
    }
}

BOOST_AUTO_TEST_CASE(train_state_refuses_bad_counts) {
    const auto good = train::TrainState{}.to_json();
    BOOST_TEST(train::TrainState::from_json(good, "f").step == 0);
    auto bad = good;
    bad["step"] = 1.5;
    test::check_error([&] { train::TrainState::from_json(bad, "run/last.safetensors"); },
                      {"run/last.safetensors", "\"step\"", "1.5"});
    bad["step"] = -4;  // the old reader resumed at step -4
    test::check_error([&] { train::TrainState::from_json(bad, "f"); }, {"\"step\"", "-4"});
    bad = good;
    bad["loader"]["batch"] = 1e300;
    test::check_error([&] { train::TrainState::from_json(bad, "f"); }, {"\"batch\""});
    bad = good;
    bad["rng"]["seed"] = 0.5;  // was cast to uint64 0
    test::check_error([&] { train::TrainState::from_json(bad, "f"); }, {"\"seed\"", "0.5"});
    bad = good;
    bad["rng"]["offset"] = -1;  // was cast to uint64 2^64 - 1
    test::check_error([&] { train::TrainState::from_json(bad, "f"); }, {"\"offset\"", "-1"});
}

BOOST_AUTO_TEST_SUITE_END()
