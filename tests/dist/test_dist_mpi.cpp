// Data-parallel training under mpirun (issue #18): each test starts its own
// `mpirun -np 2 prism train gpt|vit` on a tiny model and compares with one-process runs.
// Skipped, with a message, when this build has no MPI or mpirun is not installed (./prism
// installs Open MPI, so CI runs them).
#include <cmath>
#include <filesystem>

#include "../helpers.hpp"
#include "../train/checkpoints_identical.hpp"
#include "../train/jsonl_records.hpp"
#include "dist_text.hpp"
#include "prism/dist/communicator.hpp"

using namespace prism;
using namespace prism::test;

namespace {

constexpr int kLimit = 120;  // seconds before a run counts as hung

bool mpi_usable() {
    if (!dist::have_mpi()) {
        BOOST_TEST_MESSAGE("skipped: this prism was built without MPI");
        return false;
    }
    if (find_mpirun().empty()) {
        BOOST_TEST_MESSAGE("skipped: mpirun is not installed (apt-get install openmpi-bin)");
        return false;
    }
    return true;
}

CliResult ok(const CliResult& r) {
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "exit " << r.exit_code << ": " << r.all());
    return r;
}

CliResult mpi2(const std::vector<std::string>& args, std::vector<std::string> extra = {},
               std::vector<std::pair<std::string, std::string>> env = {}) {
    std::vector<std::string> a = args;
    a.insert(a.end(), extra.begin(), extra.end());
    std::vector<std::string> names;
    for (const auto& [k, v] : env) names.push_back(k);
    return run_command(mpirun_args(2, a, names), mpi_env(std::move(env)), kLimit);
}

CliResult one(const std::vector<std::string>& args, std::vector<std::string> extra = {}) {
    std::vector<std::string> a = args;
    a.insert(a.end(), extra.begin(), extra.end());
    return run_cli(a, {}, kLimit);
}

std::vector<double> losses(const std::string& dir) {
    std::vector<double> out;
    for (const auto& r : jsonl_records(dir + "/metrics.jsonl", "step")) out.push_back(r["loss"]);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dist_mpi)

BOOST_AUTO_TEST_CASE(two_ranks_deterministic_reduce_equal_one_process_with_two_micro_batches_bitwise) {
    if (!mpi_usable()) return;
    TmpDir d;
    const auto text = write_dist_text(d);
    // --check-every 1: the ranks' parameters are compared after every step (the run fails otherwise)
    const auto r = ok(mpi2(gpt_args(text, d / "mpi"), {"--deterministic-reduce", "--check-every", "1"}));
    ok(one(gpt_args(text, d / "one"), {"--micro-batches", "2"}));
    BOOST_TEST(losses(d / "mpi") == losses(d / "one"));
    BOOST_TEST(losses(d / "mpi").size() == 10u);
    check_checkpoints_identical(d / "mpi/last.safetensors", d / "one/last.safetensors");
    // rank 0 alone prints: one summary line
    const std::string summary = "10 steps in";
    BOOST_TEST(r.out.find(summary) != std::string::npos, r.out);
    BOOST_TEST(r.out.find(summary) == r.out.rfind(summary), r.out);
}

BOOST_AUTO_TEST_CASE(bucket_size_changes_no_bit) {
    if (!mpi_usable()) return;
    TmpDir d;
    const auto text = write_dist_text(d);
    // one bucket per parameter (started during backward, in a fixed order) against the whole slab in one
    ok(mpi2(gpt_args(text, d / "small"), {"--deterministic-reduce", "--bucket-mb", "0.000001"}));
    ok(mpi2(gpt_args(text, d / "large"), {"--deterministic-reduce", "--bucket-mb", "1000"}));
    ok(mpi2(gpt_args(text, d / "small_ar"), {"--bucket-mb", "0.000001"}));
    ok(one(gpt_args(text, d / "one"), {"--micro-batches", "2"}));
    BOOST_TEST(losses(d / "small") == losses(d / "large"));
    check_checkpoints_identical(d / "small/last.safetensors", d / "large/last.safetensors");
    check_checkpoints_identical(d / "small/last.safetensors", d / "one/last.safetensors");
    check_checkpoints_identical(d / "small/last.safetensors", d / "small_ar/last.safetensors");  // 2 ranks: a + b either way
}

BOOST_AUTO_TEST_CASE(two_ranks_allreduce_follow_the_plain_single_process_loss_curve) {
    if (!mpi_usable()) return;
    TmpDir d;
    const auto text = write_dist_text(d);
    ok(mpi2(gpt_args(text, d / "mpi")));
    ok(one(gpt_args(text, d / "one")));  // no micro-batches: one batch of 8, the plain step
    const auto a = losses(d / "mpi"), b = losses(d / "one");
    BOOST_REQUIRE_EQUAL(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
        BOOST_TEST(std::abs(a[i] - b[i]) <= 1e-4 * std::abs(b[i]), "step " << i + 1 << ": " << a[i] << " vs " << b[i]);
}

BOOST_AUTO_TEST_CASE(two_repeated_two_rank_runs_are_bitwise_identical) {
    if (!mpi_usable()) return;
    TmpDir d;
    const auto text = write_dist_text(d);
    ok(mpi2(gpt_args(text, d / "a")));
    ok(mpi2(gpt_args(text, d / "b")));
    BOOST_TEST(losses(d / "a") == losses(d / "b"));
    check_checkpoints_identical(d / "a/last.safetensors", d / "b/last.safetensors");
}

BOOST_AUTO_TEST_CASE(vit_with_uneven_micro_batches_two_ranks_equal_one_process_bitwise) {
    if (!mpi_usable()) return;
    TmpDir d;
    const auto ds = write_dist_images(d);
    // batches of 7 split 3 + 4 rows (and a last batch of 4 split 2 + 2); per-sample weights keep the mean exact
    const auto r = ok(mpi2(vit_args(ds, d / "mpi"), {"--deterministic-reduce", "--check-every", "1"}));
    ok(one(vit_args(ds, d / "one"), {"--micro-batches", "2"}));
    BOOST_TEST(losses(d / "mpi") == losses(d / "one"));
    BOOST_TEST(!losses(d / "mpi").empty());
    check_checkpoints_identical(d / "mpi/last.safetensors", d / "one/last.safetensors");
    const auto ea = jsonl_records(d / "mpi/metrics.jsonl", "epoch"), eb = jsonl_records(d / "one/metrics.jsonl", "epoch");
    BOOST_REQUIRE_EQUAL(ea.size(), 2u);
    BOOST_REQUIRE_EQUAL(eb.size(), 2u);
    for (std::size_t e = 0; e < 2; ++e) {
        BOOST_TEST(ea[e]["train_accuracy"] == eb[e]["train_accuracy"]);
        BOOST_TEST(ea[e]["val_accuracy"] == eb[e]["val_accuracy"]);
    }
    BOOST_TEST(r.out.find("test accuracy") == r.out.rfind("test accuracy"), r.out);
}

BOOST_AUTO_TEST_CASE(resume_with_a_different_rank_count_continues_exactly) {
    if (!mpi_usable()) return;
    TmpDir d;
    const auto text = write_dist_text(d);
    ok(mpi2(gpt_args(text, d / "whole"), {"--deterministic-reduce"}));
    // 2 ranks for 4 steps, then one process (2 micro-batches) from the checkpoint to the end
    ok(mpi2(gpt_args(text, d / "split"), {"--deterministic-reduce", "--max-steps", "4"}));
    ok(one(gpt_args(text, d / "split"), {"--resume", "--micro-batches", "2"}));
    check_checkpoints_identical(d / "whole/last.safetensors", d / "split/last.safetensors");
    // and back: one process for 4 steps, then 2 ranks
    ok(one(gpt_args(text, d / "back"), {"--micro-batches", "2", "--max-steps", "4"}));
    ok(mpi2(gpt_args(text, d / "back"), {"--deterministic-reduce", "--resume"}));
    check_checkpoints_identical(d / "whole/last.safetensors", d / "back/last.safetensors");
}

BOOST_AUTO_TEST_CASE(diverged_parameters_stop_the_job_naming_the_parameter) {
    if (!mpi_usable()) return;
    TmpDir d;
    const auto text = write_dist_text(d);
    // rank 1 changes one gradient value of its last parameter (transformer.ln_f.bias, the last of the
    // no-decay group) in step 3; without clipping only that parameter's update differs
    const auto r = mpi2(gpt_args(text, d / "run"), {"--check-every", "3", "--grad-clip", "0"},
                        {{"PRISM_DIST_FAULT", "perturb:1:3"}});
    BOOST_TEST(!r.timed_out);
    BOOST_TEST(r.exit_code == 1);
    const std::string line = "prism: error: dist: parameters diverged at step 3: 'transformer.ln_f.bias' differs "
                             "between rank 0 and rank 1 (checksums ";
    BOOST_TEST(r.err.find(line) != std::string::npos, r.err);
    BOOST_TEST(r.err.find(line) == r.err.rfind(line), "reported once, by rank 0: " + r.err);
}

BOOST_AUTO_TEST_CASE(a_killed_rank_ends_the_job_instead_of_hanging) {
    if (!mpi_usable()) return;
    TmpDir d;
    const auto text = write_dist_text(d);
    const auto r = mpi2(gpt_args(text, d / "run"), {"--collective-timeout", "20"}, {{"PRISM_DIST_FAULT", "kill:1:3"}});
    BOOST_TEST(!r.timed_out, r.all());
    BOOST_TEST(r.exit_code != 0);
    // mpirun names the dead rank (its own wording), or rank 0's timeout names the collective
    const bool named = r.all().find("rank 1") != std::string::npos || r.all().find("did not finish") != std::string::npos;
    BOOST_TEST(named, r.all());
    BOOST_TEST(!std::filesystem::exists(d / "run/last.safetensors.tmp"));
}

BOOST_AUTO_TEST_CASE(a_hung_rank_ends_the_job_at_the_collective_timeout) {
    if (!mpi_usable()) return;
    TmpDir d;
    const auto text = write_dist_text(d);
    const auto r = mpi2(gpt_args(text, d / "run"), {"--collective-timeout", "3"}, {{"PRISM_DIST_FAULT", "hang:1:3"}});
    BOOST_TEST(!r.timed_out, r.all());
    BOOST_TEST(r.exit_code == 1, r.all());
    BOOST_TEST(r.err.find("rank 0 of 2: allreduce of gradients at step 3 did not finish within 3 s "
                          "(--collective-timeout): another rank is dead or hung") != std::string::npos,
               r.err);
}

BOOST_AUTO_TEST_CASE(a_two_rank_study_gives_the_one_process_report) {
    if (!mpi_usable()) return;
    TmpDir d;
    const auto ds = write_dist_images(d);
    ok(one(study_args(ds, d / "one")));
    const auto r = ok(run_command(mpirun_args(2, study_args(ds, d / "mpi")), mpi_env(), kLimit));
    BOOST_TEST(study_numbers(d / "one") == study_numbers(d / "mpi"));
    // every cell trained once, by one of the ranks; rank 0 wrote the report
    for (const char* id : {"standard-d1-f1-s0", "standard-d1-f1-s1", "neutreno-d1-f1-s0", "neutreno-d1-f1-s1"}) {
        const std::string start = std::string("] start ") + id;
        BOOST_TEST(r.out.find(start) != std::string::npos, r.out);
        BOOST_TEST(r.out.find(start) == r.out.rfind(start), r.out);
    }
    BOOST_TEST(r.out.find("4 runs trained, 0 skipped") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_SUITE_END()
