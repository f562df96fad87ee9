// dist/ without MPI: the row partition of a global batch, loader parts, checksums, the serial
// communicator, and --micro-batches in one process (the path every MPI rank takes).
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <cstring>
#include <numeric>

#include "../cli/cli_driver.hpp"
#include "../data/tmpdir.hpp"
#include "../helpers.hpp"
#include "../train/checkpoints_identical.hpp"
#include "../train/jsonl_records.hpp"
#include "../train/synthetic_images.hpp"
#include "dist_text.hpp"
#include "prism/autograd/backward_hooks.hpp"
#include "prism/autograd/functions.hpp"
#include "prism/data/loader.hpp"
#include "prism/dist/checksum.hpp"
#include "prism/dist/communicator.hpp"
#include "prism/dist/data_parallel.hpp"
#include "prism/study/cell_claim.hpp"

namespace {
prism::test::CliResult ok_run(const prism::test::CliResult& r) {
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "exit " << r.exit_code << ": " << r.all());
    return r;
}
}  // namespace

using namespace prism;
using namespace prism::test;

BOOST_AUTO_TEST_SUITE(dist_serial)

BOOST_AUTO_TEST_CASE(rows_split_a_batch_into_contiguous_near_equal_parts) {
    for (std::int64_t n : {1, 5, 7, 32, 128})
        for (std::int64_t parts : {1, 2, 3, 4, 8}) {
            std::int64_t next = 0;
            for (std::int64_t k = 0; k < parts; ++k) {
                const auto [lo, hi] = dist::DataParallel::rows(n, parts, k);
                BOOST_TEST(lo == next);
                BOOST_TEST(hi - lo >= n / parts);
                BOOST_TEST(hi - lo <= n / parts + 1);
                next = hi;
            }
            BOOST_TEST(next == n);
            // rank r of N ranks with M micro-batches each holds exactly micro-batches [rM, (r+1)M) of N*M
            for (std::int64_t N : {1, 2, 4})
                for (std::int64_t r = 0; r < N; ++r) {
                    const std::int64_t M = 2;
                    BOOST_TEST(dist::DataParallel::rows(n, N, r).first == dist::DataParallel::rows(n, N * M, r * M).first);
                    BOOST_TEST(dist::DataParallel::rows(n, N, r).second ==
                               dist::DataParallel::rows(n, N * M, r * M + M - 1).second);
                }
        }
}

BOOST_AUTO_TEST_CASE(loader_parts_put_together_are_the_whole_batch) {
    auto ds = synthetic_images(23);
    data::LoaderOptions o;
    o.batch_size = 10;  // 10, 10, 3: the last batch is smaller than the number of parts
    o.seed = 5;
    o.augment = {1, true};
    data::DataLoader whole(ds, {}, o);
    std::vector<std::unique_ptr<data::DataLoader>> parts;
    for (int p = 0; p < 4; ++p) {
        data::LoaderOptions po = o;
        po.part = p, po.parts = 4;
        parts.push_back(std::make_unique<data::DataLoader>(ds, std::nullopt, po));
    }
    for (std::int64_t b = 0; b < whole.batches_per_epoch(); ++b) {
        const data::Batch w = whole.make_batch(1, b);
        std::vector<float> joined;
        std::vector<std::int64_t> idx;
        std::int64_t row = 0;
        for (auto& l : parts) {
            const data::Batch pb = l->make_batch(1, b);
            BOOST_TEST(pb.global_size == w.labels.numel());
            BOOST_TEST(pb.first_row == row);
            row += pb.labels.numel();
            const auto v = pb.images.to_vector<float>();
            joined.insert(joined.end(), v.begin(), v.end());
            idx.insert(idx.end(), pb.indices.begin(), pb.indices.end());
        }
        BOOST_TEST(row == w.labels.numel());
        BOOST_TEST(idx == w.indices);
        BOOST_TEST(joined == w.images.to_vector<float>());
    }
    data::LoaderOptions bad = o;
    bad.part = 4, bad.parts = 4;
    BOOST_CHECK_THROW(data::DataLoader(ds, std::nullopt, bad), Error);
}

BOOST_AUTO_TEST_CASE(checksums_tell_bit_patterns_apart_and_serial_check_passes) {
    const float a[3] = {1.0f, 0.0f, 2.0f}, b[3] = {1.0f, -0.0f, 2.0f};
    BOOST_TEST(dist::checksum(a, 3) == dist::checksum(a, 3));
    BOOST_TEST(dist::checksum(a, 3) != dist::checksum(b, 3));
    dist::SerialCommunicator one;
    BOOST_TEST(one.size() == 1);
    BOOST_TEST(one.is_main());
    dist::check_same(one, {"w", "b"}, {1, 2}, "test");  // one rank agrees with itself
    float src[2] = {3, 4}, dst[2] = {0, 0};
    one.allgather(src, dst, 2, "test");
    BOOST_TEST(dst[0] == 3.0f);
    BOOST_TEST(dst[1] == 4.0f);
    BOOST_CHECK_THROW(dist::check_same(one, {"w"}, {1, 2}, "test"), Error);
}

BOOST_AUTO_TEST_CASE(backward_hooks_report_each_parameter_once_when_its_gradient_is_final) {
    // y = sum(w * x + w * w + b): w feeds two nodes, b one; x is not a leaf that needs a gradient
    Tensor w = Tensor::from_vector<float>({1, 2, 3}, {3}).requires_grad_(true);
    Tensor b = Tensor::from_vector<float>({0.5f, 0.5f, 0.5f}, {3}).requires_grad_(true);
    Tensor x = Tensor::from_vector<float>({4, 5, 6}, {3});
    std::vector<std::pair<TensorImpl*, std::vector<float>>> ready;
    int nodes = 0;
    {
        BackwardHooksScope scope(BackwardHooks{
            [&](TensorImpl* leaf) { ready.emplace_back(leaf, Tensor(leaf->grad).to_vector<float>()); },
            [&] { ++nodes; }});
        sum(w * x + w * w + b).backward();
    }
    BOOST_REQUIRE_EQUAL(ready.size(), 2u);
    for (const auto& [leaf, g] : ready) {
        BOOST_TEST((leaf == w.get() || leaf == b.get()));
        // the gradient it saw is the final one
        BOOST_TEST(g == (leaf == w.get() ? w.grad() : b.grad()).to_vector<float>());
    }
    BOOST_TEST(ready[0].first != ready[1].first);
    BOOST_TEST(nodes >= 4);
    BOOST_TEST(BackwardHooksScope::current() == nullptr);
}

BOOST_AUTO_TEST_CASE(micro_batches_in_one_process_train_like_one_batch) {
    // The gradient of the mean over 8 windows, as 2 micro-batches of 4 summed: the same up to
    // rounding, so the loss curve stays within a tight tolerance of the plain step's.
    TmpDir d;
    const std::string text = write_dist_text(d);
    const auto plain = run_cli(gpt_args(text, d / "plain"), {}, 120);
    BOOST_REQUIRE_MESSAGE(plain.exit_code == 0, plain.all());
    auto args = gpt_args(text, d / "micro");
    args.insert(args.end(), {"--micro-batches", "2"});
    const auto micro = run_cli(args, {}, 120);
    BOOST_REQUIRE_MESSAGE(micro.exit_code == 0, micro.all());
    const auto a = jsonl_records(d / "plain/metrics.jsonl", "step"), b = jsonl_records(d / "micro/metrics.jsonl", "step");
    BOOST_REQUIRE_EQUAL(a.size(), b.size());
    BOOST_REQUIRE_GE(a.size(), 8u);
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double la = a[i]["loss"], lb = b[i]["loss"];
        BOOST_TEST(std::abs(la - lb) <= 1e-4 * std::abs(la), "step " << i + 1 << ": " << la << " vs " << lb);
    }
}

BOOST_AUTO_TEST_CASE(micro_batches_must_divide_among_ranks_and_are_range_checked) {
    TmpDir d;
    const std::string text = write_dist_text(d);
    auto args = gpt_args(text, d / "run");
    args.insert(args.end(), {"--micro-batches", "0"});
    const auto r = run_cli(args, {}, 60);
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.err.find("--micro-batches") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(two_worker_processes_share_a_study_and_give_the_one_process_report) {
    TmpDir d;
    const auto ds = write_dist_images(d);
    ok_run(run_cli(study_args(ds, d / "one"), {}, 120));
    // two --worker processes started together on one --out
    std::string cmd;
    for (int w = 0; w < 2; ++w) {
        cmd += sh_quote(cli_path());
        for (const auto& a : study_args(ds, d / "shared")) cmd += " " + sh_quote(a);
        cmd += " --worker > " + sh_quote(d / ("w" + std::to_string(w) + ".log")) + " 2>&1 & ";
    }
    const auto r = run_command({"sh", "-c", cmd + "wait"}, {}, 240);
    BOOST_REQUIRE(!r.timed_out);
    BOOST_TEST(study_numbers(d / "one") == study_numbers(d / "shared"));
    BOOST_TEST(std::filesystem::exists(d / "shared/report.md"));
    for (const auto& e : std::filesystem::recursive_directory_iterator(d.path / "shared"))
        BOOST_TEST(e.path().filename() != "claim.lock", "left behind: " << e.path());
}

BOOST_AUTO_TEST_CASE(a_worker_takes_over_a_dead_claim_and_leaves_a_live_one) {
    TmpDir d;
    const auto ds = write_dist_images(d);
    const std::string host = study::claim_owner().substr(0, study::claim_owner().find(' '));
    std::filesystem::create_directories(d.path / "out/runs/standard-d1-f1-s0");
    std::filesystem::create_directories(d.path / "out/runs/neutreno-d1-f1-s1");
    // a process on this host that no longer runs (no PID is that large), and this test process (alive)
    std::ofstream(d / "out/runs/standard-d1-f1-s0/claim.lock") << host << " 999999999\n";
    std::ofstream(d / "out/runs/neutreno-d1-f1-s1/claim.lock") << host << " " << ::getpid() << "\n";
    auto args = study_args(ds, d / "out");
    args.push_back("--worker");
    const auto first = ok_run(run_cli(args, {}, 120));
    BOOST_TEST(first.out.find("start standard-d1-f1-s0") != std::string::npos, first.out);
    BOOST_TEST(first.out.find("leave neutreno-d1-f1-s1: claimed by " + host + " " + std::to_string(::getpid())) !=
                   std::string::npos,
               first.out);
    BOOST_TEST(first.out.find("1 cells are still running in other workers") != std::string::npos, first.out);
    BOOST_TEST(!std::filesystem::exists(d / "out/report.md"));
    std::filesystem::remove(d / "out/runs/neutreno-d1-f1-s1/claim.lock");  // that holder is done (without a result)
    const auto second = ok_run(run_cli(args, {}, 120));
    BOOST_TEST(second.out.find("start neutreno-d1-f1-s1") != std::string::npos, second.out);
    BOOST_TEST(std::filesystem::exists(d / "out/report.md"));
    ok_run(run_cli(study_args(ds, d / "one"), {}, 120));
    BOOST_TEST(study_numbers(d / "one") == study_numbers(d / "out"));
}

BOOST_AUTO_TEST_CASE(worker_mode_refuses_the_language_study) {
    auto r = run_cli({"study", "oversmoothing", "--task", "lm", "--worker", "--out", "/nonexistent/x"}, {}, 60);
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.err.find("--worker shares the cells of the image study") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_SUITE_END()
