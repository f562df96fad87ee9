// libFuzzer entry for prism::fuzz::options (fuzz/targets.hpp; run with `./prism fuzz options`).
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    prism::fuzz::options(data, size);
    return 0;
}
