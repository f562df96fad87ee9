#include "prism/nn/containers.hpp"

#include <string>

namespace prism::nn {

Sequential::Sequential(std::vector<std::shared_ptr<UnaryModule>> ms) : UnaryModule("Sequential") {
    for (auto& m : ms) push_back(std::move(m));
}

Sequential& Sequential::push_back(std::shared_ptr<UnaryModule> m) {
    register_module(std::to_string(items_.size()), m);
    items_.push_back(std::move(m));
    return *this;
}

Tensor Sequential::forward(const Tensor& x) {
    auto g = path_guard();
    Tensor y = x;
    for (auto& m : items_) y = m->forward(y);
    return y;
}

const std::shared_ptr<UnaryModule>& Sequential::operator[](std::size_t i) const {
    if (i >= items_.size()) throw Error("Sequential", "index ", i, " out of range for ", items_.size(), " modules");
    return items_[i];
}

ModuleList& ModuleList::push_back(std::shared_ptr<Module> m) {
    register_module(std::to_string(items_.size()), m);
    items_.push_back(std::move(m));
    return *this;
}

const std::shared_ptr<Module>& ModuleList::operator[](std::size_t i) const {
    if (i >= items_.size()) throw Error("ModuleList", "index ", i, " out of range for ", items_.size(), " modules");
    return items_[i];
}

}  // namespace prism::nn
