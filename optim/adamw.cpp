#include "prism/optim/adamw.hpp"

#include "prism/optim/kernels.hpp"

namespace prism::optim {

namespace {
const AdamWOptions& checked(const AdamWOptions& o) {
    PRISM_CHECK(o.lr >= 0, "AdamW", "invalid learning rate ", o.lr);
    PRISM_CHECK(o.eps >= 0, "AdamW", "invalid epsilon ", o.eps);
    PRISM_CHECK(o.beta1 >= 0 && o.beta1 < 1, "AdamW", "invalid beta1 ", o.beta1, " (must be in [0, 1))");
    PRISM_CHECK(o.beta2 >= 0 && o.beta2 < 1, "AdamW", "invalid beta2 ", o.beta2, " (must be in [0, 1))");
    PRISM_CHECK(o.weight_decay >= 0, "AdamW", "invalid weight_decay ", o.weight_decay);
    return o;
}
}  // namespace

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options)
    : Optimizer("AdamW", std::move(groups), checked(options).lr, options.weight_decay, {"exp_avg", "exp_avg_sq"}),
      options_(options) {}

AdamW::AdamW(const NamedParams& params, const AdamWOptions& options)
    : AdamW(std::vector<ParamGroup>{single_group(params)}, options) {}

AdamW::AdamW(const std::vector<Tensor>& params, const AdamWOptions& options)
    : AdamW(std::vector<ParamGroup>{single_group(params)}, options) {}

void AdamW::step() { step_impl(false); }
void AdamW::step_reference() { step_impl(true); }

void AdamW::step_impl(bool reference) {
    ++step_count_;
    for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
        const ParamGroup& g = groups_[gi];
        Flat& f = flat_[gi];
        float *p = floats(f.param), *gr = floats(f.grad), *m = floats(f.state[0]), *v = floats(f.state[1]);
        for_each_run(gi, [&](std::int64_t b, std::int64_t e, std::int64_t step) {
            const auto s = AdamWScalars::make(*g.lr, options_.beta1, options_.beta2, options_.eps, *g.weight_decay, step);
            (reference ? adamw_update_ref : adamw_update)(p + b, gr + b, m + b, v + b, e - b, s);
        });
    }
}

}  // namespace prism::optim
