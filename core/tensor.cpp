#include "prism/core/tensor.hpp"

#include <cstring>

#include "prism/core/iterate.hpp"
#include "prism/core/parallel.hpp"
#include "prism/core/rng.hpp"

namespace prism {

TensorImpl& Tensor::impl() const {
    if (!impl_) throw Error("tensor", "use of an undefined tensor");
    return *impl_;
}

Tensor Tensor::from_storage(std::shared_ptr<Storage> storage, const Shape& shape, const Strides& strides,
                            std::int64_t offset, DType dtype) {
    if (shape.size() != strides.size())
        throw Error("from_storage", "shape ", shape_str(shape), " and strides ", shape_str(strides), " differ in length");
    auto impl = std::make_shared<TensorImpl>();
    impl->storage = std::move(storage);
    impl->shape = shape;
    impl->strides = strides;
    impl->offset = offset;
    impl->dtype = dtype;
    return Tensor(std::move(impl));
}

Tensor Tensor::empty(const Shape& shape, DType dtype) {
    for (auto d : shape)
        if (d < 0) throw Error("empty", "negative size in shape ", shape_str(shape));
    auto st = std::make_shared<Storage>(static_cast<std::size_t>(prism::numel(shape)) * prism::itemsize(dtype));
    return from_storage(std::move(st), shape, contiguous_strides(shape), 0, dtype);
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
    Tensor t = empty(shape, dtype);
    std::memset(t.raw_data(), 0, t.numel() * t.itemsize());
    return t;
}

Tensor Tensor::ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }

Tensor Tensor::full(const Shape& shape, double value, DType dtype) { return empty(shape, dtype).fill_(value); }

Tensor Tensor::scalar(double value, DType dtype) { return full({}, value, dtype); }

Tensor Tensor::arange(std::int64_t n, DType dtype) {
    Tensor t = empty({n}, dtype);
    dispatch(dtype, [&](auto tag) {
        using T = decltype(tag);
        T* p = t.data<T>();
        for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(i);
    });
    return t;
}

Tensor Tensor::randn(const Shape& shape, Generator& gen, DType dtype) {
    PRISM_CHECK(is_floating(dtype), "randn", "dtype must be floating, got ", dtype_name(dtype));
    Tensor t = empty(shape, dtype);
    dispatch_floating(dtype, [&](auto tag) { gen.normal(t.data<decltype(tag)>(), t.numel()); });
    return t;
}

Tensor Tensor::rand(const Shape& shape, Generator& gen, DType dtype) {
    PRISM_CHECK(is_floating(dtype), "rand", "dtype must be floating, got ", dtype_name(dtype));
    Tensor t = empty(shape, dtype);
    dispatch_floating(dtype, [&](auto tag) { gen.uniform(t.data<decltype(tag)>(), t.numel()); });
    return t;
}

std::int64_t Tensor::size(std::int64_t d) const { return shape()[wrap_dim(d, dim(), "size")]; }
std::int64_t Tensor::stride(std::int64_t d) const { return strides()[wrap_dim(d, dim(), "stride")]; }

bool Tensor::is_contiguous() const {
    std::int64_t expected = 1;
    for (std::size_t i = shape().size(); i-- > 0;) {
        if (shape()[i] == 1) continue;  // the stride of a size-1 dim never matters
        if (strides()[i] != expected) return false;
        expected *= shape()[i];
    }
    return true;
}

void* Tensor::raw_data() const {
    return static_cast<char*>(impl().storage->data()) + offset() * static_cast<std::int64_t>(itemsize());
}

double Tensor::item() const {
    if (numel() != 1) throw Error("item", "tensor ", shape_str(shape()), " has ", numel(), " elements, expected 1");
    return dispatch(dtype(), [&](auto tag) { return static_cast<double>(*data<decltype(tag)>()); });
}

template <class T> std::vector<T> Tensor::to_vector() const {
    std::vector<T> out(numel());
    dispatch(dtype(), [&](auto tag) {
        using S = decltype(tag);
        const S* base = static_cast<const S*>(impl().storage->data());
        for_each_offset<1>(shape(), {&strides()}, {offset()},
                           [&](std::int64_t i, const std::array<std::int64_t, 1>& o) { out[i] = static_cast<T>(base[o[0]]); });
    });
    return out;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<std::int32_t> Tensor::to_vector<std::int32_t>() const;
template std::vector<std::int64_t> Tensor::to_vector<std::int64_t>() const;

Tensor& Tensor::set_(std::shared_ptr<Storage> storage, std::int64_t offset, const Strides& strides) {
    if (!storage) throw Error("set_", "null storage for tensor ", shape_str(shape()));
    if (strides.size() != shape().size())
        throw Error("set_", "strides ", shape_str(strides), " do not match shape ", shape_str(shape()));
    std::int64_t last = offset;  // the furthest element the layout reaches
    for (std::size_t d = 0; d < strides.size(); ++d) {
        if (strides[d] < 0) throw Error("set_", "negative stride in ", shape_str(strides));
        if (shape()[d] > 0) last += (shape()[d] - 1) * strides[d];
    }
    const auto capacity = static_cast<std::int64_t>(storage->nbytes() / itemsize());
    if (offset < 0 || (numel() > 0 && last >= capacity))
        throw Error("set_", "shape ", shape_str(shape()), " with strides ", shape_str(strides), " at offset ", offset,
                    " reads past a storage of ", capacity, " elements");
    impl().storage = std::move(storage);
    impl().strides = strides;
    impl().offset = offset;
    return *this;
}

Tensor& Tensor::set_(const Tensor& source) {
    impl().storage = source.storage();
    impl().shape = source.shape();
    impl().strides = source.strides();
    impl().offset = source.offset();
    impl().dtype = source.dtype();
    return *this;
}

Tensor& Tensor::fill_(double value) {
    dispatch(dtype(), [&](auto tag) {
        using T = decltype(tag);
        T* base = static_cast<T*>(impl().storage->data());
        const T v = static_cast<T>(value);
        if (is_contiguous()) {
            T* p = base + offset();
            for (std::int64_t i = 0, n = numel(); i < n; ++i) p[i] = v;
        } else {
            for_each_offset<1>(shape(), {&strides()}, {offset()},
                               [&](std::int64_t, const std::array<std::int64_t, 1>& o) { base[o[0]] = v; });
        }
    });
    return *this;
}

namespace {

// Merge adjacent dims that are contiguous with each other in both tensors, so a copy walks
// as few, as long runs as possible: (B, T, NH, HS) <- permuted (B, NH, T, HS) becomes
// (B, T, NH*HS)... wherever the layouts allow.
void collapse_dims(Shape& shape, Strides& a, Strides& b) {
    Shape s2;
    Strides a2, b2;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == 1) continue;
        if (!s2.empty() && a2.back() == a[i] * shape[i] && b2.back() == b[i] * shape[i]) {
            s2.back() *= shape[i];
            a2.back() = a[i];
            b2.back() = b[i];
        } else {
            s2.push_back(shape[i]);
            a2.push_back(a[i]);
            b2.push_back(b[i]);
        }
    }
    if (s2.empty()) s2 = {1}, a2 = {1}, b2 = {1};
    shape = s2;
    a = a2;
    b = b2;
}

template <class D, class S>
void strided_copy(D* dst, const S* src, const Shape& shape, const Strides& ds, const Strides& ss) {
    // rows = every index of the outer dims; each row is one run along the last dim
    const std::size_t nd = shape.size();
    const std::int64_t n = shape[nd - 1], dstep = ds[nd - 1], sstep = ss[nd - 1];
    const Shape outer(shape.begin(), shape.end() - 1);
    const std::int64_t rows = numel(outer);
    parallel_for(0, rows, std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(n, 1)), [&](std::int64_t lo, std::int64_t hi) {
        // the outer index of row lo (one division per dim), then advanced like an odometer: a
        // division per row cost more than copying a 64-element row
        std::vector<std::int64_t> idx(nd, 0);
        std::int64_t rem = lo, od = 0, os = 0;
        for (std::size_t d = nd - 1; d-- > 0;) {
            idx[d] = rem % shape[d];
            rem /= shape[d];
            od += idx[d] * ds[d];
            os += idx[d] * ss[d];
        }
        for (std::int64_t r = lo; r < hi; ++r) {
            D* pd = dst + od;
            const S* ps = src + os;
            if (dstep == 1 && sstep == 1) {
                for (std::int64_t k = 0; k < n; ++k) pd[k] = static_cast<D>(ps[k]);
            } else {
                for (std::int64_t k = 0; k < n; ++k) pd[k * dstep] = static_cast<D>(ps[k * sstep]);
            }
            for (std::size_t d = nd - 1; d-- > 0;) {  // next row
                od += ds[d];
                os += ss[d];
                if (++idx[d] < shape[d]) break;
                od -= shape[d] * ds[d];
                os -= shape[d] * ss[d];
                idx[d] = 0;
            }
        }
    });
}

}  // namespace

Tensor& Tensor::copy_(const Tensor& src) {
    const Shape b = broadcast_shapes(shape(), src.shape(), "copy_");
    if (b != shape())
        throw Error("copy_", "source ", shape_str(src.shape()), " does not broadcast to destination ", shape_str(shape()));
    if (numel() == 0) return *this;
    if (dtype() == src.dtype() && is_contiguous() && src.is_contiguous() && shape() == src.shape()) {
        std::memmove(raw_data(), src.raw_data(), numel() * itemsize());
        return *this;
    }
    // strides of src as seen from this shape: size-1 / missing dims read the same element
    Strides ss(dim(), 0);
    const std::int64_t lead = dim() - src.dim();
    for (std::int64_t i = 0; i < src.dim(); ++i) ss[lead + i] = src.shape()[i] == 1 ? 0 : src.strides()[i];
    Shape sh = shape();
    Strides ds = strides();
    collapse_dims(sh, ds, ss);
    dispatch(dtype(), [&](auto dtag) {
        using D = decltype(dtag);
        D* dbase = static_cast<D*>(impl().storage->data()) + offset();
        dispatch(src.dtype(), [&](auto stag) {
            using S = decltype(stag);
            const S* sbase = static_cast<const S*>(src.storage()->data()) + src.offset();
            strided_copy(dbase, sbase, sh, ds, ss);
        });
    });
    return *this;
}

}  // namespace prism
