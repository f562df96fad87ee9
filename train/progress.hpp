// Progress: a one-line progress bar on a terminal, plain periodic lines otherwise (logs, CI).
//
//     epoch 3/10 [##########..........]  210/469  1830 samples/s  loss 0.4123  ETA 0:42
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace prism::train {

class Progress {
   public:
    // `unit` names what rate counts ("samples", "tokens").
    Progress(std::string label, std::int64_t total, std::string unit);
    // After `done` of `total` steps with `items` processed in all (for the rate).
    void update(std::int64_t done, std::int64_t items, double loss);
    void finish(const std::string& summary);  // ends the line / prints a final line

    static bool is_terminal();  // stdout is a terminal

   private:
    std::string label_, unit_;
    std::int64_t total_;
    std::chrono::steady_clock::time_point start_, last_print_;
    bool tty_;
};

std::string format_duration(double seconds);  // "1:05", "1:02:03"

}  // namespace prism::train
