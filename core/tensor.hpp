// What a tensor is
// ================
//
// A prism::Tensor is a small handle to four things:
//
//   storage  a shared, reference-counted block of bytes (core/storage.hpp), 64-byte aligned.
//   shape    the sizes of the dims, outermost first: (B, T, C) = (2, 3, 4).
//   strides  how many *elements* to step in storage to move by one along each dim.
//            A fresh tensor of shape (2, 3, 4) is row-major: strides (12, 4, 1).
//   offset   the element index in storage where element [0, 0, 0] lives.
//
// Element [i, j, k] is at storage[offset + i*stride0 + j*stride1 + k*stride2].
//
// Views. Because the layout is just (shape, strides, offset), many operations need no copy:
// they make a new handle over the same storage.
//   transpose(0, 1) of (2, 3) with strides (3, 1)  -> shape (3, 2), strides (1, 3)
//   narrow(1, 1, 2) of (2, 3)                       -> shape (2, 2), offset 1
//   expand({4, 3}) of (1, 3)                        -> shape (4, 3), strides (0, 1): the
//                                                      one row is read four times
//   reshape/view, permute, select, squeeze/unsqueeze likewise.
// A view shares storage with its base: writing through one is seen by the other.
// contiguous() returns the tensor itself when it is already row-major and otherwise copies.
//
// Ownership. Tensor is cheap to copy (a shared_ptr); copies are the *same* tensor, as in
// PyTorch (`Tensor b = a;` is not a deep copy, use clone()). Storage lives as long as any
// tensor viewing it.
//
// Autograd. A tensor also carries requires_grad, its accumulated grad, and grad_fn: the
// autograd node (autograd/node.hpp) that produced it. Member functions that make new tensors
// from old ones (views, arithmetic) are differentiable and record a node; they are defined in
// autograd/, because recording belongs to that layer. Everything in core/ is plain data.
//
// Example:
//     auto x = prism::Tensor::arange(6).reshape({2, 3});   // [[0,1,2],[3,4,5]] float32
//     auto y = x.transpose(0, 1);                          // (3, 2), no copy
//     std::cout << y;                                      // tensor([[0, 3], [1, 4], [2, 5]])
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "prism/core/dtype.hpp"
#include "prism/core/error.hpp"
#include "prism/core/shape.hpp"
#include "prism/core/storage.hpp"

namespace prism {

struct Node;  // autograd/node.hpp
class Generator;  // core/rng.hpp

struct TensorImpl {
    std::shared_ptr<Storage> storage;
    Shape shape;
    Strides strides;
    std::int64_t offset = 0;  // in elements
    DType dtype = DType::Float32;

    // autograd state
    bool requires_grad = false;
    bool retains_grad = false;       // keep .grad on a non-leaf (Tensor::retain_grad)
    std::shared_ptr<TensorImpl> grad;
    std::shared_ptr<Node> grad_fn;   // null for leaves and for tensors made under no_grad
};

class Tensor {
   public:
    Tensor() = default;  // an undefined tensor (defined() == false), like a null pointer
    explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

    // ---- creation (core) -------------------------------------------------------------
    static Tensor empty(const Shape& shape, DType dtype = kFloat32);  // uninitialised
    static Tensor zeros(const Shape& shape, DType dtype = kFloat32);
    static Tensor ones(const Shape& shape, DType dtype = kFloat32);
    static Tensor full(const Shape& shape, double value, DType dtype = kFloat32);
    static Tensor scalar(double value, DType dtype = kFloat32);  // 0-d
    static Tensor arange(std::int64_t n, DType dtype = kFloat32);  // 0, 1, ..., n-1
    template <class T> static Tensor from_vector(const std::vector<T>& values, const Shape& shape);
    static Tensor randn(const Shape& shape, Generator& gen, DType dtype = kFloat32);  // N(0, 1)
    static Tensor rand(const Shape& shape, Generator& gen, DType dtype = kFloat32);   // U[0, 1)
    // A tensor over existing storage with an explicit layout (the one primitive view).
    static Tensor from_storage(std::shared_ptr<Storage> storage, const Shape& shape, const Strides& strides,
                               std::int64_t offset, DType dtype);

    // ---- layout (core) ----------------------------------------------------------------
    bool defined() const { return impl_ != nullptr; }
    const Shape& shape() const { return impl().shape; }
    const Strides& strides() const { return impl().strides; }
    std::int64_t dim() const { return static_cast<std::int64_t>(impl().shape.size()); }
    std::int64_t size(std::int64_t d) const;    // negative d counts from the end
    std::int64_t stride(std::int64_t d) const;
    std::int64_t offset() const { return impl().offset; }
    std::int64_t numel() const { return prism::numel(impl().shape); }
    DType dtype() const { return impl().dtype; }
    std::size_t itemsize() const { return prism::itemsize(impl().dtype); }
    bool is_contiguous() const;
    const std::shared_ptr<Storage>& storage() const { return impl().storage; }

    // Pointer to element [0, ..., 0]; throws if T does not match dtype().
    template <class T> T* data() const;
    void* raw_data() const;
    double item() const;  // the one element of a 1-element tensor, converted to double
    template <class T> std::vector<T> to_vector() const;  // row-major copy of all elements
    std::string to_string() const;                        // PyTorch-like printout

    // ---- in place, not recorded by autograd (core) ---------------------------------------
    Tensor& fill_(double value);
    Tensor& copy_(const Tensor& src);  // src broadcasts to this shape; dtypes may differ
    Tensor& zero_() { return fill_(0.0); }
    // Re-points this tensor (every handle to it) at `storage`, with this layout; the old
    // storage is released when nothing else views it. PyTorch's Tensor.set_. Used by the
    // optimizers to alias parameters into one flat slab. Throws when the layout would read
    // outside the storage or the shape's element count changes.
    Tensor& set_(std::shared_ptr<Storage> storage, std::int64_t offset, const Strides& strides);
    // Makes this tensor view exactly what `source` views (storage, shape, strides, offset,
    // dtype); its autograd state stays. Used by Module::to(dtype) to convert in place.
    Tensor& set_(const Tensor& source);

    // ---- views and copies (differentiable; defined in autograd/views.cpp) ----------------
    Tensor view(const Shape& shape) const;     // no copy; throws if strides do not allow it
    Tensor reshape(const Shape& shape) const;  // view when possible, else copy; one dim may be -1
    Tensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
    Tensor permute(const std::vector<std::int64_t>& dims) const;
    Tensor transpose(std::int64_t d0, std::int64_t d1) const;
    Tensor t() const;  // transpose of a 2-d tensor
    Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
    Tensor select(std::int64_t dim, std::int64_t index) const;  // removes dim
    std::vector<Tensor> unbind(std::int64_t dim = 0) const;      // every select(dim, i), one backward
    Tensor expand(const Shape& shape) const;                     // -1 keeps a size
    Tensor squeeze(std::int64_t dim) const;
    Tensor unsqueeze(std::int64_t dim) const;
    Tensor contiguous() const;
    Tensor clone() const;
    Tensor to(DType dtype) const;

    // ---- autograd (defined in autograd/) ---------------------------------------------------
    bool requires_grad() const { return impl().requires_grad; }
    Tensor& requires_grad_(bool on = true);
    Tensor grad() const;                 // undefined until a backward pass reaches this leaf
    void set_grad(const Tensor& g);      // replaces .grad (used by optimizers and tests)
    void zero_grad();                    // drops .grad, like PyTorch's set_to_none
    void retain_grad();                  // keep .grad on a non-leaf tensor
    bool is_leaf() const { return impl().grad_fn == nullptr; }
    const std::shared_ptr<Node>& grad_fn() const { return impl().grad_fn; }
    Tensor detach() const;               // same storage, no history
    void backward() const;               // this must hold one element
    void backward(const Tensor& grad_output) const;

    // ---- identity ----------------------------------------------------------------------------
    TensorImpl* get() const { return impl_.get(); }
    const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
    bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

   private:
    TensorImpl& impl() const;
    std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- template definitions ----------------------------------------------------------------

template <class T> T* Tensor::data() const {
    if (dtype() != dtype_of<T>::value)
        throw Error("data", "tensor ", shape_str(shape()), " holds ", dtype_name(dtype()), ", asked for ",
                    dtype_name(dtype_of<T>::value));
    return static_cast<T*>(raw_data());
}

template <class T> Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape) {
    if (static_cast<std::int64_t>(values.size()) != prism::numel(shape))
        throw Error("from_vector", values.size(), " values do not fill shape ", shape_str(shape));
    Tensor t = empty(shape, dtype_of<T>::value);
    T* p = t.data<T>();
    for (std::size_t i = 0; i < values.size(); ++i) p[i] = values[i];
    return t;
}

}  // namespace prism
