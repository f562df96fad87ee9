// nn::Module: the base of every layer, in the shape of torch.nn.Module.
//
// A module owns named parameters (trainable leaves), named buffers (non-trainable state) and
// named child modules. Names compose into PyTorch dotted paths, so a checkpoint written by
// PyTorch loads by name:
//
//     auto blk = std::make_shared<nn::TransformerBlock>(cfg);
//     model->register_module("blocks", blocks);            // blocks.3.attn.qkv.weight
//     for (auto& [name, p] : model->named_parameters()) ...
//     model->load_state_dict(io::load_safetensors("gpt2.safetensors"));
//
// Modules are held by std::shared_ptr. Layers keep their parameters as public Tensor members
// (weight, bias) which are the very handles registered here: load_state_dict() and to() change
// them in place, so a handle taken before stays valid.
//
// Errors: every forward() opens with `auto g = path_guard();`, which pushes the module's full
// dotted path onto prism::ModulePath, so an error deep inside reads
//     blocks.3.mlp.fc1: linear: input (128, 50, 190), weight (768, 192)
// even when the caller indexes a ModuleList directly (model code calling blocks[i]).
#pragma once
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "prism/core/error.hpp"
#include "prism/core/tensor.hpp"
#include "prism/nn/probe.hpp"

namespace prism::nn {

using StateDict = std::map<std::string, Tensor>;

// What a non-strict load_state_dict() skipped (PyTorch's _IncompatibleKeys).
struct LoadResult {
    std::vector<std::string> missing_keys;     // in the model, not in the checkpoint
    std::vector<std::string> unexpected_keys;  // in the checkpoint, not in the model
};

class Module {
   public:
    explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}
    virtual ~Module() = default;
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    const std::string& type_name() const { return type_name_; }  // "Linear", "TransformerBlock"
    // Full dotted path from the outermost module this one is registered in ("" for a root).
    const std::string& path() const { return path_; }

    // ---- registration -------------------------------------------------------------------
    // Registers t (made a leaf that requires grad when requires_grad) and returns the handle.
    Tensor register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
    Tensor register_buffer(const std::string& name, Tensor t);
    template <class M> std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
        add_child(name, m);
        return m;
    }

    // ---- traversal (registration order, PyTorch names) ------------------------------------
    std::vector<Tensor> parameters() const;
    std::vector<std::pair<std::string, Tensor>> named_parameters() const;
    std::vector<std::pair<std::string, Tensor>> named_buffers() const;
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const { return children_; }
    // Every module below and including this one; this one is named "".
    std::vector<std::pair<std::string, Module*>> named_modules();
    std::shared_ptr<Module> child(const std::string& name) const;  // null when absent
    std::int64_t num_parameters() const;                              // total elements

    // ---- state --------------------------------------------------------------------------
    // Parameters and buffers by dotted name; the tensors share storage with the model (detached).
    StateDict state_dict() const;
    // Copies values in place (dtype converts). Shape mismatches always throw, naming the key and
    // both shapes; with strict, missing and unexpected keys throw too, all listed. Nothing is
    // copied when it throws.
    LoadResult load_state_dict(const StateDict& state, bool strict = true);

    void train(bool on = true);  // recursive
    void eval() { train(false); }
    bool is_training() const { return training_; }
    void zero_grad();  // drops every parameter's .grad
    // Converts parameters and buffers to dtype in place (handles stay valid; grads dropped).
    Module& to(DType dtype);

    // A PyTorch-like printout: one line per module with its type and extra_repr().
    std::string repr() const;
    virtual std::string extra_repr() const { return ""; }

   protected:
    // RAII: pushes this module's path onto ModulePath for the duration of a forward.
    ModulePath path_guard() const { return ModulePath(relative_path()); }
    // Offers t to the active ProbeSet as "<path>.<what>"; one branch when no probe is set.
    void probe(const char* what, const Tensor& t) const {
        if (ProbeSet* p = active_probes()) p->offer(join(what), t);
    }
    // True when a probe wants "<path>.<what>" (so the caller may compute something extra).
    bool probe_wants(const char* what) const {
        ProbeSet* p = active_probes();
        return p && p->matches(join(what));
    }
    std::string join(const std::string& name) const { return path_.empty() ? name : path_ + "." + name; }

   private:
    void add_child(const std::string& name, std::shared_ptr<Module> m);
    void set_path(const std::string& path);
    std::string relative_path() const;
    void check_new_name(const std::string& name) const;
    void collect(const std::string& prefix, bool params, std::vector<std::pair<std::string, Tensor>>& out) const;
    void repr_into(std::string& out, const std::string& name, int indent) const;

    std::string type_name_;
    std::string path_;
    bool training_ = true;
    std::vector<std::pair<std::string, Tensor>> params_;
    std::vector<std::pair<std::string, Tensor>> buffers_;
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

// A module with one tensor in, one tensor out: what Sequential chains.
class UnaryModule : public Module {
   public:
    using Module::Module;
    virtual Tensor forward(const Tensor& x) = 0;
    Tensor operator()(const Tensor& x) { return forward(x); }
};

}  // namespace prism::nn
