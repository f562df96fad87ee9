// The CLI driver itself: the built program runs and exits 0 on a plain command.
#include <boost/test/unit_test.hpp>

#include "cli_driver.hpp"

using namespace prism::test;

BOOST_AUTO_TEST_SUITE(cli_basics)

BOOST_AUTO_TEST_CASE(info_runs_and_exits_zero) {
    const auto r = run_cli({"info"});
    BOOST_CHECK_EQUAL(r.exit_code, 0);
    BOOST_CHECK(!r.signaled);
    BOOST_CHECK_MESSAGE(r.out.find("prism") != std::string::npos, r.all());
}

BOOST_AUTO_TEST_SUITE_END()
