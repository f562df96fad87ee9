// Bit-identity of two checkpoints (resume tests): every parameter, every optimizer tensor (name
// and value) and the train state.
#pragma once
#include <string>

#include "../helpers.hpp"
#include "prism/io/checkpoint.hpp"

namespace prism::test {

inline void check_checkpoints_identical(const std::string& a_path, const std::string& b_path) {
    const io::Checkpoint a = io::load_checkpoint(a_path), b = io::load_checkpoint(b_path);
    BOOST_REQUIRE_EQUAL(a.model.size(), b.model.size());
    for (auto& [name, t] : a.model) {
        BOOST_REQUIRE_MESSAGE(b.model.count(name), name);
        BOOST_TEST(max_abs_diff(t, b.model.at(name)) == 0.0, name);
    }
    BOOST_REQUIRE_EQUAL(a.optim.size(), b.optim.size());
    for (std::size_t i = 0; i < a.optim.size(); ++i) {
        BOOST_TEST(a.optim[i].first == b.optim[i].first);
        BOOST_TEST(max_abs_diff(a.optim[i].second, b.optim[i].second) == 0.0, a.optim[i].first);
    }
    // log_bytes is the length of metrics.jsonl at the save, whose timing fields (seconds,
    // samples/s) differ from run to run; everything else in the state must match
    auto sa = a.train_state, sb = b.train_state;
    sa.erase("log_bytes");
    sb.erase("log_bytes");
    BOOST_TEST(sa.dump() == sb.dump());
}

}  // namespace prism::test
