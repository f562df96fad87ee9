// `prism bench vit|gpt`: option checks (exit 2, one line naming the option) and the --json
// contract (exactly one JSON object with the throughput, MFU and breakdown fields), on tiny
// batches so the runs take seconds.
#include <nlohmann/json.hpp>

#include "../helpers.hpp"
#include "cli_driver.hpp"

using namespace prism;

namespace {

void check_usage(const std::vector<std::string>& args, const std::string& option) {
    const auto r = test::run_cli(args);
    BOOST_TEST(r.exit_code == 2, r.all());
    BOOST_TEST(r.err.find(option) != std::string::npos, r.err);
    BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
}

void check_json(const std::vector<std::string>& args, bool gpt) {
    const auto r = test::run_cli(args, {}, 300);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.all());
    nlohmann::json j;
    BOOST_REQUIRE_NO_THROW(j = nlohmann::json::parse(r.out));  // the whole stdout is one object
    BOOST_TEST(j.is_object());
    for (const char* key : {"train_samples_per_s", "train_tokens_per_s", "infer_samples_per_s", "sgemm_peak_gflops",
                            "model_gflop_per_step", "mfu", "peak_rss_mb"}) {
        BOOST_REQUIRE_MESSAGE(j.contains(key), key);
        BOOST_TEST(j[key].get<double>() > 0.0, key);
    }
    const auto& b = j["breakdown_ms"];
    for (const char* key : {"forward", "backward", "optimizer", "allocation"}) BOOST_TEST(b.contains(key), key);
    BOOST_TEST(b["forward_by_kind"].contains("linear"));
    BOOST_TEST(b["forward_by_kind"].contains("attention"));
    BOOST_TEST(b["backward_by_kind"]["attention"].get<double>() > 0.0);
    BOOST_TEST(j.contains("generate_tokens_per_s") == gpt);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_bench)

BOOST_AUTO_TEST_CASE(bad_options_are_usage_errors) {
    check_usage({"bench", "vit", "--steps", "0"}, "--steps: '0'");
    check_usage({"bench", "vit", "--patch", "5"}, "--patch 5");
    check_usage({"bench", "gpt", "--context", "0"}, "--context: '0'");
    check_usage({"bench", "vit", "--attention-kernel", "cuda"}, "--attention-kernel cuda");
    check_usage({"bench", "vit", "--warmup", "-1"}, "--warmup: '-1'");
    check_usage({"bench", "vit", "--peak-size", "0"}, "--peak-size: '0'");
    check_usage({"bench", "vit", "--channels", "4"}, "--channels: '4'");
}

BOOST_AUTO_TEST_CASE(json_is_one_object_with_every_field) {
    check_json({"bench", "vit", "--batch", "2", "--steps", "1", "--warmup", "0", "--peak-size", "256", "--json"}, false);
    check_json({"bench", "gpt", "--batch", "1", "--context", "16", "--steps", "1", "--warmup", "0", "--peak-size", "256", "--json"}, true);
    check_json({"bench", "vit", "--batch", "2", "--steps", "1", "--warmup", "0", "--peak-size", "256", "--attention-kernel", "blis",
                "--attention", "neutreno", "--json"},
               false);
}

BOOST_AUTO_TEST_SUITE_END()
