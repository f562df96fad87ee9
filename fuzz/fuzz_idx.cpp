// libFuzzer entry for prism::fuzz::idx (fuzz/targets.hpp; run with `./prism fuzz idx`).
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    prism::fuzz::idx(data, size);
    return 0;
}
