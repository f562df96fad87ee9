// libFuzzer entry for prism::fuzz::cli (fuzz/targets.hpp; run with `./prism fuzz cli`).
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    prism::fuzz::cli(data, size);
    return 0;
}
