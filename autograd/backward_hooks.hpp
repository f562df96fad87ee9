// BackwardHooks: callbacks the backward engine makes while a BackwardHooksScope is alive on the
// calling thread, so code above autograd can act during backward without the engine knowing it:
// dist::DataParallel starts the allreduce of a bucket of gradients as soon as the last of its
// parameters is final, overlapping communication with the rest of backward.
//
//   leaf_ready(leaf): every node of this backward that feeds `leaf` (a tensor without grad_fn that
//                     requires grad: a parameter) has run, so leaf->grad will not change again in
//                     this backward. Leaves no gradient reaches are not reported.
//   node_done():      after each node's backward closure (a chance to progress communication).
#pragma once
#include <functional>

#include "prism/core/tensor.hpp"

namespace prism {

struct BackwardHooks {
    std::function<void(TensorImpl* leaf)> leaf_ready;
    std::function<void()> node_done;
};

class BackwardHooksScope {
   public:
    explicit BackwardHooksScope(BackwardHooks hooks);
    ~BackwardHooksScope();
    BackwardHooksScope(const BackwardHooksScope&) = delete;
    BackwardHooksScope& operator=(const BackwardHooksScope&) = delete;

    static const BackwardHooks* current();  // nullptr outside any scope

   private:
    BackwardHooks hooks_;
    const BackwardHooks* prev_;
};

}  // namespace prism
