// stb_image compiled into the fuzz targets with coverage and sanitizers, so the fuzzer sees
// inside the decoders; it takes the place of Debian's uninstrumented libstb.so for the
// stbi_* calls data/image_folder.cpp makes (the executable's definitions win at load time).
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>
