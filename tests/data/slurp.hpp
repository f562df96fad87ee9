// The whole of a file as a string, for tests that check what was written.
#pragma once
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>
#include <string>

namespace prism::test {

// "" when the file cannot be opened (callers that must tell check the file exists themselves).
inline std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Fails the test (BOOST_REQUIRE) when the file cannot be opened.
inline std::string slurp_required(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    BOOST_REQUIRE_MESSAGE(in.good(), "cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace prism::test
