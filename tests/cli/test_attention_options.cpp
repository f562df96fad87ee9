// The attention options of the command line come from the registry (cli/attention_options.hpp):
// a kind registered before the command line is built gets its options, help text and checks;
// `train gpt` takes exactly the options `train vit` takes, validated the same way, with the
// language defaults.
#include <array>
#include <boost/test/unit_test.hpp>
#include <sstream>

#include "../helpers.hpp"
#include "attention_options.hpp"
#include "cli_driver.hpp"
#include "options.hpp"

using namespace prism;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// `f` throws cli::UsageError (a bad command line) naming every one of `parts`.
template <class F> void check_usage(F&& f, std::initializer_list<std::string> parts) {
    try {
        f();
    } catch (const cli::UsageError& e) {
        for (const auto& p : parts) BOOST_CHECK_MESSAGE(has(e.what(), p), "'" + p + "' not in: " + e.what());
        return;
    }
    BOOST_ERROR("expected cli::UsageError");
}

// The lines of `prism <cmd> --help` that describe attention options, without the command's own
// default note.
std::vector<std::string> attention_help_lines(const std::vector<std::string>& cmd) {
    auto args = cmd;
    args.push_back("--help");
    const auto r = test::run_cli(args);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.all());
    std::vector<std::string> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);)
        for (const auto& o : nn::attention_options())
            if (has(line, "--" + o.param.name + " ")) out.push_back(line.substr(0, line.find("(default")));
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_attention_options)

BOOST_AUTO_TEST_CASE(a_registered_kind_gets_its_options) {
    nn::register_attention_kind(
        {.name = "toy-cli",
         .summary = "standard attention, for the test",
         .factory = [](const nn::AttentionConfig& c, const nn::AttentionArgs& a) {
             return std::make_shared<nn::MultiHeadSelfAttention>(c, a);
         },
         .params = {{.name = "toy-temp", .help = "a temperature", .default_value = 1.0, .language_default = 0.5,
                     .range = number_at_least(0, true)}}});
    auto parse = [](const std::vector<std::string>& argv, nn::Task task) {
        CLI::App app("test");
        cli::AttentionFlags flags;
        cli::add_attention_options(&app, flags, task);
        std::vector<std::string> rev(argv.rbegin(), argv.rend());
        app.parse(rev);
        return std::make_pair(cli::attention_spec_from(flags, task, 4, "--depth"), app.help());
    };
    auto [spec, help] = parse({"--attention", "toy-cli", "--toy-temp", "2"}, nn::Task::Vision);
    BOOST_REQUIRE(spec);
    BOOST_TEST(spec->kind == "toy-cli");
    BOOST_TEST(spec->params.at("toy-temp") == 2.0);
    BOOST_TEST(has(help, "--toy-temp"));
    BOOST_TEST(has(help, "toy-cli: a temperature (default 1)"));
    BOOST_TEST(has(help, "FLOAT:finite, > 0"));
    BOOST_TEST(has(help, "toy-cli"));  // in --attention's list of kinds
    BOOST_TEST(parse({"--attention", "toy-cli"}, nn::Task::Language).first->params.at("toy-temp") == 0.5);
    BOOST_TEST(!parse({}, nn::Task::Vision).first.has_value());
    BOOST_CHECK_THROW(parse({"--attention", "toy-cli", "--toy-temp", "0"}, nn::Task::Vision), CLI::ValidationError);
    check_usage([&] { parse({"--attention", "toy-cli", "--alpha", "0.5"}, nn::Task::Vision); },
                      {"--alpha applies to neutreno", "toy-cli takes --toy-temp"});
    check_usage([&] { parse({"--attention", "neutreno", "--toy-temp", "2"}, nn::Task::Vision); },
                      {"--toy-temp applies to toy-cli"});
    check_usage([&] { parse({"--attention", "toy-cli", "--attention-layers", "1,9"}, nn::Task::Vision); },
                      {"--attention-layers", "<= 4", "--depth"});
}

BOOST_AUTO_TEST_CASE(train_gpt_takes_the_options_of_train_vit) {
    // the same options with the same help, except the defaults of the task
    const auto vit = attention_help_lines({"train", "vit"}), gpt = attention_help_lines({"train", "gpt"});
    BOOST_TEST(vit.size() >= 6u);  // spectral-clip, alpha, lambda1, lambda2, learnable-lambdas, rotate-clip
    BOOST_TEST(vit == gpt, boost::test_tools::per_element());
    // the same validation, before any work (gpt: the text, which does not exist, is not read)
    auto args = [](const std::string& cmd, std::vector<std::string> opts) {
        opts.insert(opts.begin(), {"train", cmd});
        if (cmd == "gpt") opts.insert(opts.end(), {"--text", "missing.txt"});
        return opts;
    };
    for (const std::string cmd : {"vit", "gpt"}) {
        for (const auto& [opt, value, want] : std::vector<std::array<std::string, 3>>{
                 {"--alpha", "nan", "finite"}, {"--lambda1", "inf", "finite"}, {"--rotate-clip", "1,0", "LO <= HI"},
                 {"--spectral-clip", "0,x", "LO,HI"}}) {
            const auto r = test::run_cli(args(cmd, {"--attention", "neutreno", opt, value}));
            BOOST_TEST_CONTEXT(cmd << " " << opt << " " << value << "\n" << r.all()) {
                BOOST_TEST(r.exit_code == 2);
                BOOST_TEST((has(r.err, opt) && has(r.err, "'" + value + "'") && has(r.err, want)));
            }
        }
        auto r = test::run_cli(args(cmd, {"--attention", "spectral-smooth", "--alpha", "0.5"}));
        BOOST_TEST(r.exit_code == 2, r.all());
        BOOST_TEST((has(r.err, "--alpha applies to neutreno, not spectral-smooth")), r.all());
        r = test::run_cli(args(cmd, {"--attention", "neutreno", "--attention-layers", "1,99"}));
        BOOST_TEST(r.exit_code == 2, r.all());
        BOOST_TEST((has(r.err, "--attention-layers") && has(r.err, "preset")), r.all());
    }
    const auto vit_help = test::run_cli({"train", "vit", "--help"}).out, gpt_help = test::run_cli({"train", "gpt", "--help"}).out;
    BOOST_TEST(has(vit_help, "neutreno: weight of V^0 - V^l (default 0.6)"));
    BOOST_TEST(has(gpt_help, "neutreno: weight of V^0 - V^l (default 0.4)"));
    BOOST_TEST(has(test::run_cli({"study", "oversmoothing", "--help"}).out, "(default 0.6; language 0.4)"));
}

BOOST_AUTO_TEST_SUITE_END()
