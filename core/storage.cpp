// Storage allocation with a cache of freed blocks.
//
// A training step allocates the same activation and gradient sizes every time. Fresh blocks
// from the OS cost a page fault per 4 KiB page on first touch, which for 20 MB activations is
// more than the kernel that fills them. So freed blocks go into a cache keyed by size class
// (each power of two split into 8 classes, so at most 12.5% is wasted) and the next request
// of that class reuses one. The cache is bounded; sanitizer builds bypass it so
// AddressSanitizer still sees every use-after-free.
#include "prism/core/storage.hpp"

#include "prism/core/timers.hpp"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace prism {

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCacheEnabled = false;
#else
constexpr bool kCacheEnabled = true;
#endif

constexpr std::size_t kMaxCachedBytes = std::size_t(4) << 30;  // 4 GiB of idle blocks at most

// The size class of n bytes: n rounded up to 1/8 of its power of two (min one cache line).
std::size_t size_class(std::size_t n) {
    if (n <= Storage::kAlignment) return Storage::kAlignment;
    std::size_t p = 1;
    while (p < n) p <<= 1;
    const std::size_t step = std::max<std::size_t>(p / 16, Storage::kAlignment);
    return (n + step - 1) / step * step;
}

struct BlockCache {
    std::mutex mu;
    std::unordered_map<std::size_t, std::vector<void*>> free_blocks;
    std::size_t cached_bytes = 0;

    void* take(std::size_t cls) {
        std::lock_guard<std::mutex> lock(mu);
        auto it = free_blocks.find(cls);
        if (it == free_blocks.end() || it->second.empty()) return nullptr;
        void* p = it->second.back();
        it->second.pop_back();
        cached_bytes -= cls;
        return p;
    }
    bool give(void* p, std::size_t cls) {
        std::lock_guard<std::mutex> lock(mu);
        if (cached_bytes + cls > kMaxCachedBytes) return false;
        free_blocks[cls].push_back(p);
        cached_bytes += cls;
        return true;
    }
    ~BlockCache() {
        for (auto& [cls, v] : free_blocks)
            for (void* p : v) std::free(p);
    }
};

BlockCache& cache() {
    static BlockCache* c = new BlockCache();  // never destroyed: tensors may outlive statics
    return *c;
}

}  // namespace

Storage::Storage(std::size_t nbytes) : nbytes_(nbytes) {
    timers::Scope timed("alloc");
    const std::size_t cls = size_class(nbytes);
    if (kCacheEnabled) data_ = cache().take(cls);
    if (!data_) data_ = std::aligned_alloc(kAlignment, cls);
    if (!data_) throw std::bad_alloc();
}

Storage::~Storage() {
    timers::Scope timed("alloc");
    const std::size_t cls = size_class(nbytes_);
    if (!kCacheEnabled || !cache().give(data_, cls)) std::free(data_);
}

}  // namespace prism
