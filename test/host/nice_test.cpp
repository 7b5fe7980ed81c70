// setpriority's rules (Linux 6.1's set_one_prio_perm and can_nice).
#include <doctest/doctest.h>

#include "proc/nice.h"

using namespace nyanos;
using proc::check_set_nice;

namespace {

creds::Credentials user(uint32_t real, uint32_t effective) {
    creds::Credentials c;
    c.uid = {real, effective, effective, effective};
    c.gid = {real, real, real, real};
    return c;
}

}  // namespace

TEST_CASE("nice: values are clamped and reported as 20 - nice") {
    CHECK(proc::clamp_nice(-100) == -20);
    CHECK(proc::clamp_nice(100) == 19);
    CHECK(proc::clamp_nice(5) == 5);
    CHECK(proc::nice_to_priority(-20) == 40);
    CHECK(proc::nice_to_priority(19) == 1);
}

TEST_CASE("nice: an owner may raise its nice value, not lower it past RLIMIT_NICE") {
    const creds::Credentials alice = user(1000, 1000);
    CHECK(check_set_nice(alice, alice, 0, 10, 0).ok());
    CHECK(check_set_nice(alice, alice, 10, 10, 0).ok());
    CHECK(check_set_nice(alice, alice, 10, 5, 0).error() == Error::kAccess);
    // RLIMIT_NICE 25 allows nice values down to -5.
    CHECK(check_set_nice(alice, alice, 10, -5, 25).ok());
    CHECK(check_set_nice(alice, alice, 10, -6, 25).error() == Error::kAccess);
}

TEST_CASE("nice: another user's process is EPERM, checked before EACCES") {
    const creds::Credentials alice = user(1000, 1000), bob = user(1001, 1001);
    CHECK(check_set_nice(alice, bob, 0, 5, 0).error() == Error::kPermission);
    CHECK(check_set_nice(alice, bob, 5, 0, 0).error() == Error::kPermission);
    // The caller's effective uid against the target's real or effective.
    CHECK(check_set_nice(alice, user(1000, 0), 0, 5, 0).ok());
    CHECK(check_set_nice(alice, user(0, 1000), 0, 5, 0).ok());
    CHECK(check_set_nice(user(1000, 1001), alice, 0, 5, 0).error() == Error::kPermission);
}

TEST_CASE("nice: privilege (CAP_SYS_NICE) allows anything") {
    const creds::Credentials root = user(0, 0), bob = user(1001, 1001);
    CHECK(check_set_nice(root, bob, 0, -20, 0).ok());
    CHECK(check_set_nice(root, root, 19, -20, 0).ok());
}
