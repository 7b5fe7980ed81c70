// The SDK's printf formatter (user/lib/format.c), compiled here as C++ and
// compared with the host C library's snprintf on the conversions it supports.
#include <doctest/doctest.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <string>

#include "../../user/lib/format.c"

namespace {

std::string nyan(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    int n = nyan_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    CHECK(n == (int)strlen(buf));
    return buf;
}

std::string host(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

// Both formatters, same arguments: the outputs must agree.
#define SAME(...) CHECK(nyan(__VA_ARGS__) == host(__VA_ARGS__))

}  // namespace

TEST_CASE("user printf: integers agree with the host") {
    SAME("%d %i %u", 0, -1, 4000000000u);
    SAME("%d %d", 2147483647, (-2147483647 - 1));
    SAME("%ld %lld", -9223372036854775807L - 1, 9223372036854775807LL);
    SAME("%lu %llu %zu", 18446744073709551615UL, 12345ULL, (size_t)77);
    SAME("%x %X %o %#x %#X %#o %#o", 0xdeadbeefu, 0xabcu, 8u, 255u, 255u, 8u, 0u);
    SAME("%#x %#o", 0u, 0u);
    SAME("%lx %#lx", 0xffffffffffffffffUL, 0x400000UL);
    SAME("%hd %hhd %hu %hhu", 70000, 300, 70000, 300);
    SAME("%zd %td %jd", (ssize_t)-5, (ptrdiff_t)-6, (intmax_t)-7);
}

TEST_CASE("user printf: flags, width and precision agree with the host") {
    SAME("[%5d] [%-5d] [%05d] [%+d] [% d] [%+d]", 42, 42, 42, 42, 42, -42);
    SAME("[%-05d] [%+05d] [% 05d] [%05d]", 7, 7, 7, -7);
    SAME("[%.3d] [%8.3d] [%-8.3d] [%08.3d] [%.0d] [%5.0d] [%.0x]", 5, 5, 5, 5, 0, 0, 0u);
    SAME("[%#10x] [%#-10x] [%#010x] [%10.4x]", 0x1fu, 0x1fu, 0x1fu, 0x1fu);
    SAME("[%*d] [%-*d] [%*d] [%.*d] [%.*d]", 6, 1, 6, 2, -6, 3, 4, 9, -1, 9);
    SAME("[%s] [%10s] [%-10s] [%.2s] [%*.*s]", "abc", "abc", "abc", "abc", 6, 1, "xyz");
    SAME("[%c] [%3c] [%-3c]", 'a', 'b', 'c');
    SAME("100%% [%%]");
}

TEST_CASE("user printf: pointers and NULL strings follow glibc") {
    int x;
    SAME("%p", (void*)&x);
    SAME("%p", (void*)0x400000);
    SAME("[%p] [%10p]", (void*)nullptr, (void*)nullptr);
    // NULL %s is undefined in C; we print "(null)" like glibc does.
    CHECK(nyan("%s", (const char*)nullptr) == "(null)");
}

TEST_CASE("user printf: truncation keeps the full length and terminates") {
    char buf[8];
    memset(buf, 'Z', sizeof buf);
    int n = [&](const char* fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        int r = nyan_vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        return r;
    }("hello %s", "world");
    CHECK(n == 11);
    CHECK(std::string(buf) == "hello w");

    // Size 0 writes nothing at all, size 1 only the NUL.
    char one[2] = {'Q', 'Q'};
    va_list dummy;
    auto call = [&](char* b, size_t size, const char* fmt, ...) {
        va_start(dummy, fmt);
        int r = nyan_vsnprintf(b, size, fmt, dummy);
        va_end(dummy);
        return r;
    };
    CHECK(call(one, 0, "abc") == 3);
    CHECK(one[0] == 'Q');
    CHECK(call(one, 1, "abc") == 3);
    CHECK(one[0] == '\0');
    CHECK(one[1] == 'Q');
}

TEST_CASE("user printf: unknown and cut-off conversions are printed as written") {
    CHECK(nyan("a %q b") == "a %q b");
    CHECK(nyan("end %") == "end %");
    CHECK(nyan("%-5") == "%-5");
}
