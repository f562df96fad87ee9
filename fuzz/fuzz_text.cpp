// libFuzzer entry for prism::fuzz::text (fuzz/targets.hpp; run with `./prism fuzz text`).
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    prism::fuzz::text(data, size);
    return 0;
}
