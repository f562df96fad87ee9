// Storage: one 64-byte aligned block of bytes, shared by every tensor that views it.
#pragma once
#include <cstddef>
#include <memory>

namespace prism {

class Storage {
   public:
    explicit Storage(std::size_t nbytes);  // uninitialised; nbytes may be 0
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;

    void* data() const { return data_; }
    std::size_t nbytes() const { return nbytes_; }

    static constexpr std::size_t kAlignment = 64;  // one cache line; also an AVX-512 register

   private:
    void* data_ = nullptr;
    std::size_t nbytes_ = 0;
};

}  // namespace prism
