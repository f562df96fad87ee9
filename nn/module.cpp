#include "prism/nn/module.hpp"

#include <set>

#include "prism/autograd/grad_mode.hpp"

namespace prism::nn {

void Module::check_new_name(const std::string& name) const {
    if (name.empty() || name.find('.') != std::string::npos)
        throw Error("register", type_name_, ": invalid name '", name, "' (non-empty, no '.')");
    auto taken = [&](const auto& v) {
        for (const auto& e : v)
            if (e.first == name) return true;
        return false;
    };
    if (taken(params_) || taken(buffers_) || taken(children_))
        throw Error("register", type_name_, ": name '", name, "' is already registered");
}

Tensor Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
    check_new_name(name);
    if (!t.defined()) throw Error("register_parameter", type_name_, ".", name, ": undefined tensor");
    if (!t.is_leaf()) t = t.detach();
    if (requires_grad) t.requires_grad_(true);
    params_.emplace_back(name, t);
    return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
    check_new_name(name);
    if (!t.defined()) throw Error("register_buffer", type_name_, ".", name, ": undefined tensor");
    buffers_.emplace_back(name, t.is_leaf() ? t : t.detach());
    return buffers_.back().second;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> m) {
    check_new_name(name);
    if (!m) throw Error("register_module", type_name_, ".", name, ": null module");
    m->set_path(join(name));
    children_.emplace_back(name, std::move(m));
}

void Module::set_path(const std::string& path) {
    path_ = path;
    for (auto& [name, c] : children_) c->set_path(join(name));
}

// ModulePath joins the names pushed by the enclosing forwards. Push only what the enclosing
// path does not already say, so the message shows the full path whether or not the parent's
// forward is on the stack (model code indexes ModuleLists directly).
std::string Module::relative_path() const {
    if (path_.empty()) return "";
    const std::string cur = ModulePath::current();
    if (cur.empty()) return path_;
    if (cur == path_) return "";
    if (path_.size() > cur.size() && path_.compare(0, cur.size(), cur) == 0 && path_[cur.size()] == '.')
        return path_.substr(cur.size() + 1);
    return path_;
}

void Module::collect(const std::string& prefix, bool params,
                     std::vector<std::pair<std::string, Tensor>>& out) const {
    for (const auto& [name, t] : params ? params_ : buffers_) out.emplace_back(prefix + name, t);
    for (const auto& [name, c] : children_) c->collect(prefix + name + ".", params, out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
    std::vector<std::pair<std::string, Tensor>> out;
    collect("", true, out);
    return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
    std::vector<std::pair<std::string, Tensor>> out;
    collect("", false, out);
    return out;
}

std::vector<Tensor> Module::parameters() const {
    std::vector<Tensor> out;
    for (auto& [n, t] : named_parameters()) out.push_back(t);
    return out;
}

std::int64_t Module::num_parameters() const {
    std::int64_t n = 0;
    for (auto& [name, t] : named_parameters()) n += t.numel();
    return n;
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
    std::vector<std::pair<std::string, Module*>> out{{"", this}};
    for (auto& [name, c] : children_)
        for (auto& [sub, m] : c->named_modules()) out.emplace_back(sub.empty() ? name : name + "." + sub, m);
    return out;
}

std::shared_ptr<Module> Module::child(const std::string& name) const {
    for (const auto& [n, c] : children_)
        if (n == name) return c;
    return nullptr;
}

StateDict Module::state_dict() const {
    StateDict out;
    for (auto& [name, t] : named_parameters()) out[name] = t.detach();
    for (auto& [name, t] : named_buffers()) out[name] = t.detach();
    return out;
}

LoadResult Module::load_state_dict(const StateDict& state, bool strict) {
    auto own = named_parameters();
    for (auto& nb : named_buffers()) own.push_back(nb);

    LoadResult res;
    std::vector<std::string> mismatches;
    std::set<std::string> known;
    for (const auto& [name, t] : own) {
        known.insert(name);
        auto it = state.find(name);
        if (it == state.end()) {
            res.missing_keys.push_back(name);
        } else if (!it->second.defined() || it->second.shape() != t.shape()) {
            mismatches.push_back(name + ": checkpoint shape " +
                                 (it->second.defined() ? shape_str(it->second.shape()) : "undefined") +
                                 ", model shape " + shape_str(t.shape()));
        }
    }
    for (const auto& [name, t] : state)
        if (!known.count(name)) res.unexpected_keys.push_back(name);

    auto list = [](const std::vector<std::string>& v) {
        std::string s;
        for (const auto& k : v) s += (s.empty() ? "" : ", ") + k;
        return s;
    };
    std::string msg;
    if (!mismatches.empty()) msg += "size mismatch for " + list(mismatches);
    if (strict && !res.missing_keys.empty()) msg += (msg.empty() ? "" : "; ") + ("missing keys: " + list(res.missing_keys));
    if (strict && !res.unexpected_keys.empty())
        msg += (msg.empty() ? "" : "; ") + ("unexpected keys: " + list(res.unexpected_keys));
    if (!msg.empty()) throw Error("load_state_dict", type_name_, ": ", msg);

    NoGradGuard ng;
    for (auto& [name, t] : own) {
        auto it = state.find(name);
        if (it != state.end()) const_cast<Tensor&>(t).copy_(it->second);
    }
    return res;
}

void Module::train(bool on) {
    training_ = on;
    for (auto& [n, c] : children_) c->train(on);
}

void Module::zero_grad() {
    for (auto& [n, t] : named_parameters()) t.zero_grad();
}

Module& Module::to(DType dtype) {
    auto convert = [&](Tensor t) {
        if (t.dtype() == dtype) return;
        Tensor c;
        {
            NoGradGuard ng;
            c = t.detach().to(dtype).contiguous();
        }
        // Swap the data under the same tensor, so every handle (layer members) sees it.
        t.set_(c);
        t.zero_grad();
    };
    for (auto& [n, t] : named_parameters()) convert(t);
    for (auto& [n, t] : named_buffers()) convert(t);
    return *this;
}

void Module::repr_into(std::string& out, const std::string& name, int indent) const {
    out += std::string(indent, ' ');
    if (!name.empty()) out += "(" + name + "): ";
    out += type_name_ + "(" + extra_repr();
    if (children_.empty()) {
        out += ")\n";
        return;
    }
    out += "\n";
    for (const auto& [n, c] : children_) c->repr_into(out, n, indent + 2);
    out += std::string(indent, ' ') + ")\n";
}

std::string Module::repr() const {
    std::string out;
    repr_into(out, "", 0);
    return out;
}

}  // namespace prism::nn
