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
    // `unit` names what rate counts ("samples", "tokens"). `start` is the step count the bar starts
    // from: a resumed run begins part-way through, and only the steps run here time the ETA.
    Progress(std::string label, std::int64_t total, std::string unit, std::int64_t start = 0);
    // After `done` of `total` steps, with `items` processed since the bar started (for the rate).
    void update(std::int64_t done, std::int64_t items, double loss);
    void finish(const std::string& summary);  // ends the line / prints a final line

    static bool is_terminal();  // stdout is a terminal

   private:
    std::string label_, unit_;
    std::int64_t total_, start_done_;
    std::chrono::steady_clock::time_point start_, last_print_;
    bool tty_;
};

std::string format_duration(double seconds);  // "1:05", "1:02:03"
// Seconds left when steps (start, done] of `total` took `elapsed` seconds; negative when unknown.
double eta_seconds(double elapsed, std::int64_t start, std::int64_t done, std::int64_t total);

}  // namespace prism::train
