#include "core/storage.hpp"

#include <cstdlib>
#include <new>

namespace prism {

Storage::Storage(std::size_t nbytes) : nbytes_(nbytes) {
    // aligned_alloc needs a size that is a multiple of the alignment.
    std::size_t padded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
    if (padded == 0) padded = kAlignment;
    data_ = std::aligned_alloc(kAlignment, padded);
    if (!data_) throw std::bad_alloc();
}

Storage::~Storage() { std::free(data_); }

}  // namespace prism
