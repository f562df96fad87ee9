// Text data for language models: tokenizers (UTF-8 round trips, errors), the train/val split,
// seeded windows, whole-split evaluation windows, and bad-data errors naming the file.
#include <fstream>

#include "../helpers.hpp"
#include "prism/data/text.hpp"
#include "prism/data/tokenizer.hpp"
#include "tmpdir.hpp"

using namespace prism;

BOOST_AUTO_TEST_SUITE(text_data)

BOOST_AUTO_TEST_CASE(char_tokenizer_round_trips_multibyte) {
    const std::string text = "Héllo, wörld — ∑ 𝄞 and Ω!\nnew line";
    auto tok = data::Tokenizer::build_char(text, "mem");
    const auto ids = tok.encode(text);
    BOOST_TEST(tok.decode(ids) == text);
    BOOST_TEST(ids.size() == data::decode_utf8(text, "mem").size());  // one id per code point
    // vocab sorted by code point, distinct
    for (std::size_t i = 1; i < tok.vocab().size(); ++i) BOOST_TEST((tok.vocab()[i - 1] < tok.vocab()[i]));
    // JSON round trip keeps ids
    auto tok2 = data::Tokenizer::from_json(tok.to_json());
    BOOST_TEST(tok2.vocab_size() == tok.vocab_size());
    BOOST_TEST((tok2.encode(text) == ids));
    BOOST_TEST(tok.to_json()["kind"] == "char");
}

BOOST_AUTO_TEST_CASE(byte_tokenizer_round_trips) {
    const std::string text = "Ünïcødé 𝄞 bytes";
    auto tok = data::Tokenizer::byte_level();
    const auto ids = tok.encode(text);
    BOOST_TEST(ids.size() == text.size());
    BOOST_TEST(tok.decode(ids) == text);
    BOOST_TEST(tok.vocab_size() == 256);
    std::int64_t chars = 0;
    for (auto id : ids) chars += tok.starts_char(id);
    BOOST_TEST(chars == static_cast<std::int64_t>(data::decode_utf8(text, "mem").size()));
    BOOST_TEST((data::Tokenizer::from_json(tok.to_json()).kind() == data::Tokenizer::Kind::Byte));
}

BOOST_AUTO_TEST_CASE(tokenizer_errors) {
    auto tok = data::Tokenizer::build_char("abc", "mem");
    test::check_error([&] { tok.encode("abz", "--prompt"); }, {"--prompt", "'z'", "U+007A", "vocabulary"});
    test::check_error([&] { data::Tokenizer::build_char(std::string("ok\xff", 3), "bad.txt"); }, {"bad.txt", "UTF-8"});
    test::check_error([&] { data::Tokenizer::build_char(std::string("a\xc3", 2), "trunc.txt"); },
                      {"trunc.txt", "truncated"});
    test::check_error([&] { data::Tokenizer::build_char(std::string("\xc0\xaf", 2), "overlong.txt"); },
                      {"overlong.txt", "overlong"});
    test::check_error([&] { data::Tokenizer::make("bpe", "x", "f"); }, {"bpe", "char or byte"});
}

BOOST_AUTO_TEST_CASE(file_errors_name_the_file) {
    test::TmpDir dir;
    test::check_error([&] { data::load_corpus(dir / "missing.txt"); }, {"missing.txt", "no such file"});
    { std::ofstream(dir / "empty.txt"); }
    test::check_error([&] { data::load_corpus(dir / "empty.txt"); }, {"empty.txt", "empty"});
    { std::ofstream(dir / "short.txt") << "tiny"; }
    const auto c = data::load_corpus(dir / "short.txt");
    auto tok = data::Tokenizer::build_char(c.text, c.name);
    const auto ids = tok.encode(c.text, c.name);
    test::check_error([&] { data::WindowSampler s(ids, 8, 0, c.name); }, {"short.txt", "shorter than one context"});
}

BOOST_AUTO_TEST_CASE(split_is_contiguous) {
    std::vector<std::int32_t> t(100);
    for (int i = 0; i < 100; ++i) t[i] = i;
    auto s = data::split_tokens(t, 0.1);
    BOOST_TEST(s.train.size() == 90u);
    BOOST_TEST(s.val.size() == 10u);
    BOOST_TEST(s.val.front() == 90);
}

BOOST_AUTO_TEST_CASE(windows_are_deterministic) {
    std::vector<std::int32_t> t(1000);
    for (int i = 0; i < 1000; ++i) t[i] = i % 97;
    data::WindowSampler a(t, 16, 7), b(t, 16, 7), c(t, 16, 8);
    auto [x1, y1] = a.batch(5, 4);
    auto [x2, y2] = b.batch(5, 4);
    BOOST_TEST((x1.to_vector<std::int64_t>() == x2.to_vector<std::int64_t>()));
    BOOST_TEST((x1.shape() == Shape{4, 16}));
    // a window's start depends on (seed, step, i) only, not on the batch size
    auto [x3, y3] = a.batch(5, 2);
    BOOST_TEST(x3.select(0, 1).to_vector<std::int64_t>() == x1.select(0, 1).to_vector<std::int64_t>());
    // y is x shifted by one
    const auto xv = x1.to_vector<std::int64_t>(), yv = y1.to_vector<std::int64_t>();
    for (std::size_t i = 0; i + 1 < xv.size(); ++i)
        if ((i + 1) % 16) BOOST_TEST(yv[i] == xv[i + 1]);
    BOOST_TEST(a.window_start(5, 0) != c.window_start(5, 0));
    bool differs = false;
    for (int s = 0; s < 10; ++s) differs |= a.window_start(s, 0) != a.window_start(s + 1, 0);
    BOOST_TEST(differs);
    for (int s = 0; s < 200; ++s) BOOST_TEST((a.window_start(s, 3) >= 0 && a.window_start(s, 3) <= 1000 - 17));
}

BOOST_AUTO_TEST_CASE(eval_windows_cover_every_target_once) {
    for (std::int64_t n : {2, 9, 10, 11, 100}) {
        const auto w = data::eval_windows(n, 3);
        std::int64_t covered = 0, next = 0;
        for (auto [s, len] : w) {
            BOOST_TEST(s == next);
            BOOST_TEST((len >= 1 && len <= 3));
            covered += len;
            next = s + len;
        }
        BOOST_TEST(covered == n - 1);
    }
}

BOOST_AUTO_TEST_SUITE_END()
