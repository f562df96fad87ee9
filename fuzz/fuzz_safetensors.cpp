// libFuzzer entry for prism::fuzz::safetensors (fuzz/targets.hpp; run with `./prism fuzz safetensors`).
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    prism::fuzz::safetensors(data, size);
    return 0;
}
