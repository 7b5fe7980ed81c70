// The descriptor table (fs/open_file.h): descriptors from 3 up, the lowest
// free one first, EMFILE when full, EBADF for anything not open, and the
// table allocated by the first open and freed by close_all (LeakSanitizer
// reports a table that is not).
#include <doctest/doctest.h>

#include "fs/open_file.h"
#include "panic_checks.h"

using namespace nyanos;
using namespace nyanos::fs;

namespace {

const FileEntry kHello{"/hello.txt", reinterpret_cast<const uint8_t*>("hello"), 5, false};
const FileEntry kOther{"/other.txt", reinterpret_cast<const uint8_t*>("other"), 5, false};

}  // namespace

TEST_CASE("open files: a null table has no descriptors, the first install allocates it") {
    FileTable* table = nullptr;
    CHECK(file(table, kFirstFileFd).error() == Error::kBadFd);
    CHECK(close(table, kFirstFileFd).error() == Error::kBadFd);
    close_all(table);
    CHECK(table == nullptr);

    auto fd = install(table, &kHello);
    REQUIRE(fd.ok());
    CHECK(fd.value() == kFirstFileFd);
    REQUIRE(table != nullptr);
    auto of = file(table, fd.value());
    REQUIRE(of.ok());
    CHECK(of.value()->entry == &kHello);
    CHECK(of.value()->offset == 0);
    // A null entry would read as a free descriptor: a caller bug.
    test::check_panics_with([&] { (void)install(table, nullptr); }, "VERIFY(entry)");
    close_all(table);
    CHECK(table == nullptr);
}

TEST_CASE("open files: lowest free descriptor, EMFILE when full, EBADF outside the open ones") {
    FileTable* table = nullptr;
    for (int expected = kFirstFileFd; expected < kMaxOpenFiles; ++expected) {
        auto fd = install(table, &kHello);
        REQUIRE(fd.ok());
        CHECK(fd.value() == expected);
    }
    CHECK(install(table, &kOther).error() == Error::kTooManyFiles);

    // Each descriptor keeps its own offset.
    file(table, 5).value()->offset = 3;
    CHECK(file(table, 6).value()->offset == 0);

    // A closed descriptor is reused first, with a fresh offset.
    REQUIRE(close(table, 5).ok());
    CHECK(file(table, 5).error() == Error::kBadFd);
    CHECK(close(table, 5).error() == Error::kBadFd);
    auto reused = install(table, &kOther);
    REQUIRE(reused.ok());
    CHECK(reused.value() == 5);
    CHECK(file(table, 5).value()->entry == &kOther);
    CHECK(file(table, 5).value()->offset == 0);

    // The console's descriptors and anything out of range are never files.
    for (int fd : {-1, 0, 1, 2, kMaxOpenFiles, 1 << 30})
        CHECK(file(table, fd).error() == Error::kBadFd);
    close_all(table);
    CHECK(table == nullptr);
}
