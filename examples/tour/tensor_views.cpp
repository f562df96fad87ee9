// Tour chapter 1 (docs/tour/01-tensor.md): a tensor is storage + shape + strides + offset.
//
// Makes x = arange(6) viewed as (2, 3), then three views of it without copying, prints each
// one's shape, strides and offset, writes through a view and shows the base sees the write.
// Prints "tensor views: ok" and exits 0 when every layout is the one the chapter describes.
#include <cstdio>
#include <prism/prism.hpp>
#include <string>

using prism::Tensor;

static std::string layout(const Tensor& t) {
    return "shape " + prism::shape_str(t.shape()) + " strides " + prism::shape_str(t.strides()) + " offset " +
           std::to_string(t.offset()) + (t.is_contiguous() ? " (contiguous)" : "");
}

int main() {
    Tensor x = Tensor::arange(6).reshape({2, 3});  // [[0, 1, 2], [3, 4, 5]]
    Tensor xt = x.transpose(0, 1);                // (3, 2): the strides swap
    Tensor col = x.narrow(1, 1, 2);               // columns 1..2: the offset moves
    Tensor row = Tensor::arange(3).reshape({1, 3}).expand({4, 3});  // one row read 4 times
    std::printf("x      %s\n", layout(x).c_str());
    std::printf("x.T    %s\n", layout(xt).c_str());
    std::printf("narrow %s\n", layout(col).c_str());
    std::printf("expand %s\n", layout(row).c_str());

    // A view shares storage: write through the transpose, read through the base.
    xt.detach().narrow(0, 2, 1).narrow(1, 1, 1).fill_(50);  // xt[2, 1] is x[1, 2]
    const auto values = x.to_vector<float>();
    std::printf("x after writing 50 through x.T[2, 1]: [[%g, %g, %g], [%g, %g, %g]]\n", values[0], values[1],
                values[2], values[3], values[4], values[5]);

    const bool ok = x.strides() == prism::Strides{3, 1} && xt.strides() == prism::Strides{1, 3} &&
                    col.offset() == 1 && row.strides() == prism::Strides{0, 1} && values[5] == 50 &&
                    xt.storage() == x.storage() && !xt.is_contiguous();
    std::printf("tensor views: %s\n", ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
