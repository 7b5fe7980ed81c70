// `#!` lines as Linux's binfmt_script reads them.
#include <doctest/doctest.h>
#include <string.h>

#include <string>

#include "proc/shebang.h"

using namespace nyanos::proc;

namespace {

bool parse(const std::string& text, Shebang& out) {
    return parse_shebang(reinterpret_cast<const uint8_t*>(text.data()), text.size(), out);
}

}  // namespace

TEST_CASE("shebang: not a script unless it starts with #!") {
    Shebang s;
    CHECK(!parse("", s));
    CHECK(!parse("#", s));
    CHECK(
        !parse("\x7f"
               "ELF",
               s));
    CHECK(!parse(" #!/bin/sh", s));
}

TEST_CASE("shebang: the interpreter, and everything after it as one argument") {
    Shebang s;
    REQUIRE(parse("#!/bin/sh\necho hi\n", s));
    CHECK(std::string(s.interpreter) == "/bin/sh");
    CHECK(!s.has_argument);
    REQUIRE(parse("#! /bin/busybox  sh -e \t\nrest", s));
    CHECK(std::string(s.interpreter) == "/bin/busybox");
    CHECK(s.has_argument);
    CHECK(std::string(s.argument) == "sh -e");
    REQUIRE(parse("#!/usr/bin/env python3", s));  // no newline at all
    CHECK(std::string(s.interpreter) == "/usr/bin/env");
    CHECK(std::string(s.argument) == "python3");
}

TEST_CASE("shebang: no interpreter, or one cut off by the 256-byte limit, is ENOEXEC") {
    Shebang s;
    REQUIRE(parse("#!\n", s));
    CHECK(s.interpreter[0] == '\0');
    REQUIRE(parse("#!   \t\n", s));
    CHECK(s.interpreter[0] == '\0');
    std::string long_name = "#!/" + std::string(300, 'a') + "\n";
    REQUIRE(parse(long_name, s));
    CHECK(s.interpreter[0] == '\0');
    // A long argument is cut, the interpreter kept.
    std::string long_arg = "#!/bin/sh " + std::string(300, 'b') + "\n";
    REQUIRE(parse(long_arg, s));
    CHECK(std::string(s.interpreter) == "/bin/sh");
    CHECK(strlen(s.argument) < kShebangLineMax);
}
