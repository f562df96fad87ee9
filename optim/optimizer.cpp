#include "prism/optim/optimizer.hpp"

#include <cstring>
#include <map>
#include <set>

namespace prism::optim {

namespace {
constexpr std::int64_t kAlignFloats = 16;  // 64 bytes: each parameter starts on its own cache line

std::shared_ptr<Storage> zeroed(std::int64_t floats) {
    auto s = std::make_shared<Storage>(static_cast<std::size_t>(floats) * sizeof(float));
    std::memset(s->data(), 0, s->nbytes());
    return s;
}
}  // namespace

Optimizer::Optimizer(const char* name, std::vector<ParamGroup> groups, double lr, double weight_decay,
                     std::vector<std::string> state_kinds)
    : name_(name), groups_(std::move(groups)), state_kinds_(std::move(state_kinds)) {
    PRISM_CHECK(!groups_.empty(), name_, "no parameter groups given");
    std::set<TensorImpl*> seen_params;
    std::set<std::string> seen_names;
    std::int64_t index = 0;
    for (auto& g : groups_) {
        if (!g.lr) g.lr = lr;
        if (!g.weight_decay) g.weight_decay = weight_decay;
        PRISM_CHECK(*g.lr >= 0, name_, "invalid learning rate ", *g.lr);
        PRISM_CHECK(*g.weight_decay >= 0, name_, "invalid weight_decay ", *g.weight_decay);
        PRISM_CHECK(g.names.empty() || g.names.size() == g.params.size(), name_, "a group has ", g.names.size(),
                    " names for ", g.params.size(), " params");
        Flat f;
        for (std::size_t j = 0; j < g.params.size(); ++j, ++index) {
            const Tensor& p = g.params[j];
            Slot s;
            s.name = g.names.empty() ? std::to_string(index) : g.names[j];
            PRISM_CHECK(p.defined(), name_, "parameter '", s.name, "' is an undefined tensor");
            PRISM_CHECK(p.dtype() == kFloat32, name_, "parameter '", s.name, "' ", shape_str(p.shape()), " is ",
                        dtype_name(p.dtype()), "; the optimizers keep float32 slabs (convert with .to(kFloat32))");
            PRISM_CHECK(p.is_leaf(), name_, "can't optimize a non-leaf tensor: parameter '", s.name, "' ",
                        shape_str(p.shape()));
            PRISM_CHECK(seen_params.insert(p.get()).second, name_, "parameter '", s.name, "' ",
                        shape_str(p.shape()), " appears more than once");
            PRISM_CHECK(seen_names.insert(s.name).second, name_, "two parameters are named '", s.name, "'");
            s.offset = f.size;
            s.numel = p.numel();
            s.padded = (s.numel + kAlignFloats - 1) / kAlignFloats * kAlignFloats;
            f.size += s.padded;
            f.slots.push_back(std::move(s));
        }
        f.param = zeroed(f.size);
        f.grad = zeroed(f.size);
        for (std::size_t k = 0; k < state_kinds_.size(); ++k) f.state.push_back(zeroed(f.size));
        // Re-point each parameter into the slab (values preserved), and its grad if it has one.
        for (std::size_t j = 0; j < g.params.size(); ++j) {
            Tensor& p = g.params[j];
            const Slot& s = f.slots[j];
            Tensor dst = slab_view(f.param, s, p);
            dst.copy_(p);
            p.set_(f.param, s.offset, dst.strides());
            if (p.grad().defined()) {
                Tensor gv = slab_view(f.grad, s, p);
                gv.copy_(p.grad());
                p.set_grad(gv);
            }
        }
        flat_.push_back(std::move(f));
    }
}

Tensor Optimizer::slab_view(const std::shared_ptr<Storage>& s, const Slot& slot, const Tensor& like) const {
    return Tensor::from_storage(s, like.shape(), contiguous_strides(like.shape()), slot.offset, kFloat32);
}

bool Optimizer::grad_in_slab(std::size_t gi, std::size_t j) const {
    const Tensor g = groups_[gi].params[j].grad();
    return g.defined() && g.storage() == flat_[gi].grad && g.offset() == flat_[gi].slots[j].offset &&
           g.dtype() == kFloat32 && g.is_contiguous();
}

void Optimizer::zero_grad(bool set_to_none) {
    for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
        Flat& f = flat_[gi];
        if (!set_to_none) std::memset(f.grad->data(), 0, f.grad->nbytes());
        for (std::size_t j = 0; j < f.slots.size(); ++j) {
            Tensor& p = groups_[gi].params[j];
            if (set_to_none) p.zero_grad();
            else if (p.grad().defined() && !grad_in_slab(gi, j)) p.set_grad(slab_view(f.grad, f.slots[j], p));
        }
    }
}

void Optimizer::for_each_run(std::size_t gi,
                             const std::function<void(std::int64_t, std::int64_t, std::int64_t)>& f) {
    Flat& fl = flat_[gi];
    std::int64_t run_begin = -1, run_end = -1, run_step = -1;
    for (std::size_t j = 0; j < fl.slots.size(); ++j) {
        Slot& s = fl.slots[j];
        Tensor& p = groups_[gi].params[j];
        if (!p.grad().defined()) {  // skipped, like PyTorch's `if p.grad is None: continue`
            if (run_begin >= 0) f(run_begin, run_end, run_step);
            run_begin = -1;
            continue;
        }
        if (!grad_in_slab(gi, j)) {
            Tensor gv = slab_view(fl.grad, s, p);
            gv.copy_(p.grad());
            p.set_grad(gv);
        }
        ++s.step;
        if (run_begin >= 0 && s.step == run_step && s.offset == run_end) {
            run_end = s.offset + s.padded;
            continue;
        }
        if (run_begin >= 0) f(run_begin, run_end, run_step);
        run_begin = s.offset, run_end = s.offset + s.padded, run_step = s.step;
    }
    if (run_begin >= 0) f(run_begin, run_end, run_step);
}

std::vector<Optimizer::SlotInfo> Optimizer::slots() const {
    std::vector<SlotInfo> out;
    for (std::size_t gi = 0; gi < flat_.size(); ++gi)
        for (const Slot& s : flat_[gi].slots) out.push_back({s.name, gi, s.offset, s.numel});
    return out;
}

void Optimizer::grads_to_slab(bool define_all) {
    for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
        Flat& f = flat_[gi];
        for (std::size_t j = 0; j < f.slots.size(); ++j) {
            Tensor& p = groups_[gi].params[j];
            if (grad_in_slab(gi, j)) continue;
            Tensor gv = slab_view(f.grad, f.slots[j], p);
            if (p.grad().defined()) gv.copy_(p.grad());
            else if (!define_all) continue;
            else gv.zero_();
            p.set_grad(gv);
        }
    }
}

const ParamGroup& Optimizer::group(std::size_t i) const {
    PRISM_CHECK(i < groups_.size(), name_, "group ", i, " out of range (", groups_.size(), " groups)");
    return groups_[i];
}

void Optimizer::set_lr(double lr) {
    for (std::size_t i = 0; i < groups_.size(); ++i) set_lr(i, lr);
}

void Optimizer::set_lr(std::size_t i, double lr) {
    PRISM_CHECK(i < groups_.size(), name_, "set_lr: group ", i, " out of range (", groups_.size(), " groups)");
    PRISM_CHECK(lr >= 0, name_, "set_lr: invalid learning rate ", lr);
    groups_[i].lr = lr;
}

double Optimizer::lr(std::size_t i) const { return *group(i).lr; }

std::vector<Tensor> Optimizer::params() const {
    std::vector<Tensor> out;
    for (const auto& g : groups_) out.insert(out.end(), g.params.begin(), g.params.end());
    return out;
}

NamedParams Optimizer::named_params() const {
    NamedParams out;
    for (std::size_t gi = 0; gi < groups_.size(); ++gi)
        for (std::size_t j = 0; j < groups_[gi].params.size(); ++j)
            out.emplace_back(flat_[gi].slots[j].name, groups_[gi].params[j]);
    return out;
}

NamedParams Optimizer::state_tensors() const {
    NamedParams out;
    out.emplace_back("optim.step", Tensor::scalar(static_cast<double>(step_count_), kInt64));
    for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
        const Flat& f = flat_[gi];
        for (std::size_t j = 0; j < f.slots.size(); ++j) {
            const Slot& s = f.slots[j];
            if (s.step == 0) continue;  // no state yet, as in PyTorch
            out.emplace_back("optim.step." + s.name, Tensor::scalar(static_cast<double>(s.step), kInt64));
            for (std::size_t k = 0; k < state_kinds_.size(); ++k)
                out.emplace_back("optim." + state_kinds_[k] + "." + s.name,
                                 slab_view(f.state[k], s, groups_[gi].params[j]).clone());
        }
    }
    return out;
}

void Optimizer::load_state_tensors(const NamedParams& state) {
    std::map<std::string, Tensor> byname;
    for (const auto& [n, t] : state)
        if (n.rfind("optim.", 0) == 0) byname[n] = t;
    auto take = [&](const std::string& n) {
        auto it = byname.find(n);
        if (it == byname.end()) return Tensor();
        Tensor t = it->second;
        byname.erase(it);
        return t;
    };
    Tensor st = take("optim.step");
    PRISM_CHECK(st.defined() && st.numel() == 1, name_, "load_state_tensors: 'optim.step' missing");
    // Validate everything before changing anything, so a bad checkpoint leaves the optimizer intact.
    struct Pending { std::size_t gi, j; std::int64_t step; std::vector<Tensor> state; };
    std::vector<Pending> pending;
    for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
        for (std::size_t j = 0; j < flat_[gi].slots.size(); ++j) {
            const Slot& s = flat_[gi].slots[j];
            const Tensor& p = groups_[gi].params[j];
            Pending pd{gi, j, 0, {}};
            Tensor ps = take("optim.step." + s.name);
            if (ps.defined()) {
                PRISM_CHECK(ps.numel() == 1 && ps.item() >= 1, name_, "load_state_tensors: 'optim.step.", s.name,
                            "' must hold one count >= 1");
                pd.step = static_cast<std::int64_t>(ps.item());
            }
            for (const auto& kind : state_kinds_) {
                const std::string key = "optim." + kind + "." + s.name;
                Tensor t = take(key);
                PRISM_CHECK(t.defined() == ps.defined(), name_, "load_state_tensors: '", key, "' ",
                            t.defined() ? "present without" : "missing but", " 'optim.step.", s.name, "'");
                if (!t.defined()) continue;
                PRISM_CHECK(t.shape() == p.shape(), name_, "load_state_tensors: '", key, "' is ",
                            shape_str(t.shape()), " but parameter '", s.name, "' is ", shape_str(p.shape()));
                pd.state.push_back(t);
            }
            pending.push_back(std::move(pd));
        }
    }
    PRISM_CHECK(byname.empty(), name_, "load_state_tensors: '", byname.empty() ? "" : byname.begin()->first,
                "' matches no state of this optimizer (", byname.size(), " unknown names)");
    step_count_ = static_cast<std::int64_t>(st.item());
    for (auto& f : flat_)
        for (auto& s : f.state) std::memset(s->data(), 0, s->nbytes());
    for (const auto& pd : pending) {
        Slot& s = flat_[pd.gi].slots[pd.j];
        s.step = pd.step;
        for (std::size_t k = 0; k < pd.state.size(); ++k)
            slab_view(flat_[pd.gi].state[k], s, groups_[pd.gi].params[pd.j]).copy_(pd.state[k]);
    }
}

}  // namespace prism::optim
