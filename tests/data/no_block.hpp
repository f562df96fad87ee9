// Calls that must fail fast on a FIFO: run them on a thread, and if one is still blocked
// (in open() waiting for a writer, or reading) after a few seconds, open the FIFO for writing
// to release it and fail the test instead of hanging the suite.
#pragma once
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <future>
#include <string>

namespace prism::test {

inline std::string make_fifo(const std::string& path) {
    BOOST_REQUIRE_MESSAGE(::mkfifo(path.c_str(), 0600) == 0, "mkfifo " + path);
    return path;
}

// The message of the prism::Error that f throws ("" when it returns); fails the test when f
// is still running after `seconds` (it blocked on the FIFO `fifo`).
template <class F> std::string error_without_blocking(F&& f, const std::string& fifo, int seconds = 10) {
    auto fut = std::async(std::launch::async, [&]() -> std::string {
        try {
            f();
        } catch (const std::exception& e) {
            return e.what();
        }
        return "";
    });
    if (fut.wait_for(std::chrono::seconds(seconds)) == std::future_status::timeout) {
        BOOST_ERROR("blocked for " << seconds << " s on the FIFO " << fifo);
        // A writer that opens and closes at once releases a reader blocked in open() or read().
        const int w = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
        if (w >= 0) ::close(w);
    }
    return fut.get();
}

}  // namespace prism::test
