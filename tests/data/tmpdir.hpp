// A fresh temporary directory for one test, removed afterwards.
#pragma once
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

namespace prism::test {

struct TmpDir {
    std::filesystem::path path;
    TmpDir() {
        static std::atomic<int> counter{0};
        path = std::filesystem::temp_directory_path() /
               ("prism_data_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~TmpDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

}  // namespace prism::test
