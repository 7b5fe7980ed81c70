// prctl's per-process settings and when fork, execve and a change of IDs
// reset them (Linux 6.1's copy_process, begin_new_exec, commit_creds),
// alone and through ProcessResources, whose credential changes apply them.
#include <doctest/doctest.h>

#include "proc/process_controls.h"
#include "proc/process_resources.h"

using namespace nyanos;
using proc::ProcessControls;

namespace {

ProcessControls all_set() {
    ProcessControls c;
    c.parent_death_signal = 64;
    c.dumpable = 1;
    c.keep_capabilities = true;
    c.no_new_privileges = true;
    return c;
}

}  // namespace

TEST_CASE("process controls: the defaults are Linux's for a new process") {
    ProcessControls c;
    CHECK(int(c.parent_death_signal) == 0);
    CHECK(int(c.dumpable) == 1);
    CHECK_FALSE(int(c.keep_capabilities));
    CHECK_FALSE(int(c.no_new_privileges));
}

TEST_CASE("process controls: a fork child keeps all but the parent-death signal") {
    ProcessControls child = all_set().for_child();
    CHECK(int(child.parent_death_signal) == 0);
    CHECK(int(child.dumpable) == 1);
    CHECK(int(child.keep_capabilities));
    CHECK(int(child.no_new_privileges));
}

TEST_CASE("process controls: execve makes the process dumpable and clears keep-caps only") {
    ProcessControls c = all_set();
    c.dumpable = 0;
    c.on_exec();
    CHECK(int(c.dumpable) == 1);
    CHECK_FALSE(int(c.keep_capabilities));
    CHECK(int(c.parent_death_signal) == 64);
    CHECK(int(c.no_new_privileges));
}

TEST_CASE("process controls: only an effective or fs ID change resets") {
    creds::Credentials root;
    creds::Credentials real_only = root;
    real_only.uid.real = 5;
    real_only.gid.saved = 7;
    ProcessControls c = all_set();
    c.on_credentials_change(root, real_only);
    CHECK(int(c.parent_death_signal) == 64);
    CHECK(int(c.dumpable) == 1);

    for (int which = 0; which < 4; ++which) {
        creds::Credentials changed = root;
        if (which == 0) changed.uid.effective = 1000;
        if (which == 1) changed.uid.fs = 1000;
        if (which == 2) changed.gid.effective = 1000;
        if (which == 3) changed.gid.fs = 1000;
        ProcessControls d = all_set();
        d.on_credentials_change(root, changed);
        CHECK(int(d.parent_death_signal) == 0);
        CHECK(int(d.dumpable) == 0);
        CHECK(int(d.keep_capabilities));
        CHECK(int(d.no_new_privileges));
    }
}

TEST_CASE("process controls: ProcessResources applies them on a credential change") {
    proc::ProcessResources r;
    r.change_controls([](ProcessControls& c) { c.parent_death_signal = 9; });
    // A failed change leaves the IDs, so the controls stay.
    auto failed = r.change_credentials([](creds::Credentials& c) -> Result<void> {
        return creds::set_id(c.uid, creds::kUnchanged, true);
    });
    CHECK_FALSE(failed.ok());
    CHECK(int(r.controls().parent_death_signal) == 9);
    REQUIRE(r.change_credentials([](creds::Credentials& c) {
                 return creds::set_id(c.uid, 1000, true);
             }).ok());
    CHECK(int(r.controls().parent_death_signal) == 0);
    CHECK(int(r.controls().dumpable) == 0);

    proc::ProcessResources child;
    r.change_controls([](ProcessControls& c) {
        c.parent_death_signal = 15;
        c.no_new_privileges = true;
    });
    REQUIRE(child.inherit(r).ok());
    CHECK(int(child.controls().parent_death_signal) == 0);
    CHECK(int(child.controls().no_new_privileges));
    CHECK(child.credentials().uid.effective == 1000);
}
