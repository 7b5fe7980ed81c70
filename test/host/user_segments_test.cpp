// Which FS/GS bases arch_prctl accepts (kernel/arch/x86_64/user_segments.h).
#include <doctest/doctest.h>

#include "arch/x86_64/user_segments.h"

using namespace nyanos::arch;

TEST_CASE("user bases: canonical user addresses below Linux's TASK_SIZE_MAX only") {
    CHECK(is_settable_user_base(0));
    CHECK(is_settable_user_base(0x1000));
    CHECK(is_settable_user_base(0x7fffffffe000));
    CHECK(is_settable_user_base(kUserBaseLimit - 1));
    // The last user page, as Linux (EPERM there too).
    CHECK(!is_settable_user_base(kUserBaseLimit));
    CHECK(!is_settable_user_base(0x7fffffffffff));
    // Non-canonical, and the kernel half.
    CHECK(!is_settable_user_base(0x800000000000));
    CHECK(!is_settable_user_base(0xffff800000000000));
    CHECK(!is_settable_user_base(0xffffffff80000000));
    CHECK(!is_settable_user_base(~0ull));
}

TEST_CASE("user segments: a new thread's are null selectors and zero bases") {
    UserSegments s;
    CHECK(packed(s.selectors) == 0);
    CHECK(s.bases.fs() == 0);
    CHECK(s.bases.gs() == 0);
    CHECK(s.bases.any() == 0);
    LoadedUserBases cpu;
    CHECK(cpu.fs() == 0);
    CHECK(cpu.gs() == 0);
    CHECK(cpu.any() == 0);
}

TEST_CASE("user segments: the one-word base test is nonzero exactly while a base is") {
    UserBases b;
    b.set_fs(0x1000);
    CHECK(b.any() != 0);
    b.set_gs(0x2000);
    b.set_fs(0);
    CHECK(b.fs() == 0);
    CHECK(b.gs() == 0x2000);
    CHECK(b.any() != 0);
    b.set_gs(0);
    CHECK(b.any() == 0);
}

TEST_CASE("user segments: packed selectors differ when any one selector does") {
    UserSelectors a, b;
    CHECK(packed(a) == packed(b));
    b.gs = 0x2b;
    CHECK(packed(a) != packed(b));
    b = UserSelectors{};
    b.ds = 0x23;
    CHECK(packed(a) != packed(b));
}
