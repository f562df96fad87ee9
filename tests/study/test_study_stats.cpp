// Paired-by-seed statistics of the study report: Student t quantiles against printed table
// values and the paired 95% interval against hand-computed cases (issue 15, point 3).
#include <cmath>
#include <limits>

#include "../helpers.hpp"
#include "prism/study/stats.hpp"

using namespace prism;

BOOST_AUTO_TEST_SUITE(study_stats)

BOOST_AUTO_TEST_CASE(student_t_quantiles_match_the_table) {
    // two-sided 95%: t_{0.975, dof} from any statistics table
    const std::pair<int, double> table[] = {{1, 12.7062}, {2, 4.3027}, {3, 3.1824}, {4, 2.7764},
                                            {5, 2.5706}, {9, 2.2622}, {10, 2.2281}, {30, 2.0423}};
    for (auto [dof, t] : table)
        BOOST_TEST(std::fabs(study::student_t_quantile_two_sided(0.95, dof) - t) < 1e-4, "dof " << dof);
    // 99%, dof 4: 4.6041
    BOOST_TEST(std::fabs(study::student_t_quantile_two_sided(0.99, 4) - 4.6041) < 1e-4);
    // the cdf: dof 1 is the Cauchy, P(|T| <= 1) = 1/2; dof 2: P(|T| <= t) = t / sqrt(2 + t^2)
    BOOST_TEST(std::fabs(study::student_t_two_sided_cdf(1.0, 1) - 0.5) < 1e-12);
    BOOST_TEST(std::fabs(study::student_t_two_sided_cdf(3.0, 2) - 3.0 / std::sqrt(11.0)) < 1e-12);
    test::check_error([] { study::student_t_two_sided_cdf(1.0, 0); }, {"degrees of freedom", "0"});
}

BOOST_AUTO_TEST_CASE(paired_interval_hand_computed) {
    // d = (0.01, 0.02, 0.03): mean 0.02, sd 0.01, half width t_{.975,2} * 0.01 / sqrt(3)
    //   = 4.302653 * 0.0057735 = 0.0248414 -> [-0.0048414, 0.0448414]: not significant
    const auto a = study::paired_difference({0.70, 0.72, 0.74}, {0.71, 0.74, 0.77});
    BOOST_TEST(a.n == 3);
    BOOST_TEST(std::fabs(a.mean - 0.02) < 1e-12);
    BOOST_TEST(std::fabs(a.sd - 0.01) < 1e-12);
    BOOST_REQUIRE(a.has_ci);
    BOOST_TEST(std::fabs(a.lo - (-0.0048414)) < 1e-6);
    BOOST_TEST(std::fabs(a.hi - 0.0448414) < 1e-6);
    BOOST_TEST(!a.significant());
    BOOST_TEST(study::format_paired(a, 100, 2) == "+2.00 [-0.48, +4.48]");

    // d = (1.0, 1.2, 1.4, 1.1): mean 1.175, sd sqrt(0.0875 / 3) = 0.17078251, se 0.08539126,
    // t_{.975,3} = 3.1824463 -> half width 0.27175309, [0.90324691, 1.44675309]: significant
    const auto b = study::paired_difference({0, 0, 0, 0}, {1.0, 1.2, 1.4, 1.1});
    BOOST_TEST(std::fabs(b.mean - 1.175) < 1e-12);
    BOOST_TEST(std::fabs(b.lo - 0.90324691) < 1e-7);
    BOOST_TEST(std::fabs(b.hi - 1.44675309) < 1e-7);
    BOOST_TEST(b.significant());
    BOOST_TEST(study::format_paired(b, 1, 2) == "+1.18 [+0.90, +1.45]*");

    // a negative significant difference
    const auto c = study::paired_difference({1.0, 1.2, 1.4, 1.1}, {0, 0, 0, 0});
    BOOST_TEST(c.significant());
    BOOST_TEST(c.hi < 0);
}

BOOST_AUTO_TEST_CASE(too_few_pairs_give_no_interval) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const auto two = study::paired_difference({0.5, 0.6}, {0.7, 0.9});
    BOOST_TEST(two.n == 2);
    BOOST_TEST(!two.has_ci);
    BOOST_TEST(!two.significant());
    BOOST_TEST(std::fabs(two.mean - 0.25) < 1e-12);
    BOOST_TEST(study::format_paired(two, 100, 1) == "+25.0 (n=2, no CI)");
    // a missing run (NaN) drops its seed from the pairs
    const auto gap = study::paired_difference({0.5, nan, 0.6}, {0.7, 0.8, 0.9});
    BOOST_TEST(gap.n == 2);
    BOOST_TEST(!gap.has_ci);
    BOOST_TEST(study::format_paired(study::paired_difference({}, {}), 1, 2) == "-");
    test::check_error([] { study::paired_difference({1.0}, {1.0, 2.0}); }, {"same seeds"});
}

BOOST_AUTO_TEST_SUITE_END()
