#include "prism/optim/sgd.hpp"

#include "prism/optim/kernels.hpp"

namespace prism::optim {

namespace {
const SGDOptions& checked(const SGDOptions& o) {
    PRISM_CHECK(o.lr >= 0, "SGD", "invalid learning rate ", o.lr);
    PRISM_CHECK(o.momentum >= 0, "SGD", "invalid momentum ", o.momentum);
    PRISM_CHECK(o.weight_decay >= 0, "SGD", "invalid weight_decay ", o.weight_decay);
    PRISM_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0), "SGD",
                "Nesterov momentum requires a momentum and zero dampening (momentum ", o.momentum, ", dampening ",
                o.dampening, ")");
    return o;
}

std::vector<std::string> kinds(const SGDOptions& o) {
    if (o.momentum == 0) return {};
    return {"momentum_buffer"};
}
}  // namespace

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& options)
    : Optimizer("SGD", std::move(groups), checked(options).lr, options.weight_decay, kinds(options)),
      options_(options) {}

SGD::SGD(const NamedParams& params, const SGDOptions& options)
    : SGD(std::vector<ParamGroup>{single_group(params)}, options) {}

SGD::SGD(const std::vector<Tensor>& params, const SGDOptions& options)
    : SGD(std::vector<ParamGroup>{single_group(params)}, options) {}

void SGD::step() { step_impl(false); }
void SGD::step_reference() { step_impl(true); }

void SGD::step_impl(bool reference) {
    ++step_count_;
    for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
        const ParamGroup& g = groups_[gi];
        Flat& f = flat_[gi];
        float *p = floats(f.param), *gr = floats(f.grad);
        float* buf = f.state.empty() ? nullptr : floats(f.state[0]);
        for_each_run(gi, [&](std::int64_t b, std::int64_t e, std::int64_t step) {
            const auto s = SGDScalars::make(*g.lr, options_.momentum, options_.dampening, *g.weight_decay,
                                            options_.nesterov, step == 1);
            (reference ? sgd_update_ref : sgd_update)(p + b, gr + b, buf ? buf + b : nullptr, e - b, s);
        });
    }
}

}  // namespace prism::optim
