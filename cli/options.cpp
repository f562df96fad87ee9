#include "options.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "prism/core/runtime.hpp"
#include "prism/models/gpt.hpp"
#include "prism/models/vit.hpp"

namespace prism::cli {

namespace {

std::string in_quotes(const std::string& text) { return "'" + text + "'"; }

}  // namespace

CLI::Validator in_range(const Range& r) {
    return CLI::Validator([r](std::string& text) { return r.check(text); }, r.describe());
}

CLI::Validator list_in_range(const Range& r) {
    return CLI::Validator(
        [r](std::string& text) -> std::string {
            const std::string bad = in_quotes(text) + " is not valid: expected a comma-separated list of " +
                                    (r.integer ? "integers " : "numbers ") + r.describe();
            if (text.empty()) return bad;
            std::size_t start = 0;
            while (true) {
                const std::size_t comma = text.find(',', start);
                const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                if (!r.check(item).empty()) return bad;
                if (comma == std::string::npos) return "";
                start = comma + 1;
            }
        },
        std::string("list of ") + (r.integer ? "integers " : "numbers ") + r.describe());
}

CLI::Validator one_of(const std::vector<std::string>& choices) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : " | ") + c;
    return CLI::Validator(
        [choices, list](std::string& text) -> std::string {
            for (const auto& c : choices)
                if (text == c) return "";
            return in_quotes(text) + " is not valid: expected one of " + list;
        },
        "");  // the option's own help text lists the choices
}

// A flag given a value (--hflip=VALUE): CLI11 2.1 reads the value with std::stoll, and a number
// past 64 bits escaped as std::out_of_range ("stoll", exit 1; found by fuzz/, cli target). Only
// the words CLI11 knows and small counts are accepted.
CLI::Validator flag_value() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            static const char* words[] = {"true", "false", "on", "off", "yes", "no", "enable", "disable"};
            for (const char* w : words)
                if (text == w) return "";
            if (text.size() == 1 && std::string("+-tfyn01").find(text[0]) != std::string::npos) return "";
            const std::size_t digits = text.size() - (text[0] == '-' || text[0] == '+' ? 1 : 0);
            if (!text.empty() && digits >= 1 && digits <= 6 &&
                text.find_first_not_of("0123456789", text.size() - digits) == std::string::npos)
                return "";
            return in_quotes(text) + " is not valid: a flag takes no value, or one of true/false, on/off, yes/no, 1/0";
        },
        "");
}

CLI::Validator pair_in_range(const Range& r) {
    return CLI::Validator(
        [r](std::string& text) -> std::string {
            const std::string bad = in_quotes(text) + " is not valid: expected LO,HI with LO <= HI, each " + r.expected();
            const std::size_t comma = text.find(',');
            if (comma == std::string::npos) return bad;
            const std::string lo = text.substr(0, comma), hi = text.substr(comma + 1);
            if (!r.check(lo).empty() || !r.check(hi).empty()) return bad;
            return std::strtod(lo.c_str(), nullptr) <= std::strtod(hi.c_str(), nullptr) ? "" : bad;
        },
        std::string("LO,HI ") + r.describe());
}

namespace {

struct Rule {
    const char* command;  // "train vit", ...; "*" for every command
    const char* option;
    CLI::Validator check;
};

// The valid values of every option, by command and option name; "*" rows hold for every
// command unless a row for that command comes first. Size options never fall back to a preset
// silently (0 is refused); --max-steps 0 runs zero steps.
const std::vector<Rule>& rules() {
    static const std::vector<Rule> table = [] {
        const auto count = in_range(integer_at_least(1));     // sizes, epochs, steps, batches
        const auto every = in_range(integer_at_least(0));     // "every N steps" (0 = never), limits
        const auto nonneg = in_range(number_at_least(0));     // rates, decay, clip, warm-up
        const auto probability = in_range(number_in(0, 1, false, true));
        return std::vector<Rule>{
            {"*", "--threads", in_range(integer_in(1, 4096))},
            {"*", "--dim", count}, {"*", "--depth", count}, {"*", "--heads", count}, {"*", "--patch", count},
            {"*", "--mlp-dim", count}, {"*", "--context", count}, {"*", "--epochs", count}, {"*", "--steps", count},
            {"*", "--batch-size", count}, {"*", "--batch", count}, {"*", "--seeds", count},
            {"*", "--diag-samples", count},
            {"bench kernels", "--reps", in_range(integer_in(1, 1000))},
            {"bench dist", "--repeats", in_range(integer_in(1, 100))},
            {"*", "--warmup", every}, {"*", "--peak-size", count}, {"*", "--image", count},
            {"*", "--channels", in_range(integer_in(1, 3))},
            {"*", "--lr", nonneg}, {"*", "--min-lr", nonneg}, {"*", "--weight-decay", nonneg},
            {"*", "--warmup-epochs", nonneg}, {"*", "--grad-clip", nonneg}, {"*", "--temperature", nonneg},
            {"*", "--warmup-steps", every}, {"*", "--max-steps", every}, {"*", "--save-every", every},
            {"*", "--eval-every", every}, {"*", "--log-smoothing", every}, {"*", "--test-samples", every},
            {"*", "--tokens", every}, {"*", "--top-k", every}, {"*", "--seed", every},
            {"*", "--label-smoothing", probability}, {"*", "--drop", probability}, {"*", "--attn-drop", probability},
            {"*", "--drop-path", probability},
            {"*", "--skip-nonfinite", every},
            {"*", "--micro-batches", in_range(integer_in(1, 65536))}, {"*", "--check-every", every},
            {"*", "--log-every", every}, {"study oversmoothing", "--stale-claim", in_range(number_at_least(1))},
            {"*", "--collective-timeout", nonneg}, {"*", "--bucket-mb", in_range(number_at_least(0, true))},
            {"*", "--init-norm", in_range(number_at_least(0, true))}, {"*", "--init", one_of({"default", "matched"})},
            {"study oversmoothing", "--init-steps", every}, {"study oversmoothing", "--init-batch", count},
            {"study oversmoothing", "--task", one_of({"vit", "lm"})},
            {"*", "--data-fraction", in_range(number_in(0, 1, true, false))},
            {"eval gpt", "--val-fraction", in_range(number_in(0, 1, true, false))},
            {"*", "--val-fraction", probability},
            // the attention options check themselves (cli/attention_options.hpp, from the registry)
            {"study oversmoothing", "--depths", list_in_range(integer_at_least(1))},
            {"study oversmoothing", "--data-fractions", list_in_range(number_in(0, 1, true, false))},
            {"study oversmoothing", "--severities", list_in_range(integer_in(1, 5))},
            {"train vit", "--preset", one_of(models::ViTConfig::preset_names())},
            {"study oversmoothing", "--preset", one_of(models::ViTConfig::preset_names())},
            {"train gpt", "--preset", one_of(models::GPTConfig::preset_names())},
            {"train gpt", "--tokenizer", one_of({"char", "byte"})},
        };
    }();
    return table;
}

void attach(CLI::App& cmd, const std::string& path) {
    for (CLI::Option* opt : cmd.get_options()) {
        const std::string name = opt->get_name();
        if (opt->get_expected_max() == 0) opt->check(flag_value());  // a flag
        for (const auto& r : rules()) {
            if ((r.command == path || std::string(r.command) == "*") && name == r.option) {
                opt->check(r.check);
                break;
            }
        }
    }
    for (CLI::App* sub : cmd.get_subcommands([](CLI::App*) { return true; })) {
        attach(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name());
    }
}

}  // namespace

void attach_option_checks(CLI::App& app) { attach(app, ""); }

namespace {
const CLI::Option* find_flag(const CLI::App& cmd, const std::string& name) {
    for (const CLI::Option* opt : cmd.get_options())
        if (opt->get_expected_max() == 0 && opt->check_name(name)) return opt;
    for (const CLI::App* sub : cmd.get_subcommands([](const CLI::App*) { return true; }))
        if (const CLI::Option* opt = find_flag(*sub, name)) return opt;
    return nullptr;
}
}  // namespace

std::string bad_flag_value(const CLI::App& app, const std::vector<std::string>& args) {
    const CLI::Validator check = flag_value();
    for (const std::string& arg : args) {
        const std::size_t eq = arg.find('=');
        if (arg.rfind("--", 0) != 0 || eq == std::string::npos) continue;
        const std::string name = arg.substr(0, eq);
        std::string value = arg.substr(eq + 1);
        if (!find_flag(app, name)) continue;
        if (std::string why = check(value); !why.empty()) return name + ": " + why;
    }
    return "";
}

void check_attention_layers(const models::AttentionSpec& spec, const std::string& text, std::int64_t depth,
                            const std::string& depth_from) {
    if (spec.layers && spec.layers->second > depth)
        throw UsageError("--attention-layers: '" + text + "' is not valid: expected FIRST,END with 0 <= FIRST < END <= " +
                         std::to_string(depth) + " (the depth, from " + depth_from + ")");
}

void apply_environment() {
    usage_checked([] { runtime::check_environment(); });
}

std::string command_path(const CLI::App& app) {
    std::string path;
    const CLI::App* cur = &app;
    while (true) {
        const auto subs = cur->get_subcommands();
        if (subs.empty()) break;
        cur = subs.front();
        path += (path.empty() ? "" : " ") + cur->get_name();
    }
    return path;
}

}  // namespace prism::cli
