// libFuzzer entry for prism::fuzz::image (fuzz/targets.hpp; run with `./prism fuzz image`).
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    prism::fuzz::image(data, size);
    return 0;
}
