// The backward engine: topological sort of the tape, then each node's closure in reverse.
//
// Gradients of intermediate tensors live in a map only until their node has run, so the
// peak memory of backward is about one layer's worth of gradients, not the whole graph's.
// A tensor used several times gets the sum of the gradients from each use.
#include <unordered_map>
#include <unordered_set>

#include "prism/autograd/backward_hooks.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/autograd/node.hpp"
#include "prism/core/layout.hpp"
#include "prism/core/timers.hpp"
#include "prism/ops/elementwise.hpp"

namespace prism {

namespace {
thread_local bool g_grad_enabled = true;
thread_local const BackwardHooks* g_hooks = nullptr;

// acc += g (same shape). The first gradient is adopted without a copy when that is safe;
// later ones are added in place when nobody else can see acc's memory.
//   leaf:     acc ends up in Tensor::grad, so it must own its memory (or be the optimizer's
//             slab view it already was): adopt g only when g is contiguous and sole owner of
//             its storage, otherwise copy.
//   non-leaf: acc only feeds backward closures, which accept any strides: adopt g as is, and
//             add in place only when both the handle and the storage are unshared.
void accumulate(std::shared_ptr<TensorImpl>& acc, const Tensor& g, bool leaf) {
    if (!acc) {
        const bool owns = g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1;
        if (!leaf) acc = g.impl_ptr();
        else if (owns && g.is_contiguous() && g.offset() == 0) acc = g.impl_ptr();
        else acc = g.clone().impl_ptr();
        return;
    }
    const bool in_place = acc.use_count() == 1 && (leaf || acc->storage.use_count() == 1);
    Tensor a(acc);
    if (in_place && a.dtype() == g.dtype()) {
        ops::add_(a, g);
    } else {
        acc = ops::add(a, g).impl_ptr();
    }
}
}  // namespace

BackwardHooksScope::BackwardHooksScope(BackwardHooks hooks) : hooks_(std::move(hooks)), prev_(g_hooks) { g_hooks = &hooks_; }
BackwardHooksScope::~BackwardHooksScope() { g_hooks = prev_; }
const BackwardHooks* BackwardHooksScope::current() { return g_hooks; }

bool grad_enabled() { return g_grad_enabled; }
void set_grad_enabled(bool on) { g_grad_enabled = on; }
NoGradGuard::NoGradGuard() : prev_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = prev_; }

bool needs_grad(const std::vector<Tensor>& inputs) {
    if (!g_grad_enabled) return false;
    for (const auto& t : inputs)
        if (t.defined() && t.requires_grad()) return true;
    return false;
}

Tensor record(const char* name, Tensor out, std::vector<Tensor> inputs, BackwardFn backward) {
    // `prism bench`: the time since the previous recorded op is this op's (forward only: the
    // backward closures run with grad mode off)
    if (timers::enabled() && g_grad_enabled) timers::lap("forward/", name);
    if (!needs_grad(inputs)) return out;
    auto node = std::make_shared<Node>();
    node->name = name;
    node->inputs = std::move(inputs);
    node->backward = std::move(backward);
    out.get()->grad_fn = std::move(node);
    out.get()->requires_grad = true;
    return out;
}

namespace {

void run_backward(const Tensor& root, const Tensor& grad_root) {
    NoGradGuard no_grad;  // gradients are plain tensors: no tape while computing them

    // Post-order DFS (iterative, so deep graphs cannot overflow the stack).
    std::vector<TensorImpl*> order;
    std::unordered_set<TensorImpl*> seen;
    std::vector<std::pair<TensorImpl*, std::size_t>> stack;
    if (root.grad_fn()) {
        stack.push_back({root.get(), 0});
        seen.insert(root.get());
    }
    while (!stack.empty()) {
        auto& [impl, next] = stack.back();
        const auto& inputs = impl->grad_fn->inputs;
        if (next < inputs.size()) {
            TensorImpl* in = inputs[next++].get();
            if (in && in->grad_fn && seen.insert(in).second) stack.push_back({in, 0});
        } else {
            order.push_back(impl);
            stack.pop_back();
        }
    }

    std::unordered_map<TensorImpl*, std::shared_ptr<TensorImpl>> grads;
    if (root.grad_fn()) grads[root.get()] = grad_root.impl_ptr();
    else if (root.requires_grad()) accumulate(root.get()->grad, grad_root, true);

    // BackwardHooks: how many nodes of this graph still have to run before each leaf is final
    const BackwardHooks* hooks = g_hooks;
    std::unordered_map<TensorImpl*, int> pending;
    if (hooks && hooks->leaf_ready)
        for (TensorImpl* impl : order)
            for (const Tensor& in : impl->grad_fn->inputs)
                if (in.defined() && !in.grad_fn() && in.requires_grad()) ++pending[in.get()];
    auto node_finished = [&](TensorImpl* impl, bool ran) {
        if (!hooks) return;
        if (hooks->leaf_ready)
            for (const Tensor& in : impl->grad_fn->inputs) {
                if (!in.defined() || in.grad_fn() || !in.requires_grad()) continue;
                auto p = pending.find(in.get());
                if (p != pending.end() && --p->second == 0 && in.get()->grad) hooks->leaf_ready(in.get());
            }
        if (ran && hooks->node_done) hooks->node_done();
    };

    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        TensorImpl* impl = *it;
        auto found = grads.find(impl);
        if (found == grads.end()) {  // no gradient reached this tensor
            node_finished(impl, false);
            continue;
        }
        Tensor g(std::move(found->second));
        grads.erase(found);
        if (impl->retains_grad) accumulate(impl->grad, g.clone(), true);

        Node& node = *impl->grad_fn;
        std::vector<Tensor> gins;
        {
            timers::Scope timed("backward/", node.name);
            gins = node.backward(g);
        }
        if (gins.size() != node.inputs.size())
            throw Error(node.name, "backward returned ", gins.size(), " gradients for ", node.inputs.size(), " inputs");
        for (std::size_t i = 0; i < gins.size(); ++i) {
            const Tensor& in = node.inputs[i];
            if (!gins[i].defined() || !in.defined() || !in.requires_grad()) continue;
            if (gins[i].shape() != in.shape())
                throw Error(node.name, "backward produced a gradient of shape ", shape_str(gins[i].shape()),
                            " for input ", i, " of shape ", shape_str(in.shape()));
            if (in.grad_fn()) accumulate(grads[in.get()], gins[i], false);
            else accumulate(in.get()->grad, gins[i], true);
        }
        node_finished(impl, true);
    }
}

}  // namespace

void Tensor::backward() const {
    if (numel() != 1)
        throw Error("backward", "grad can be implicitly created only for a one-element output, got ", shape_str(shape()));
    backward(Tensor::ones(shape(), dtype()));
}

void Tensor::backward(const Tensor& grad_output) const {
    if (!requires_grad()) throw Error("backward", "tensor ", shape_str(shape()), " does not require grad and has no grad_fn");
    if (grad_output.shape() != shape())
        throw Error("backward", "grad_output ", shape_str(grad_output.shape()), " does not match output ", shape_str(shape()));
    run_backward(*this, grad_output);
}

Tensor& Tensor::requires_grad_(bool on) {
    if (on && !is_floating(dtype()))
        throw Error("requires_grad_", "only floating tensors can require grad, this one is ", dtype_name(dtype()));
    if (!on && !is_leaf()) throw Error("requires_grad_", "can only be turned off on a leaf tensor (use detach())");
    get()->requires_grad = on;
    return *this;
}

Tensor Tensor::grad() const { return Tensor(get() ? get()->grad : nullptr); }

void Tensor::set_grad(const Tensor& g) {
    if (g.defined() && g.shape() != shape())
        throw Error("set_grad", "gradient ", shape_str(g.shape()), " does not match tensor ", shape_str(shape()));
    get()->grad = g.impl_ptr();
}

void Tensor::zero_grad() { get()->grad.reset(); }

void Tensor::retain_grad() {
    if (!requires_grad()) throw Error("retain_grad", "tensor does not require grad");
    get()->retains_grad = true;
}

Tensor Tensor::detach() const { return layout::alias(*this); }

}  // namespace prism
