// Checkpoint paths that are not regular files (issue #14): a FIFO used to block open() until a
// writer appeared (forever); a directory or a device now fails at once, saying what it is.
#include <filesystem>

#include "../data/no_block.hpp"
#include "../data/tmpdir.hpp"
#include "../helpers.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/io/safetensors.hpp"

using namespace prism;

BOOST_AUTO_TEST_SUITE(io_bad_files)

BOOST_AUTO_TEST_CASE(fifo_checkpoint_fails_without_blocking) {
    test::TmpDir d;
    const auto fifo = test::make_fifo(d / "ck.safetensors");
    for (int which = 0; which < 2; ++which) {
        const std::string msg = test::error_without_blocking(
            [&] { which ? (void)io::load_checkpoint(fifo) : (void)io::load_safetensors(fifo); }, fifo);
        BOOST_CHECK_MESSAGE(msg.find(fifo + ": is not a regular file (FIFO)") != std::string::npos, msg);
    }
}

BOOST_AUTO_TEST_CASE(directory_and_device_checkpoints_say_what_they_are) {
    test::TmpDir d;
    std::filesystem::create_directory(d.path / "ck.safetensors");
    test::check_error([&] { io::load_checkpoint(d / "ck.safetensors"); }, {d / "ck.safetensors", "is a directory"});
    test::check_error([&] { io::load_safetensors("/dev/zero"); }, {"/dev/zero", "is not a regular file (character device)"});
    test::check_error([&] { io::load_checkpoint("/dev/null"); }, {"/dev/null", "is not a regular file (character device)"});
    test::check_error([&] { io::load_checkpoint(d / "missing.safetensors"); },
                      {d / "missing.safetensors", "cannot open", "no such file"});
}

BOOST_AUTO_TEST_SUITE_END()
