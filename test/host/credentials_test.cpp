// User and group IDs: Linux 6.1's rules for setuid, setreuid, setresuid,
// setfsuid (the gid calls share them).
#include <doctest/doctest.h>

#include "lib/credentials.h"

using namespace nyanos;
using creds::IdSet;
using creds::kUnchanged;

TEST_CASE("credentials: setuid as root sets all four; unprivileged only to real or saved") {
    IdSet ids;
    REQUIRE(creds::set_id(ids, 1000, true).ok());
    CHECK(ids == IdSet{1000, 1000, 1000, 1000});
    CHECK(creds::set_id(ids, 0, false).error() == Error::kPermission);
    CHECK(creds::set_id(ids, kUnchanged, true).error() == Error::kInvalid);

    IdSet mixed{1000, 0, 0, 0};  // a set-user-ID-root program run by 1000
    REQUIRE(creds::set_id(mixed, 1000, false).ok());
    CHECK(mixed == IdSet{1000, 1000, 0, 1000});
    REQUIRE(creds::set_id(mixed, 0, false).ok());  // the saved ID allows it back
    CHECK(mixed == IdSet{1000, 0, 0, 0});
    CHECK(creds::set_id(mixed, 5, false).error() == Error::kPermission);
    CHECK(mixed == IdSet{1000, 0, 0, 0});  // unchanged on failure
}

TEST_CASE("credentials: setreuid") {
    IdSet ids{0, 0, 0, 0};
    // Root drops to 1000 for good: real set, so saved follows effective.
    REQUIRE(creds::set_real_effective(ids, 1000, 1000, true).ok());
    CHECK(ids == IdSet{1000, 1000, 1000, 1000});

    // Only the effective ID, to another value than the real one: saved follows.
    IdSet a{0, 0, 0, 0};
    REQUIRE(creds::set_real_effective(a, kUnchanged, 1000, true).ok());
    CHECK(a == IdSet{0, 1000, 1000, 1000});
    // Back to the real ID: saved stays.
    REQUIRE(creds::set_real_effective(a, kUnchanged, 0, false).ok());
    CHECK(a == IdSet{0, 0, 1000, 0});

    // Unprivileged: real may become the effective ID, effective the saved one.
    IdSet b{1000, 2000, 3000, 2000};
    CHECK(creds::set_real_effective(b, 3000, kUnchanged, false).error() == Error::kPermission);
    REQUIRE(creds::set_real_effective(b, 2000, 3000, false).ok());
    CHECK(b == IdSet{2000, 3000, 3000, 3000});
    CHECK(creds::set_real_effective(b, kUnchanged, 1000, false).error() == Error::kPermission);
    // Both unchanged: only fs follows effective.
    IdSet c{1, 2, 3, 4};
    REQUIRE(creds::set_real_effective(c, kUnchanged, kUnchanged, false).ok());
    CHECK(c == IdSet{1, 2, 3, 2});
}

TEST_CASE("credentials: setresuid") {
    IdSet ids{1000, 0, 0, 0};
    REQUIRE(creds::set_real_effective_saved(ids, kUnchanged, 1000, kUnchanged, false).ok());
    CHECK(ids == IdSet{1000, 1000, 0, 1000});
    // Unprivileged: each new ID one of the current three.
    REQUIRE(creds::set_real_effective_saved(ids, 0, kUnchanged, 1000, false).ok());
    CHECK(ids == IdSet{0, 1000, 1000, 1000});
    CHECK(creds::set_real_effective_saved(ids, 5, kUnchanged, kUnchanged, false).error() ==
          Error::kPermission);
    CHECK(ids == IdSet{0, 1000, 1000, 1000});
    IdSet root;
    REQUIRE(creds::set_real_effective_saved(root, 1, 2, 3, true).ok());
    CHECK(root == IdSet{1, 2, 3, 2});
}

TEST_CASE("credentials: setfsuid returns the old fs ID, changes it when allowed") {
    IdSet ids{1000, 1000, 1000, 1000};
    CHECK(creds::set_fs(ids, 0, false) == 1000);
    CHECK(ids.fs == 1000);  // refused silently
    CHECK(creds::set_fs(ids, kUnchanged, true) == 1000);
    CHECK(ids.fs == 1000);
    IdSet root;
    CHECK(creds::set_fs(root, 1234, true) == 0);
    CHECK(root.fs == 1234);
    CHECK(creds::set_fs(root, 0, false) == 1234);  // 0 is the real ID
    CHECK(root.fs == 0);
}

TEST_CASE("credentials: who may act on whom") {
    creds::Credentials root, user, other;
    user.uid = IdSet{1000, 1000, 1000, 1000};
    user.gid = IdSet{100, 100, 100, 100};
    other = user;
    CHECK(creds::privileged(root));
    CHECK_FALSE(creds::privileged(user));
    CHECK(creds::ids_match_all(user, other));
    other.uid.saved = 0;
    CHECK_FALSE(creds::ids_match_all(user, other));
    CHECK(creds::same_owner(user, other));
    other.uid.effective = 0;
    CHECK(creds::same_owner(user, other));  // the real ID still matches
    other.uid.real = 0;
    CHECK_FALSE(creds::same_owner(user, other));
}
