// The test runner: Boost.Test with our own main, so the run ends with the one summary line
// CI reads: "N passed, N failed".
#ifndef BOOST_TEST_DYN_LINK
#define BOOST_TEST_DYN_LINK
#endif
#define BOOST_TEST_NO_MAIN
#define BOOST_TEST_ALTERNATIVE_INIT_API
#include <boost/test/results_collector.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdio>

namespace utf = boost::unit_test;

static bool init_suite() {
    utf::framework::master_test_suite().p_name.value = "prism";
    return true;
}

int main(int argc, char** argv) {
    const int rc = utf::unit_test_main(&init_suite, argc, argv);
    const auto& r = utf::results_collector.results(utf::framework::master_test_suite().p_id);
    std::printf("%lu passed, %lu failed, %lu skipped\n", static_cast<unsigned long>(r.p_test_cases_passed),
                static_cast<unsigned long>(r.p_test_cases_failed),  // aborted cases are counted here too
                static_cast<unsigned long>(r.p_test_cases_skipped));
    return rc;
}
