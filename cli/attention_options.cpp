#include "attention_options.hpp"

#include "options.hpp"

namespace prism::cli {

using Type = nn::AttentionParam::Type;

models::AttentionOptions AttentionFlags::given() const {
    models::AttentionOptions out;
    for (const auto& [name, text] : values)
        if (!text.empty()) out[name] = text;
    for (const auto& [name, on] : flags)
        if (on) out[name] = "1";
    return out;
}

bool AttentionFlags::any() const { return !kind.empty() || !layers.empty() || !given().empty(); }

std::string attention_kinds_help() {
    std::string s;
    for (const auto& k : nn::attention_kinds()) s += (s.empty() ? "" : " | ") + k;
    return s;
}

void add_attention_param_options(CLI::App* cmd, AttentionFlags& a, std::optional<nn::Task> task) {
    for (const auto& o : nn::attention_options()) {
        const std::string flag = "--" + o.param.name;
        switch (o.param.type) {
            case Type::Flag: cmd->add_flag(flag, a.flags[o.param.name], o.help(task)); break;
            case Type::Pair:
                cmd->add_option(flag, a.values[o.param.name], o.help(task))->check(pair_in_range(o.param.range));
                break;
            case Type::Number:
                cmd->add_option(flag, a.values[o.param.name], o.help(task))
                    ->type_name("FLOAT")
                    ->check(in_range(o.param.range));
                break;
        }
    }
}

void add_attention_options(CLI::App* cmd, AttentionFlags& a, nn::Task task) {
    cmd->add_option("--attention", a.kind, attention_kinds_help() + " (default standard)")
        ->check(one_of(nn::attention_kinds()));
    cmd->add_option("--attention-layers", a.layers, "FIRST,END: blocks [FIRST, END) use --attention");
    add_attention_param_options(cmd, a, task);
}

std::optional<models::AttentionSpec> attention_spec_from(const AttentionFlags& a, nn::Task task, std::int64_t depth,
                                                         const std::string& depth_from) {
    if (!a.any()) return std::nullopt;
    auto spec = usage_checked(
        [&] { return models::parse_attention_options(a.kind.empty() ? "standard" : a.kind, a.given(), a.layers, task); });
    check_attention_layers(spec, a.layers, depth, depth_from);
    return spec;
}

}  // namespace prism::cli
