// Sequential and ModuleList: children named "0", "1", ... as in PyTorch, so their parameters
// read `blocks.3.attn.qkv.weight`.
#pragma once
#include <memory>
#include <vector>

#include "prism/nn/module.hpp"

namespace prism::nn {

// Chains UnaryModules: forward(x) = m_n(...m_1(m_0(x))).
class Sequential : public UnaryModule {
   public:
    Sequential() : UnaryModule("Sequential") {}
    explicit Sequential(std::vector<std::shared_ptr<UnaryModule>> ms);
    Sequential& push_back(std::shared_ptr<UnaryModule> m);
    Tensor forward(const Tensor& x) override;

    std::size_t size() const { return items_.size(); }
    const std::shared_ptr<UnaryModule>& operator[](std::size_t i) const;

   private:
    std::vector<std::shared_ptr<UnaryModule>> items_;
};

// A list of modules of any kind; the owner decides how to call them (no forward).
class ModuleList : public Module {
   public:
    ModuleList() : Module("ModuleList") {}
    ModuleList& push_back(std::shared_ptr<Module> m);

    std::size_t size() const { return items_.size(); }
    const std::shared_ptr<Module>& operator[](std::size_t i) const;
    // The i-th module as M; throws prism::Error when it is another type.
    template <class M> std::shared_ptr<M> at(std::size_t i) const {
        auto m = std::dynamic_pointer_cast<M>((*this)[i]);
        if (!m) throw Error("ModuleList::at", "item ", i, " is a ", (*this)[i]->type_name());
        return m;
    }
    auto begin() const { return items_.begin(); }
    auto end() const { return items_.end(); }

   private:
    std::vector<std::shared_ptr<Module>> items_;
};

}  // namespace prism::nn
