#include "prism/study/cell_claim.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "prism/core/error.hpp"

namespace prism::study {

namespace {

std::string hostname() {
    char h[256] = {0};
    if (gethostname(h, sizeof h - 1) != 0) return "unknown-host";
    return h;
}

// Creates `path` exclusively holding `content`; false when it exists already.
bool create_exclusive(const std::string& path, const std::string& content) {
    const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST) return false;
        throw Error("study", path, ": cannot create the claim: ", std::strerror(errno));
    }
    const ssize_t n = ::write(fd, content.data(), content.size());
    ::close(fd);
    if (n != static_cast<ssize_t>(content.size())) throw Error("study", path, ": cannot write the claim");
    return true;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Seconds since `path` was last modified; < 0 when it does not exist.
double age_seconds(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return -1;
    return std::difftime(std::time(nullptr), st.st_mtime);
}

// A holder "host PID" that is this host and no longer runs, or a claim untouched for too long.
bool is_stale(const std::string& content, double age, double stale_seconds) {
    std::istringstream in(content);
    std::string host;
    long pid = 0;
    if (in >> host >> pid && host == hostname() && pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
        return true;
    return age > stale_seconds;
}

}  // namespace

std::string claim_owner() { return hostname() + " " + std::to_string(::getpid()); }

std::unique_ptr<CellClaim> CellClaim::try_claim(const std::string& lock_path, double stale_seconds, std::string* holder) {
    const double heartbeat = std::max(1.0, std::min(30.0, stale_seconds / 4));
    if (create_exclusive(lock_path, claim_owner() + "\n"))
        return std::unique_ptr<CellClaim>(new CellClaim(lock_path, heartbeat));
    const std::string content = read_all(lock_path);
    const double age = age_seconds(lock_path);
    if (holder) *holder = content.substr(0, content.find('\n'));
    if (age < 0 || !is_stale(content, age, stale_seconds)) return nullptr;  // gone meanwhile: retry next time
    // Stale: only the holder of LOCK.break may replace it, after checking it is still the same claim.
    const std::string brk = lock_path + ".break";
    if (!create_exclusive(brk, claim_owner() + "\n")) {
        if (age_seconds(brk) > 60) ::unlink(brk.c_str());  // a breaker that died mid-way
        return nullptr;
    }
    std::unique_ptr<CellClaim> claim;
    if (read_all(lock_path) == content) {
        ::unlink(lock_path.c_str());
        if (create_exclusive(lock_path, claim_owner() + "\n")) claim.reset(new CellClaim(lock_path, heartbeat));
    }
    ::unlink(brk.c_str());
    return claim;
}

CellClaim::CellClaim(std::string path, double heartbeat_seconds) : path_(std::move(path)) {
    heartbeat_ = std::thread([this, heartbeat_seconds] {
        std::unique_lock<std::mutex> lk(m_);
        while (!cv_.wait_for(lk, std::chrono::duration<double>(heartbeat_seconds), [this] { return stop_; }))
            ::utimensat(AT_FDCWD, path_.c_str(), nullptr, 0);  // now: the claim is alive
    });
}

CellClaim::~CellClaim() {
    {
        std::lock_guard<std::mutex> lk(m_);
        stop_ = true;
    }
    cv_.notify_all();
    heartbeat_.join();
    ::unlink(path_.c_str());
}

}  // namespace prism::study
