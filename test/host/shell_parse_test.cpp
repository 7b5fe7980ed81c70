// The shell's line parser (user/bin/nyansh/parse.c), compiled here as C++.
#include <doctest/doctest.h>

#include <string.h>

#include <string>
#include <vector>

#include "../../user/bin/nyansh/parse.c"

namespace {

struct Parsed {
    sh_parse_status status;
    std::vector<std::string> words;
    bool background;
};

Parsed parse(const char* line, size_t storage_len = 0) {
    if (!storage_len) storage_len = strlen(line) + 1;
    // Exactly the documented size, on the heap, so ASan sees any overrun.
    std::vector<char> storage(storage_len);
    sh_command cmd;
    Parsed p;
    p.status = sh_parse_line(line, storage.data(), storage.size(), &cmd);
    for (int i = 0; i < cmd.argc; ++i) p.words.push_back(cmd.argv[i]);
    CHECK(cmd.argv[cmd.argc] == nullptr);
    p.background = cmd.background != 0;
    return p;
}

using Words = std::vector<std::string>;

}  // namespace

TEST_CASE("shell parser: plain words and spaces") {
    auto p = parse("  hello   world\tagain  ");
    CHECK(p.status == SH_PARSE_OK);
    CHECK(p.words == Words{"hello", "world", "again"});
    CHECK(!p.background);
}

TEST_CASE("shell parser: empty lines and comments give no words") {
    for (const char* line : {"", "   ", "\t", "# a comment", "   # comment & more"}) {
        auto p = parse(line);
        CHECK(p.status == SH_PARSE_OK);
        CHECK(p.words.empty());
        CHECK(!p.background);
    }
    auto p = parse("echo hi # not an argument");
    CHECK(p.words == Words{"echo", "hi"});
    CHECK(parse("echo a#b").words == Words{"echo", "a#b"});  // '#' inside a word is text
}

TEST_CASE("shell parser: quotes group, keep spaces and join with neighbours") {
    CHECK(parse("echo \"hello   world\"").words == Words{"echo", "hello   world"});
    CHECK(parse("echo 'single  quoted'").words == Words{"echo", "single  quoted"});
    CHECK(parse("echo a\"b c\"d").words == Words{"echo", "ab cd"});
    CHECK(parse("echo 'it''s'").words == Words{"echo", "its"});
    CHECK(parse("echo \"\" ''").words == Words{"echo", "", ""});
    CHECK(parse("echo \"a'b\" 'a\"b'").words == Words{"echo", "a'b", "a\"b"});
    CHECK(parse("echo \"&\" '#'").words == Words{"echo", "&", "#"});
}

TEST_CASE("shell parser: backslashes") {
    CHECK(parse("echo a\\ b").words == Words{"echo", "a b"});
    CHECK(parse("echo \\&").words == Words{"echo", "&"});
    CHECK(parse("echo \"say \\\"hi\\\" \\\\ \\n\"").words == Words{"echo", "say \"hi\" \\ \\n"});
    CHECK(parse("echo 'no \\' ").status == SH_PARSE_OK);  // 'no \' : backslash literal
    CHECK(parse("echo 'no \\' ").words == Words{"echo", "no \\"});
    CHECK(parse("echo trailing\\").words == Words{"echo", "trailing\\"});
}

TEST_CASE("shell parser: a trailing & runs in the background") {
    auto p = parse("spin 100 &");
    CHECK(p.status == SH_PARSE_OK);
    CHECK(p.words == Words{"spin", "100"});
    CHECK(p.background);
    p = parse("spin 100&   ");
    CHECK(p.words == Words{"spin", "100"});
    CHECK(p.background);
    p = parse("spin & # comment");
    CHECK(p.words == Words{"spin"});
    CHECK(p.background);
}

TEST_CASE("shell parser: misplaced & is an error and leaves no words") {
    for (const char* line : {"&", "  & ", "a & b", "a && b", "a &&", "a &b"}) {
        auto p = parse(line);
        CHECK(p.status == SH_PARSE_MISPLACED_AMP);
        CHECK(p.words.empty());
        CHECK(!p.background);
    }
}

TEST_CASE("shell parser: unterminated quotes") {
    for (const char* line : {"echo \"abc", "echo 'abc", "echo \"a\\\"", "'"}) {
        auto p = parse(line);
        CHECK(p.status == SH_PARSE_UNTERMINATED_QUOTE);
        CHECK(p.words.empty());
    }
}

TEST_CASE("shell parser: word limit") {
    std::string line;
    for (int i = 0; i < SH_MAX_WORDS; ++i) line += "w ";
    auto p = parse(line.c_str());
    CHECK(p.status == SH_PARSE_OK);
    CHECK(p.words.size() == SH_MAX_WORDS);
    line += "one-too-many";
    p = parse(line.c_str());
    CHECK(p.status == SH_PARSE_TOO_MANY_WORDS);
    CHECK(p.words.empty());
}

TEST_CASE("shell parser: strlen + 1 bytes of storage always suffice; less is refused") {
    const char* lines[] = {"a", "a b c", "\"\"", "x\"\"y 'q'", "abc def &", "  long   spaced  "};
    for (const char* line : lines) {
        CHECK(parse(line).status == SH_PARSE_OK);
        // One byte short of what the words need must fail cleanly, never overrun.
        size_t need = 0;
        for (auto& w : parse(line).words) need += w.size() + 1;
        if (need > 1) CHECK(parse(line, need - 1).status == SH_PARSE_NO_SPACE);
    }
    CHECK(parse("hello", 1).status == SH_PARSE_NO_SPACE);
}

TEST_CASE("shell parser: messages") {
    CHECK(strcmp(sh_parse_message(SH_PARSE_UNTERMINATED_QUOTE), "unterminated quote") == 0);
    CHECK(strlen(sh_parse_message(SH_PARSE_MISPLACED_AMP)) > 0);
}
