// The descriptor table (fs/fd_table.h): Linux's numbering and dup rules,
// FD_CLOEXEC, the copies for fork and spawn, sharing, and every operation
// that allocates run with its Nth allocation failing: the table is then
// unchanged and nothing leaks (descriptions are counted; LeakSanitizer sees
// the rest).
#include <doctest/doctest.h>

#include <functional>

#include "failing_new.h"
#include "fs/fd_table.h"
#include "fs_test_support.h"

using namespace nyanos;
using namespace nyanos::fs;
using test::CountedFile;

namespace {

struct Table {
    FdTable* t;
    Table() : t(FdTable::try_create().value()) {}
    ~Table() { FdTable::release(t); }
    FdTable* operator->() { return t; }
};

int open_one(FdTable* t, bool cloexec = false, int lowest = 0) {
    auto fd = t->install(CountedFile::make(), cloexec, lowest);
    REQUIRE(fd.ok());
    return fd.value();
}

}  // namespace

TEST_CASE("fd table: lowest free descriptor, EMFILE at RLIMIT_NOFILE, EBADF") {
    {
        Table t;
        for (int expected = 0; expected < 10; ++expected) CHECK(open_one(t.t) == expected);
        REQUIRE(t->close(3).ok());
        REQUIRE(t->close(5).ok());
        CHECK(t->close(5).error() == Error::kBadFd);
        CHECK(open_one(t.t) == 3);
        CHECK(open_one(t.t) == 5);
        CHECK(open_one(t.t) == 10);
        // A lowest bound skips the holes below it.
        REQUIRE(t->close(4).ok());
        CHECK(open_one(t.t, false, 6) == 11);
        CHECK(open_one(t.t, false, 100) == 100);
        CHECK(open_one(t.t) == 4);
        for (int fd : {-1, 12, 99, 101, 1023, 1024, 1 << 30}) {
            CHECK(t->get(fd).error() == Error::kBadFd);
            CHECK(t->close(fd).error() == Error::kBadFd);
        }
        CHECK(t->install(CountedFile::make(), false, FdTable::kDefaultLimit).error() ==
              Error::kTooManyFiles);
        CHECK(t->close_on_exec_flag(FdTable::kMaxFds + 5).error() == Error::kBadFd);
    }
    CHECK(CountedFile::live == 0);

    Table full;
    for (int fd = 0; fd < FdTable::kDefaultLimit; ++fd) REQUIRE(open_one(full.t) == fd);
    CHECK(full->install(CountedFile::make(), false).error() == Error::kTooManyFiles);
    CHECK(full->duplicate(0, 0, false).error() == Error::kTooManyFiles);
    int fds[2];
    CHECK(full->install_pair(CountedFile::make(), CountedFile::make(), false, fds).error() ==
          Error::kTooManyFiles);
    CHECK(full->open_count() == FdTable::kDefaultLimit);
    // One left: a pair still does not fit, and takes nothing.
    REQUIRE(full->close(700).ok());
    CHECK(full->install_pair(CountedFile::make(), CountedFile::make(), false, fds).error() ==
          Error::kTooManyFiles);
    CHECK(full->open_count() == FdTable::kDefaultLimit - 1);
    CHECK(CountedFile::live == FdTable::kDefaultLimit - 1);
}

TEST_CASE("fd table: the caller's RLIMIT_NOFILE bounds every new descriptor") {
    Table t;
    for (int fd = 0; fd < 10; ++fd) REQUIRE(t->install(CountedFile::make(), false, 0, 10).ok());
    CHECK(t->install(CountedFile::make(), false, 0, 10).error() == Error::kTooManyFiles);
    CHECK(t->duplicate(0, 0, false, 10).error() == Error::kTooManyFiles);
    CHECK(t->duplicate_to(0, 10, false, 10).error() == Error::kBadFd);
    CHECK(t->duplicate_to(0, 9, false, 10).value() == 9);
    int fds[2];
    CHECK(t->install_pair(CountedFile::make(), CountedFile::make(), false, fds, 11).error() ==
          Error::kTooManyFiles);
    // A raised limit (setrlimit up to the hard 4096) lets the table grow.
    CHECK(t->install(CountedFile::make(), false, 3000, 4096).value() == 3000);
    CHECK(t->duplicate_to(0, 4095, false, 4096).value() == 4095);
    CHECK(t->duplicate_to(0, 4096, false, 4096).error() == Error::kBadFd);
    // Lowering it later keeps what is open; only new descriptors obey it.
    CHECK(t->get(4095).ok());
    CHECK(t->install(CountedFile::make(), false, 0, 5).error() == Error::kTooManyFiles);
    // Never beyond nr_open, whatever the limit says.
    CHECK(t->duplicate_to(0, FdTable::kMaxFds, false, 1 << 30).error() == Error::kBadFd);
    CHECK(t->open_count() == 12);
}

TEST_CASE("fd table: get hands out a reference; close drops the table's") {
    Table t;
    int fd = open_one(t.t);
    auto d = t->get(fd);
    REQUIRE(d.ok());
    CHECK(d.value()->reference_count() == 2);
    REQUIRE(t->close(fd).ok());
    CHECK(CountedFile::live == 1);  // the call's reference keeps it
    d.value().reset();
    CHECK(CountedFile::live == 0);
}

TEST_CASE("fd table: dup, dup2 and F_DUPFD share one description; FD_CLOEXEC is per descriptor") {
    Table t;
    int a = open_one(t.t, true);
    CHECK(t->close_on_exec_flag(a).value() == true);
    auto dup = t->duplicate(a, 0, false);
    REQUIRE(dup.ok());
    CHECK(dup.value() == 1);
    CHECK(t->close_on_exec_flag(1).value() == false);
    CHECK(t->get(a).value().get() == t->get(1).value().get());
    CHECK(t->get(a).value()->reference_count() == 3);  // two fds and this call
    // F_DUPFD's bound.
    CHECK(t->duplicate(a, 7, true).value() == 7);
    CHECK(t->close_on_exec_flag(7).value() == true);
    CHECK(t->duplicate(99, 0, false).error() == Error::kBadFd);
    // dup2 onto an open descriptor closes what was there.
    int other = open_one(t.t);
    CHECK(CountedFile::live == 2);
    CHECK(t->duplicate_to(a, other, false).value() == other);
    CHECK(CountedFile::live == 1);
    // dup2 onto itself: the descriptor, unchanged (dup3's EINVAL is the caller's).
    CHECK(t->duplicate_to(a, a, false).value() == a);
    CHECK(t->close_on_exec_flag(a).value() == true);
    CHECK(t->duplicate_to(55, 55, false).error() == Error::kBadFd);
    CHECK(t->duplicate_to(a, -1, false).error() == Error::kBadFd);
    CHECK(t->duplicate_to(a, FdTable::kDefaultLimit, false).error() == Error::kBadFd);
    CHECK(t->duplicate_to(a, 1000, false).value() == 1000);
    REQUIRE(t->set_close_on_exec_flag(1000, true).ok());
    CHECK(t->set_close_on_exec_flag(999, true).error() == Error::kBadFd);
    CHECK(t->close_on_exec_flag(999).error() == Error::kBadFd);
    CHECK(t->open_count() == 5);
}

TEST_CASE("fd table: close-on-exec, close_range, and the copies for fork and spawn") {
    Table t;
    open_one(t.t, false);      // 0
    open_one(t.t, true);       // 1
    open_one(t.t, false);      // 2
    open_one(t.t, true, 600);  // 600
    REQUIRE(CountedFile::live == 4);

    auto forked = t->try_clone();
    REQUIRE(forked.ok());
    FdTable* f = forked.value();
    CHECK(f->open_count() == 4);
    CHECK(f->close_on_exec_flag(1).value() == true);
    CHECK(f->get(600).value().get() == t->get(600).value().get());
    CHECK(t->get(0).value()->reference_count() == 3);

    auto spawned = t->try_clone_for_spawn();
    REQUIRE(spawned.ok());
    FdTable* s = spawned.value();
    CHECK(s->open_count() == 2);
    CHECK(s->get(1).error() == Error::kBadFd);
    CHECK(s->get(600).error() == Error::kBadFd);
    CHECK(s->close_on_exec_flag(2).value() == false);

    f->close_on_exec();
    CHECK(f->open_count() == 2);
    CHECK(CountedFile::live == 4);  // the parent still has them
    FdTable::release(f);
    FdTable::release(s);
    CHECK(t->get(0).value()->reference_count() == 2);

    t->close_range(1, 2, true);  // CLOSE_RANGE_CLOEXEC
    CHECK(t->close_on_exec_flag(2).value() == true);
    t->close_range(2, ~0u, false);
    CHECK(t->open_count() == 2);
    CHECK(CountedFile::live == 2);
    t->close_range(5, 3, false);  // empty: nothing
    t->close_range(5000, ~0u, false);
    CHECK(t->open_count() == 2);
}

TEST_CASE("fd table: a shared table (CLONE_FILES) is one table; unshare copies it") {
    Table t;
    open_one(t.t);
    FdTable* shared = t.t;
    shared->add_ref();
    CHECK(t->is_shared());
    open_one(shared);  // seen through both
    CHECK(t->open_count() == 2);
    FdTable* mine = FdTable::copy_if_shared(shared).value();
    REQUIRE(mine);
    FdTable::release(shared);  // the caller's reference to the shared one
    CHECK(mine != t.t);
    CHECK(!t->is_shared());
    open_one(mine);
    CHECK(t->open_count() == 2);
    CHECK(mine->open_count() == 3);
    CHECK(FdTable::copy_if_shared(mine).value() == nullptr);  // not shared: kept
    FdTable::release(mine);
    CHECK(mine == nullptr);
    CHECK(CountedFile::live == 2);
}

TEST_CASE("fd table: every allocating operation under failing allocations") {
    // Each operation runs against a fresh table holding fds 0..5 (5 with
    // FD_CLOEXEC), with allocation N failing for N = 1, 2, ... until one
    // run needs no failing allocation. A failed run must leave the table
    // as it was; nothing may leak either way.
    struct Op {
        const char* name;
        // `a` and `b`: two descriptions made before the failure is armed.
        std::function<Result<void>(FdTable*&, DescriptionRef&, DescriptionRef&)> run;
    };
    const Op ops[] = {
        {"install above the capacity",
         [](FdTable*& t, DescriptionRef& a, DescriptionRef&) -> Result<void> {
             TRY(t->install(static_cast<DescriptionRef&&>(a), false, 40));
             return {};
         }},
        {"install_pair",
         [](FdTable*& t, DescriptionRef& a, DescriptionRef& b) -> Result<void> {
             int fds[2];
             return t->install_pair(static_cast<DescriptionRef&&>(a),
                                    static_cast<DescriptionRef&&>(b), true, fds);
         }},
        {"duplicate",
         [](FdTable*& t, DescriptionRef&, DescriptionRef&) -> Result<void> {
             TRY(t->duplicate(1, 100, false));
             return {};
         }},
        {"duplicate_to",
         [](FdTable*& t, DescriptionRef&, DescriptionRef&) -> Result<void> {
             TRY(t->duplicate_to(2, 900, true));
             return {};
         }},
        {"try_clone",
         [](FdTable*& t, DescriptionRef&, DescriptionRef&) -> Result<void> {
             FdTable* c = TRY(t->try_clone());
             FdTable::release(c);
             return {};
         }},
        {"try_clone_for_spawn",
         [](FdTable*& t, DescriptionRef&, DescriptionRef&) -> Result<void> {
             FdTable* c = TRY(t->try_clone_for_spawn());
             FdTable::release(c);
             return {};
         }},
        {"unshare a shared table",
         [](FdTable*& t, DescriptionRef&, DescriptionRef&) -> Result<void> {
             t->add_ref();  // another holder's reference
             FdTable* other = t;
             auto copy = FdTable::copy_if_shared(t);
             FdTable::release(other);  // the other holder lets go
             if (!copy.ok()) return copy.error();
             FdTable::release(t);  // the caller's reference to the shared table
             t = copy.value();
             return {};
         }},
        {"try_create",
         [](FdTable*&, DescriptionRef&, DescriptionRef&) -> Result<void> {
             FdTable* c = TRY(FdTable::try_create());
             FdTable::release(c);
             return {};
         }},
    };
    for (const Op& op : ops) {
        bool succeeded = false;
        for (size_t n = 1; n < 20 && !succeeded; ++n) {
            CAPTURE(op.name);
            CAPTURE(n);
            FdTable* t = FdTable::try_create().value();
            for (int fd = 0; fd < 6; ++fd) open_one(t, fd == 5);
            DescriptionRef a = CountedFile::make(), b = CountedFile::make();
            Result<void> r = Error::kInvalid;
            bool triggered;
            {
                test::FailNothrowNew fail(n);
                r = op.run(t, a, b);
                triggered = fail.triggered();
            }
            a.reset();
            b.reset();
            if (triggered) {
                CHECK(!r.ok());
                CHECK(r.error() == Error::kNoMemory);
                CHECK(t->open_count() == 6);
                CHECK(CountedFile::live == 6);
                CHECK(t->close_on_exec_flag(5).value() == true);
            } else {
                CHECK(r.ok());
                succeeded = true;
            }
            FdTable::release(t);
            CHECK(CountedFile::live == 0);
        }
        CHECK(succeeded);
    }
}
