#include "options.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "prism/core/runtime.hpp"
#include "prism/models/gpt.hpp"
#include "prism/models/vit.hpp"
#include "prism/nn/attention.hpp"

namespace prism::cli {

namespace {

std::string num(double v) {
    std::ostringstream os;
    os << v;
    return os.str();
}

std::string in_quotes(const std::string& text) { return "'" + text + "'"; }

}  // namespace

std::string Range::describe() const {
    if (integer) {
        if (int_hi == std::numeric_limits<std::int64_t>::max()) return ">= " + std::to_string(int_lo);
        return "in [" + std::to_string(int_lo) + ", " + std::to_string(int_hi) + "]";
    }
    if (!has_lo && !has_hi) return "finite";
    if (!has_hi) return std::string("finite, ") + (lo_open ? "> " : ">= ") + num(lo);
    return std::string("in ") + (lo_open ? "(" : "[") + num(lo) + ", " + num(hi) + (hi_open ? ")" : "]");
}

std::string Range::expected() const {
    if (integer) return "an integer " + describe();
    if (!has_lo && !has_hi) return "a finite number";
    if (!has_hi) return "a finite number " + describe().substr(8);  // drop "finite, "
    return "a number " + describe();
}

std::string Range::check(const std::string& text) const {
    const std::string bad = in_quotes(text) + " is not valid: expected " + expected();
    const char* b = text.data();
    const char* e = b + text.size();
    if (integer) {
        std::int64_t v = 0;
        const auto [p, ec] = std::from_chars(b, e, v);
        if (text.empty() || ec == std::errc::result_out_of_range) return bad;
        if (ec != std::errc() || p != e) return bad;
        return v < int_lo || v > int_hi ? bad : "";
    }
    if (text.empty()) return bad;
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(b, &end);
    if (end != e || !std::isfinite(v)) return bad;
    if (has_lo && (lo_open ? !(v > lo) : !(v >= lo))) return bad;
    if (has_hi && (hi_open ? !(v < hi) : !(v <= hi))) return bad;
    return "";
}

Range integer_at_least(std::int64_t lo) {
    Range r;
    r.int_lo = lo;
    return r;
}

Range integer_in(std::int64_t lo, std::int64_t hi) {
    Range r;
    r.int_lo = lo;
    r.int_hi = hi;
    return r;
}

Range number_at_least(double lo, bool open) {
    Range r;
    r.integer = false;
    r.lo = lo;
    r.lo_open = open;
    return r;
}

Range number_in(double lo, double hi, bool lo_open, bool hi_open) {
    Range r = number_at_least(lo, lo_open);
    r.hi = hi;
    r.hi_open = hi_open;
    r.has_hi = true;
    return r;
}

Range any_finite_number() {
    Range r;
    r.integer = false;
    r.has_lo = false;
    return r;
}

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
        std::vector<std::string> kinds = nn::attention_kinds();
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
            {"*", "--alpha", in_range(any_finite_number())}, {"*", "--lambda1", in_range(any_finite_number())},
            {"*", "--lambda2", in_range(any_finite_number())},
            {"*", "--rotate-clip", pair_in_range(number_at_least(0))},
            {"study oversmoothing", "--depths", list_in_range(integer_at_least(1))},
            {"study oversmoothing", "--data-fractions", list_in_range(number_in(0, 1, true, false))},
            {"study oversmoothing", "--severities", list_in_range(integer_in(1, 5))},
            {"train vit", "--preset", one_of(models::ViTConfig::preset_names())},
            {"study oversmoothing", "--preset", one_of(models::ViTConfig::preset_names())},
            {"train gpt", "--preset", one_of(models::GPTConfig::preset_names())},
            {"train gpt", "--tokenizer", one_of({"char", "byte"})},
            {"train vit", "--attention", one_of(kinds)},
            {"train gpt", "--attention", one_of(kinds)},
        };
    }();
    return table;
}

void attach(CLI::App& cmd, const std::string& path) {
    for (CLI::Option* opt : cmd.get_options()) {
        const std::string name = opt->get_name();
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
