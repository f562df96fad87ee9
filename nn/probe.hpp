// Probes: capture named activations and attention maps during a forward pass without
// touching model code.
//
//     nn::ProbeSet probes({"blocks.*.out", "blocks.*.attn.probs"});
//     {
//         nn::ProbeScope scope(probes);   // active on this thread until scope ends
//         model->forward(x);
//     }
//     Tensor a = probes.get("blocks.3.attn.probs");   // (B, NH, T, T)
//
// Modules call Module::probe("out", y), which offers "<module path>.out". Names in use:
//     <block>.out         output of a TransformerBlock (B, T, C)
//     <attn>.probs        attention probabilities (B, NH, T, T), e.g. blocks.3.attn.probs
//     <attn>.out          output of an attention module (B, T, C)
// When no ProbeSet is active the hook is one branch on a thread-local pointer: no string is
// built, nothing is captured, and attention does not materialise its probabilities.
//
// Patterns: '*' matches any run of characters within one dotted segment, "**" matches across
// segments, '?' one character. So "blocks.*.out" matches blocks.3.out, not blocks.3.attn.out.
// Captured tensors are detached (no history); a name offered twice keeps the last tensor.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "prism/core/tensor.hpp"

namespace prism::nn {

class ProbeSet;

namespace detail {
inline thread_local ProbeSet* active_probes = nullptr;
}

inline ProbeSet* active_probes() { return detail::active_probes; }

// Glob match as described above.
bool glob_match(const std::string& pattern, const std::string& name);

class ProbeSet {
   public:
    explicit ProbeSet(std::vector<std::string> patterns = {}) : patterns_(std::move(patterns)) {}

    void add_pattern(const std::string& p) { patterns_.push_back(p); }
    bool matches(const std::string& name) const;
    void offer(const std::string& name, const Tensor& t);  // stores t.detach() when it matches

    const std::map<std::string, Tensor>& captured() const { return captured_; }
    bool has(const std::string& name) const { return captured_.count(name) != 0; }
    Tensor get(const std::string& name) const;  // throws prism::Error listing what was captured
    void clear() { captured_.clear(); }

   private:
    std::vector<std::string> patterns_;
    std::map<std::string, Tensor> captured_;
};

// RAII: makes `set` the active ProbeSet on this thread; restores the previous one on exit.
class ProbeScope {
   public:
    explicit ProbeScope(ProbeSet& set) : prev_(detail::active_probes) { detail::active_probes = &set; }
    ~ProbeScope() { detail::active_probes = prev_; }
    ProbeScope(const ProbeScope&) = delete;
    ProbeScope& operator=(const ProbeScope&) = delete;

   private:
    ProbeSet* prev_;
};

}  // namespace prism::nn
