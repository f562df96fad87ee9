// prism used from outside its tree: tests/install/check_install.sh installs this build into a
// temporary prefix and builds programs against it through pkg-config, and builds
// examples/subproject with prism as a meson subproject (the slow case: it compiles the library
// again, a few minutes on 2 cores).
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <string>

namespace {

struct Run {
    int status;
    std::string output;
};

// A sanitizer build installs an ASan/UBSan library: the programs built against it need the same.
#if defined(__SANITIZE_ADDRESS__)
constexpr const char* kExtraFlags = "EXTRA_CXXFLAGS='-fsanitize=address,undefined' ";
#else
constexpr const char* kExtraFlags = "";
#endif

Run run_check(const std::string& what) {
    const std::string cmd = std::string(kExtraFlags) + "sh '" + PRISM_SOURCE_DIR + "/tests/install/check_install.sh' '" +
                            PRISM_BUILD_DIR + "' " + what + " 2>&1";
    Run r{-1, ""};
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p)) r.output += buf;
    r.status = pclose(p);
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(install)

BOOST_AUTO_TEST_CASE(pkgconfig_program_builds_and_runs_against_installed_tree) {
    const Run r = run_check("pkgconfig");
    BOOST_CHECK_MESSAGE(r.status == 0, r.output);
    BOOST_CHECK_MESSAGE(r.output.find("PASS: installed prism") != std::string::npos, r.output);
    BOOST_CHECK_MESSAGE(r.output.find("mine: ok") != std::string::npos, r.output);
}

BOOST_AUTO_TEST_CASE(meson_subproject_builds_and_runs) {
    const Run r = run_check("subproject");
    BOOST_CHECK_MESSAGE(r.status == 0, r.output);
    BOOST_CHECK_MESSAGE(r.output.find("embed: weight") != std::string::npos, r.output);
}

BOOST_AUTO_TEST_SUITE_END()
