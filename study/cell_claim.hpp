// CellClaim: one process's exclusive claim on one study cell (or on writing the report), so
// several processes sharing an output folder split a study between them without a coordinator:
// `prism study oversmoothing --worker` started N times (a batch-scheduler job array), or under
// mpirun, each rank taking the next unclaimed cell.
//
// A claim is a lock file created with O_CREAT | O_EXCL (atomic, also over NFS v3+), holding
// "host PID". While held, a thread touches its modification time every heartbeat. A claim is
// stale, and may be broken by another process, when its holder is on this host and its PID no
// longer runs, or when it has not been touched for `stale_seconds` (a holder on another host
// that died). Breaking is serialised by a second lock file (LOCK.break, itself broken after 60 s)
// so two processes never both replace the same stale claim. The released claim is removed.
#pragma once
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace prism::study {

class CellClaim {
   public:
    // The claim on `lock_path`, or nullptr when another live process holds it (then *holder,
    // when given, says who: "host 1234").
    static std::unique_ptr<CellClaim> try_claim(const std::string& lock_path, double stale_seconds,
                                                std::string* holder = nullptr);
    ~CellClaim();  // stops the heartbeat and removes the lock file
    CellClaim(const CellClaim&) = delete;
    CellClaim& operator=(const CellClaim&) = delete;

    const std::string& path() const { return path_; }

   private:
    CellClaim(std::string path, double heartbeat_seconds);
    std::string path_;
    std::mutex m_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::thread heartbeat_;
};

// "host PID" of this process, as written into a claim.
std::string claim_owner();

}  // namespace prism::study
