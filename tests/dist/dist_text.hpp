// Shared by the dist tests: a tiny text and ViT data set written to a temporary folder, the
// arguments of a seconds-long `prism train gpt|vit` on them, and the mpirun command line.
#pragma once
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../cli/cli_driver.hpp"
#include "../data/tmpdir.hpp"
#include "prism/core/rng.hpp"
#include "prism/data/idx.hpp"

namespace prism::test {

// About 6 kB of text over a small alphabet, the same every time.
inline std::string write_dist_text(const TmpDir& d) {
    const char* words[] = {"the ", "light ", "of ", "day ", "and ", "night ", "shall ", "be ", "one,\n", "two. "};
    Generator g(7);
    std::string s;
    while (s.size() < 6000) s += words[g.randint(10)];
    const std::string path = d / "text.txt";
    std::ofstream(path) << s;
    return path;
}

// 10 steps of a 2-block GPT (dim 32, context 16) on 8 windows per step, a step record each step.
inline std::vector<std::string> gpt_args(const std::string& text, const std::string& out) {
    return {"train", "gpt", "--text", text, "--dim", "32", "--depth", "2", "--heads", "2", "--mlp-dim", "64",
            "--context", "16", "--steps", "10", "--batch-size", "8", "--warmup-steps", "2", "--eval-every", "5",
            "--log-every", "1", "--val-fraction", "0.2", "--threads", "1", "--seed", "3", "--out", out};
}

// An MNIST-like IDX set of 8x8 images, 4 classes: 36 training and 8 test images.
inline std::string write_dist_images(const TmpDir& d) {
    auto write = [&](const std::string& prefix, std::int64_t n, std::uint64_t seed) {
        Generator g(seed);
        data::IdxArray im{{n, 8, 8}, std::vector<std::uint8_t>(n * 64)}, lb{{n}, std::vector<std::uint8_t>(n)};
        for (std::int64_t i = 0; i < n; ++i) {
            lb.data[i] = static_cast<std::uint8_t>(i % 4);
            for (std::int64_t p = 0; p < 64; ++p)
                im.data[i * 64 + p] = static_cast<std::uint8_t>((p / 8 == 2 * (i % 4) ? 160 : 0) + g.randint(90));
        }
        data::write_idx(d / (prefix + "-images-idx3-ubyte"), im, false);
        data::write_idx(d / (prefix + "-labels-idx1-ubyte"), lb, false);
    };
    write("train", 36, 1);
    write("t10k", 8, 2);
    return "mnist:" + d.path.string();
}

// 2 epochs of a 1-block ViT with global batches of 7 (7, 7, 7, 7, 4 rows: uneven micro-batches).
inline std::vector<std::string> vit_args(const std::string& dataset, const std::string& out) {
    return {"train", "vit", "--dataset", dataset, "--patch", "4", "--dim", "16", "--depth", "1", "--heads", "2",
            "--mlp-dim", "32", "--epochs", "2", "--batch-size", "7", "--val-fraction", "0.1", "--log-every", "1",
            "--threads", "1", "--seed", "4", "--out", out};
}

// A 4-cell study (standard and neutreno x 2 seeds, depth 1) on write_dist_images' set: seconds.
inline std::vector<std::string> study_args(const std::string& dataset, const std::string& out) {
    return {"study", "oversmoothing", "--dataset", dataset, "--attention", "standard,neutreno", "--depths", "1",
            "--data-fractions", "1.0", "--seeds", "2", "--epochs", "1", "--dim", "16", "--heads", "2", "--patch", "4",
            "--mlp-dim", "32", "--batch-size", "8", "--corruptions", "none", "--diag-samples", "4", "--no-plots",
            "--threads", "1", "--out", out};
}

// OUT/results.json without what differs between equal studies: wall times and the command line.
inline nlohmann::json study_numbers(const std::string& out) {
    std::ifstream in(out + "/results.json");
    nlohmann::json j = nlohmann::json::parse(in);
    std::function<void(nlohmann::json&)> strip = [&](nlohmann::json& v) {
        if (v.is_object()) {
            for (auto it = v.begin(); it != v.end();) {
                const std::string k = it.key();
                if (k == "command" || k == "invocation" || k.find("seconds") != std::string::npos) it = v.erase(it);
                else strip(*it++);
            }
        } else if (v.is_array()) {
            for (auto& e : v) strip(e);
        }
    };
    strip(j);
    return j;
}

// mpirun's path, or "" when it is not installed.
inline std::string find_mpirun() {
    for (const char* p : {"/usr/bin/mpirun", "/usr/local/bin/mpirun"})
        if (std::ifstream(p).good()) return p;
    return "";
}

// `mpirun -np N prism args...`: as root on a 2-core machine (--allow-run-as-root --oversubscribe),
// shared memory between the local ranks; `exported` variables passed to every rank (-x NAME).
inline std::vector<std::string> mpirun_args(int np, const std::vector<std::string>& args,
                                            const std::vector<std::string>& exported = {}) {
    std::vector<std::string> a{find_mpirun(), "--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
                               "--mca", "btl", "self,vader", "-np", std::to_string(np)};
    for (const auto& name : exported) a.insert(a.end(), {"-x", name});
    a.push_back(cli_path());
    a.insert(a.end(), args.begin(), args.end());
    return a;
}

// Containers often forbid the cross-memory attach vader uses for large messages.
// Under `./prism test --sanitize` (ASAN_OPTIONS set) the ranks run without LeakSanitizer: its
// stop-the-world tracer crashes (signal 11) among Open MPI's threads and aborts a rank that
// finished cleanly. ASan and UBSan stay on; leaks are checked in every run without mpirun.
inline std::vector<std::pair<std::string, std::string>> mpi_env(
    std::vector<std::pair<std::string, std::string>> extra = {}) {
    extra.emplace_back("OMPI_MCA_btl_vader_single_copy_mechanism", "none");
    if (const char* asan = std::getenv("ASAN_OPTIONS")) extra.emplace_back("ASAN_OPTIONS", std::string(asan) + ":detect_leaks=0");
    return extra;
}

}  // namespace prism::test
