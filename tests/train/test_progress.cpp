// The progress bar's ETA and durations: a run resumed part-way through an epoch times only the
// steps it ran itself, so the ETA does not shrink to nothing after a resume.
#include "../helpers.hpp"
#include "prism/train/progress.hpp"

using namespace prism;

BOOST_AUTO_TEST_SUITE(train_progress)

BOOST_AUTO_TEST_CASE(eta_counts_only_the_steps_run_since_start) {
    // fresh epoch: 100 of 400 steps in 50 s -> 300 steps left at 0.5 s each
    BOOST_TEST(train::eta_seconds(50.0, 0, 100, 400) == 150.0);
    // resumed at step 200: 23 steps in 16 s leave 223 steps at 16/23 s each (not 16 * 223 / 223)
    BOOST_TEST(train::eta_seconds(16.0, 200, 223, 446) == 16.0 * 223 / 23, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(train::eta_seconds(3.0, 200, 200, 446) < 0);  // nothing run yet: unknown
    BOOST_TEST(train::eta_seconds(9.0, 0, 446, 446) == 0.0);
}

BOOST_AUTO_TEST_CASE(durations_read_as_minutes_or_hours) {
    BOOST_TEST(train::format_duration(65) == "1:05");
    BOOST_TEST(train::format_duration(3723) == "1:02:03");
    BOOST_TEST(train::format_duration(-1) == "?");
}

BOOST_AUTO_TEST_SUITE_END()
