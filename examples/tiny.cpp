// examples/tiny.cpp: tensors and reverse-mode autodiff in three lines.
//
//   y = sum(x * x * w)   with x = [1, 2, 3], w = [1, -2, 3]
// Prints:
//   y = 20
//   dy/dx = 2 x w = [2, -8, 18]
//   dy/dw = x^2   = [1, 4, 9]
// and exits 0 when those are the values it got (tests/install/check_install.sh runs it).
#include <cmath>
#include <cstdio>
#include <prism/prism.hpp>
#include <vector>

using prism::Tensor;

static std::vector<float> grad_of(const Tensor& t) { return t.grad().to_vector<float>(); }

int main() {
    Tensor x = Tensor::from_vector<float>({1, 2, 3}, {3}), w = Tensor::from_vector<float>({1, -2, 3}, {3});
    x.requires_grad_();
    w.requires_grad_();

    Tensor y = prism::sum(x * x * w);  // the three lines: build, differentiate, read
    y.backward();
    const auto dx = grad_of(x), dw = grad_of(w);

    std::printf("y = %g\n", y.item());
    std::printf("dy/dx = 2 x w = [%g, %g, %g]\n", dx[0], dx[1], dx[2]);
    std::printf("dy/dw = x^2   = [%g, %g, %g]\n", dw[0], dw[1], dw[2]);
    const bool ok = y.item() == 20 && dx == std::vector<float>{2, -8, 18} && dw == std::vector<float>{1, 4, 9};
    return ok ? 0 : 1;
}
