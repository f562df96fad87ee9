#include "prism/core/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "prism/core/error.hpp"

namespace prism {

const char* file_type_name(unsigned mode) {
    switch (mode & S_IFMT) {
        case S_IFREG: return "regular file";
        case S_IFDIR: return "directory";
        case S_IFIFO: return "FIFO";
        case S_IFCHR: return "character device";
        case S_IFBLK: return "block device";
        case S_IFSOCK: return "socket";
        case S_IFLNK: return "symbolic link";
        default: return "unknown file type";
    }
}

std::string size_cap_str(std::uint64_t bytes) {
    if (bytes >= kGiB && bytes % kGiB == 0) return std::to_string(bytes / kGiB) + " GiB";
    return std::to_string(bytes) + " bytes";
}

namespace {

// The checks shared by stat() and fstat().
std::uint64_t check_stat(const struct stat& st, const std::string& path, const char* op, std::uint64_t cap) {
    if (S_ISDIR(st.st_mode)) throw Error(op, path, ": is a directory");
    if (!S_ISREG(st.st_mode))
        throw Error(op, path, ": is not a regular file (", file_type_name(static_cast<unsigned>(st.st_mode)), ")");
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > cap) throw Error(op, path, ": is ", size, " bytes, larger than the ", size_cap_str(cap), " cap");
    return size;
}

}  // namespace

std::uint64_t check_regular_file(const std::string& path, const char* op, std::uint64_t cap) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        const int e = errno;
        throw Error(op, path, ": cannot open: ", e == ENOENT ? "no such file or directory" : std::strerror(e));
    }
    return check_stat(st, path, op, cap);
}

int open_regular_file(const std::string& path, const char* op, std::uint64_t cap, std::uint64_t* size) {
    check_regular_file(path, op, cap);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        const int e = errno;
        throw Error(op, path, ": cannot open: ", std::strerror(e));
    }
    struct stat st {};
    try {
        if (::fstat(fd, &st) != 0) throw Error(op, path, ": cannot stat: ", std::strerror(errno));
        const std::uint64_t n = check_stat(st, path, op, cap);
        // Regular files never block; clear O_NONBLOCK anyway so reads behave as usual.
        const int fl = ::fcntl(fd, F_GETFL);
        if (fl >= 0) ::fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        if (size) *size = n;
    } catch (...) {
        ::close(fd);
        throw;
    }
    return fd;
}

std::vector<std::uint8_t> read_regular_file(const std::string& path, const char* op, std::uint64_t cap) {
    std::uint64_t size = 0;
    const int fd = open_regular_file(path, op, cap, &size);
    std::vector<std::uint8_t> bytes;
    try {
        bytes.resize(static_cast<std::size_t>(size));
        std::size_t got = 0;
        while (got < bytes.size()) {
            const ssize_t r = ::read(fd, bytes.data() + got, bytes.size() - got);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) throw Error(op, path, ": read error: ", std::strerror(errno));
            if (r == 0) break;  // shrank while reading
            got += static_cast<std::size_t>(r);
        }
        bytes.resize(got);
    } catch (...) {
        ::close(fd);
        throw;
    }
    ::close(fd);
    return bytes;
}

}  // namespace prism
