// The kernel command line's words (lib/cmdline.h): bare words, values,
// prefixes that are not the word, the `--` that hands the rest to init, and
// `norandmaps`.
#include <doctest/doctest.h>

#include <string>

#include "lib/cmdline.h"

using namespace nyanos;

namespace {

// The value, or "<absent>".
std::string find(const char* cmdline, const char* key, unsigned out_size = 64) {
    char out[64] = "untouched";
    REQUIRE(out_size <= sizeof(out));
    return cmdline_find(cmdline, key, out, out_size) ? std::string(out) : "<absent>";
}

}  // namespace

TEST_CASE("cmdline: bare words and key=value") {
    CHECK(find("nosmp", "nosmp") == "");
    CHECK(find("quiet init=/bin/echo nosmp", "init") == "/bin/echo");
    CHECK(find("quiet init=/bin/echo nosmp", "nosmp") == "");
    CHECK(find("  \tinit=/bin/sh\n", "init") == "/bin/sh");
    CHECK(find("init=", "init") == "");
    CHECK(find("", "init") == "<absent>");
    CHECK(find("nosmpx xnosmp nosm", "nosmp") == "<absent>");
    CHECK(find("fault_test=gp", "fault_test") == "gp");
    CHECK(find("init=/bin/echo", "init", 5) == "/bin");  // truncated, NUL terminated
}

TEST_CASE("cmdline: words after a standalone -- are init's") {
    CHECK(find("init=/bin/echo -- nosmp", "nosmp") == "<absent>");
    CHECK(find("nosmp -- hello", "nosmp") == "");
    CHECK(find("--x nosmp", "nosmp") == "");  // `--x` is a word like any other
}

TEST_CASE("cmdline: norandmaps turns address-space randomisation off") {
    CHECK(cmdline_randomize_maps(""));
    CHECK(cmdline_randomize_maps("init=/bin/sh nosmp"));
    CHECK(!cmdline_randomize_maps("norandmaps"));
    CHECK(!cmdline_randomize_maps("init=/bin/bench norandmaps nosmp"));
    CHECK(cmdline_randomize_maps("norandmapsx randmaps"));
    CHECK(cmdline_randomize_maps("init=/bin/echo -- norandmaps"));  // init's argument
}

TEST_CASE("cmdline: init's arguments after --, double quotes grouping words as Linux does") {
    char words[128];
    const char* argv[8];
    unsigned n = nyanos::cmdline_init_args("init=/bin/busybox -- sh -c \"ls /bin | wc -l\"", words,
                                           sizeof(words), argv, 8);
    REQUIRE(n == 3);
    CHECK(std::string(argv[0]) == "sh");
    CHECK(std::string(argv[1]) == "-c");
    CHECK(std::string(argv[2]) == "ls /bin | wc -l");
    n = nyanos::cmdline_init_args("quiet init=/bin/echo --  hello   world ", words, sizeof(words),
                                  argv, 8);
    REQUIRE(n == 2);
    CHECK(std::string(argv[1]) == "world");
    CHECK(nyanos::cmdline_init_args("a=\"x -- y\" b", words, sizeof(words), argv, 8) == 0);
    CHECK(nyanos::cmdline_init_args("--", words, sizeof(words), argv, 8) == 0);
    n = nyanos::cmdline_init_args("-- a\"b c\"d \"\"", words, sizeof(words), argv, 8);
    REQUIRE(n == 2);
    CHECK(std::string(argv[0]) == "ab cd");
    CHECK(std::string(argv[1]) == "");
    // Too many words for argv: the first max_args; too long for words: dropped.
    CHECK(nyanos::cmdline_init_args("-- a b c d", words, sizeof(words), argv, 2) == 2);
    CHECK(nyanos::cmdline_init_args("-- aaaaaaaa bbbb", words, 10, argv, 8) == 1);
}
