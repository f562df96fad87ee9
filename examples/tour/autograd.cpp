// Tour chapter 3 (docs/tour/03-autograd.md): the tape, one backward pass, and gradcheck.
//
// y = sum(tanh(x @ w) * x @ w) for x (4, 3) and w (3, 2) in float64. Walks the tape from y's
// grad_fn back to the leaves and prints each node's name, runs y.backward(), then checks the
// gradients against central finite differences with prism::gradcheck. Prints
// "autograd: ok" (exit 0) when gradcheck agrees.
#include <cstdio>
#include <prism/prism.hpp>
#include <set>
#include <vector>

using prism::Tensor;

static void print_tape(const Tensor& t, int depth, std::set<const prism::Node*>& seen) {
    const auto& node = t.grad_fn();
    if (!node) {
        std::printf("%*sleaf %s%s\n", 2 * depth, "", prism::shape_str(t.shape()).c_str(),
                    t.requires_grad() ? " (requires grad)" : "");
        return;
    }
    std::printf("%*s%s -> %s\n", 2 * depth, "", node->name, prism::shape_str(t.shape()).c_str());
    if (!seen.insert(node.get()).second) return;  // shared sub-expression: printed once
    for (const Tensor& in : node->inputs) print_tape(in, depth + 1, seen);
}

int main() {
    prism::Generator g(0);
    Tensor x = Tensor::randn({4, 3}, g, prism::kFloat64).requires_grad_();
    Tensor w = Tensor::randn({3, 2}, g, prism::kFloat64).requires_grad_();
    auto f = [](const std::vector<Tensor>& in) {
        Tensor h = prism::matmul(in[0], in[1]);  // (4, 3) @ (3, 2) -> (4, 2)
        return prism::sum(prism::tanh(h) * h);   // 0-d
    };

    Tensor y = f({x, w});
    std::set<const prism::Node*> seen;
    print_tape(y, 0, seen);

    y.backward();  // dL/dy = 1, then every node's closure in reverse topological order
    std::printf("dy/dw =\n%s\n", w.grad().to_string().c_str());

    const prism::GradcheckResult r = prism::gradcheck(f, {x, w});
    std::printf("gradcheck: max |autograd - finite difference| = %.2e\n", r.max_abs_error);
    std::printf("autograd: %s\n", r.ok ? "ok" : "WRONG");
    if (!r.ok) std::printf("%s\n", r.report.c_str());
    return r.ok ? 0 : 1;
}
