// The out dir of a training run (last.safetensors, best.safetensors, metrics.jsonl): a new run
// never silently replaces a previous one, and a save killed half-way leaves nothing behind
// for long.
#pragma once
#include <string>
#include <vector>

#include "prism/core/error.hpp"

namespace prism::train {

// The command line conflicts with what the out dir holds: a previous run but neither --resume
// nor --overwrite, or --resume with other settings than the stored ones. A usage error: the
// CLI exits 2 (other training errors exit 1).
class RunConflict : public Error {
   public:
    using Error::Error;
};

// Whether `dir` holds a previous run: last.safetensors, best.safetensors or metrics.jsonl.
bool holds_previous_run(const std::string& dir);

// Called before a run writes to `dir` (created when missing):
//  - a previous run there and neither `resume` nor `overwrite`: throws RunConflict naming
//    --resume and --overwrite (nothing in dir is touched); both set: RunConflict too;
//  - `overwrite` (and no `resume`): removes last.safetensors and best.safetensors and empties
//    metrics.jsonl, so the new run starts afresh;
//  - removes stale temporaries of an interrupted save of this run's own files:
//    `last.safetensors.tmp-XXXXXX` and `best.safetensors.tmp-XXXXXX` (exactly the names
//    io::save_safetensors writes beside its target: six characters from mkstemp), nothing
//    else. Returns the removed names (and prints them when `verbose`).
// An empty dir ("": keep nothing on disk) does nothing.
std::vector<std::string> prepare_out_dir(const std::string& dir, bool resume, bool overwrite, bool verbose = false);

}  // namespace prism::train
