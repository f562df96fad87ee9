#include "prism/train/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace prism::train {

bool Progress::is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }

std::string format_duration(double seconds) {
    if (seconds < 0 || seconds > 1e7) return "?";
    const long s = static_cast<long>(seconds + 0.5);
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

double eta_seconds(double elapsed, std::int64_t start, std::int64_t done, std::int64_t total) {
    if (done <= start) return -1;
    return elapsed * static_cast<double>(total - done) / static_cast<double>(done - start);
}

Progress::Progress(std::string label, std::int64_t total, std::string unit, std::int64_t start)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), start_done_(start),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_), tty_(is_terminal()) {}

void Progress::update(std::int64_t done, std::int64_t items, double loss) {
    const auto now = std::chrono::steady_clock::now();
    const double since_print = std::chrono::duration<double>(now - last_print_).count();
    // a terminal redraws ~5 times a second; a log gets a line every 15 s
    if (since_print < (tty_ ? 0.2 : 15.0) && done < total_) return;
    last_print_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? items / elapsed : 0;
    const double eta = eta_seconds(elapsed, start_done_, done, total_);
    char line[256];
    if (tty_) {
        const int width = 20, filled = total_ > 0 ? static_cast<int>(width * done / total_) : 0;
        std::string bar(filled, '#');
        bar += std::string(width - filled, '.');
        std::snprintf(line, sizeof line, "\r%s [%s] %5lld/%lld  %7.0f %s/s  loss %.4f  ETA %s  ", label_.c_str(),
                      bar.c_str(), static_cast<long long>(done), static_cast<long long>(total_), rate, unit_.c_str(),
                      loss, format_duration(eta).c_str());
    } else {
        std::snprintf(line, sizeof line, "%s %lld/%lld  %.0f %s/s  loss %.4f  ETA %s\n", label_.c_str(),
                      static_cast<long long>(done), static_cast<long long>(total_), rate, unit_.c_str(), loss,
                      format_duration(eta).c_str());
    }
    std::fputs(line, stdout);
    std::fflush(stdout);
}

void Progress::finish(const std::string& summary) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::printf("%s%s %s (%s)\n", tty_ ? "\r\033[K" : "", label_.c_str(), summary.c_str(),
                format_duration(elapsed).c_str());
    std::fflush(stdout);
}

}  // namespace prism::train
