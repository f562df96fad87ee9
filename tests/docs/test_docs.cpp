// Docs a learner can trust: every tour program runs and ends in "ok"; every file and
// function the README and the tour name exists; every code snippet the docs quote from a
// file is really in that file, line for line and in order; every local link resolves.
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = PRISM_SOURCE_DIR;

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string l; std::getline(ss, l);) out.push_back(l);
    return out;
}

std::vector<fs::path> doc_files() {
    std::vector<fs::path> files = {kRoot / "README.md"};
    for (const auto& e : fs::directory_iterator(kRoot / "docs" / "tour"))
        if (e.path().extension() == ".md") files.push_back(e.path());
    return files;
}

bool has_word(const std::string& text, const std::string& word) {
    for (std::size_t pos = text.find(word); pos != std::string::npos; pos = text.find(word, pos + 1)) {
        const bool left = pos == 0 || !(std::isalnum(static_cast<unsigned char>(text[pos - 1])) || text[pos - 1] == '_');
        const std::size_t end = pos + word.size();
        const bool right =
            end >= text.size() || !(std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_');
        if (left && right) return true;
    }
    return false;
}

// The indented code block starting at or after line `from` (blank lines before it skipped),
// each line without its 4-space indent ("" for blank lines inside it).
std::vector<std::string> indented_block(const std::vector<std::string>& ls, std::size_t from) {
    std::size_t j = from;
    while (j < ls.size() && trim(ls[j]).empty()) ++j;
    std::vector<std::string> out;
    for (; j < ls.size() && (ls[j].rfind("    ", 0) == 0 || trim(ls[j]).empty()); ++j)
        out.push_back(ls[j].size() >= 4 ? ls[j].substr(4) : "");
    return out;
}

// Every line of `lines` (compared trimmed) appears in the file `path` in the same order; a
// missing line fails as "<what> (in order): <line>".
void check_lines_in_order(const std::vector<std::string>& lines, const fs::path& path, const std::string& what) {
    std::vector<std::string> have;
    for (const auto& l : lines_of(slurp(path))) have.push_back(trim(l));
    std::size_t at = 0;
    for (const auto& line : lines) {
        const std::string want = trim(line);
        while (at < have.size() && have[at] != want) ++at;
        BOOST_CHECK_MESSAGE(at < have.size(), what + " (in order): " + want);
        if (at == have.size()) break;
        ++at;
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(docs)

BOOST_AUTO_TEST_CASE(tour_programs_run_and_say_ok) {
    for (const std::string name : {"tensor_views", "kernel", "autograd", "block", "train_tiny_vit", "smoothing", "new_kind"}) {
        const std::string exe = std::string(PRISM_EXAMPLES_DIR) + "/tour_" + name;
        FILE* p = popen((exe + " 2>&1").c_str(), "r");
        BOOST_REQUIRE_MESSAGE(p, "cannot run " + exe);
        std::string out;
        char buf[4096];
        while (std::fgets(buf, sizeof buf, p)) out += buf;
        const int status = pclose(p);
        const auto ls = lines_of(out);
        BOOST_CHECK_MESSAGE(status == 0, exe + " exited with status " + std::to_string(status) + ":\n" + out);
        BOOST_CHECK_MESSAGE(!ls.empty() && ls.back().size() >= 4 && ls.back().substr(ls.back().size() - 4) == ": ok",
                            exe + " did not end with ': ok':\n" + out);
    }
}

// `folder/file.ext` and `folder/file.ext:symbol` in backticks: the file exists, and the
// symbol's last component (after ::) appears in it as a whole word.
BOOST_AUTO_TEST_CASE(named_files_and_functions_exist) {
    const std::regex ref(R"(`((?:core|ops|autograd|nn|models|optim|io|data|dist|train|diag|study|cli|bench|tests|examples|docs|include)/[A-Za-z0-9_./-]+\.(?:cpp|hpp|md|py|sh|build))(?::([A-Za-z_][A-Za-z0-9_:~]*))?`)");
    int checked = 0;
    for (const auto& doc : doc_files()) {
        const std::string text = slurp(doc);
        for (std::sregex_iterator it(text.begin(), text.end(), ref), end; it != end; ++it) {
            const fs::path file = kRoot / (*it)[1].str();
            ++checked;
            if (!fs::exists(file)) {
                BOOST_ERROR(doc.filename().string() + " names " + (*it)[1].str() + ", which does not exist");
                continue;
            }
            if ((*it)[2].matched) {
                std::string sym = (*it)[2].str();
                if (const auto c = sym.rfind("::"); c != std::string::npos) sym = sym.substr(c + 2);
                BOOST_CHECK_MESSAGE(has_word(slurp(file), sym),
                                    doc.filename().string() + " names " + (*it)[0].str() + ": '" + sym +
                                        "' is not in " + (*it)[1].str());
            }
        }
    }
    BOOST_CHECK_GT(checked, 40);  // the tour names many; a broken regex would check none
}

// Relative markdown links [text](path) point at files that exist.
BOOST_AUTO_TEST_CASE(local_links_resolve) {
    const std::regex link(R"(\]\(([^)#\s]+)(#[^)]*)?\))");
    for (const auto& doc : doc_files()) {
        const std::string text = slurp(doc);
        for (std::sregex_iterator it(text.begin(), text.end(), link), end; it != end; ++it) {
            const std::string target = (*it)[1].str();
            if (target.rfind("http", 0) == 0) continue;
            BOOST_CHECK_MESSAGE(fs::exists(doc.parent_path() / target),
                                doc.filename().string() + " links to " + target + ", which does not exist");
        }
    }
}

// After "<!-- snippet: PATH ... -->", the indented code block's lines appear in PATH in order.
BOOST_AUTO_TEST_CASE(quoted_snippets_are_in_their_files) {
    const std::regex marker(R"(<!-- snippet: (\S+))");
    int snippets = 0;
    for (const auto& doc : doc_files()) {
        const auto ls = lines_of(slurp(doc));
        for (std::size_t i = 0; i < ls.size(); ++i) {
            std::smatch m;
            if (!std::regex_search(ls[i], m, marker)) continue;
            ++snippets;
            const fs::path src = kRoot / m[1].str();
            BOOST_REQUIRE_MESSAGE(fs::exists(src), doc.filename().string() + ": snippet source " + m[1].str() + " missing");
            std::vector<std::string> code;
            for (const auto& l : indented_block(ls, i + 1))
                if (!trim(l).empty()) code.push_back(trim(l));
            BOOST_CHECK_MESSAGE(!code.empty(), doc.filename().string() + ": empty snippet after line " + std::to_string(i + 1));
            check_lines_in_order(code, src, doc.filename().string() + ": snippet line not found in " + m[1].str());
        }
    }
    BOOST_CHECK_GE(snippets, 1);
}

// After "<!-- diff: nn/FILE is examples/PATH -->", the indented diff adds nn/FILE with exactly
// the lines of examples/PATH (a file the suite compiles), touches only files under nn/, and its
// context and removed lines are in the files it names, in order: applying it still works.
BOOST_AUTO_TEST_CASE(quoted_diffs_touch_only_nn_and_match_the_example) {
    const std::regex marker(R"(<!-- diff: (\S+) is (\S+) -->)");
    int diffs = 0;
    for (const auto& doc : doc_files()) {
        const auto ls = lines_of(slurp(doc));
        for (std::size_t i = 0; i < ls.size(); ++i) {
            std::smatch m;
            if (!std::regex_search(ls[i], m, marker)) continue;
            ++diffs;
            const std::string added_path = m[1].str(), example = m[2].str();
            const auto diff = indented_block(ls, i + 1);
            std::string file;                        // the file of the current section
            std::vector<std::string> added, context;  // of the current section
            auto finish = [&] {
                if (file.empty()) return;
                BOOST_CHECK_MESSAGE(file.rfind("nn/", 0) == 0, doc.filename().string() + ": the diff touches " + file);
                if (file == added_path) {
                    const auto want = lines_of(slurp(kRoot / example));
                    BOOST_CHECK_MESSAGE(added == want, doc.filename().string() + ": the diff's " + file +
                                                           " is not line for line " + example);
                } else {
                    check_lines_in_order(context, kRoot / file, doc.filename().string() + ": diff line not in " + file);
                }
                added.clear();
                context.clear();
            };
            for (const auto& d : diff) {
                if (d.rfind("+++ b/", 0) == 0) {
                    finish();
                    file = d.substr(6);
                } else if (d.rfind("--- ", 0) == 0 || d.rfind("@@", 0) == 0 || d.rfind("diff ", 0) == 0 ||
                           d.rfind("new file", 0) == 0 || d.rfind("index ", 0) == 0) {
                    continue;
                } else if (!d.empty() && d[0] == '+') {
                    added.push_back(d.substr(1));
                } else if (!d.empty() && (d[0] == ' ' || d[0] == '-')) {
                    if (!trim(d.substr(1)).empty()) context.push_back(d.substr(1));
                }
            }
            finish();
        }
    }
    BOOST_CHECK_GE(diffs, 1);
}

BOOST_AUTO_TEST_SUITE_END()
