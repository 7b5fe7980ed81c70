// The console's foreground rule: who may set the Ctrl-C target, to whom,
// and where control goes when the target or the owner exits.
#include <doctest/doctest.h>

#include "proc/foreground.h"

using namespace nyanos;
using namespace nyanos::proc;

namespace {

// init -> shell -> {job, background}, job -> grandchild; stranger is init's.
struct Tree {
    Process init, shell, job, grandchild, background, stranger;
    Tree() {
        shell.parent = &init;
        job.parent = &shell;
        grandchild.parent = &job;
        background.parent = &shell;
        stranger.parent = &init;
    }
};

bool denied(Result<void> r) {
    return !r.ok() && r.error() == Error::kPermission;
}

}  // namespace

TEST_CASE("foreground: at first only init controls the console") {
    Tree t;
    ConsoleForeground fg;
    CHECK(fg.target() == nullptr);
    CHECK(fg.controls(t.init, &t.init));
    CHECK(!fg.controls(t.shell, &t.init));
    CHECK(!fg.controls(t.stranger, &t.init));
    CHECK(denied(fg.set(t.shell, &t.shell, &t.init)));  // no taking it
    CHECK(denied(fg.set(t.shell, nullptr, &t.init)));   // no clearing it
    CHECK(fg.target() == nullptr);
    CHECK(fg.owner() == nullptr);
}

TEST_CASE("foreground: init is never the target, and only descendants are") {
    Tree t;
    ConsoleForeground fg;
    CHECK(denied(fg.set(t.init, &t.init, &t.init)));  // Ctrl-C never ends init
    REQUIRE(fg.set(t.init, &t.shell, &t.init).ok());
    CHECK(denied(fg.set(t.shell, &t.init, &t.init)));
    CHECK(denied(fg.set(t.shell, &t.stranger, &t.init)));  // not its descendant
    CHECK(fg.target() == &t.shell);
    CHECK(fg.set(t.shell, &t.grandchild, &t.init).ok());  // a grandchild is
    CHECK(fg.target() == &t.grandchild);
    CHECK(fg.owner() == &t.shell);
}

TEST_CASE("foreground: the program holds it; a background job cannot steal or clear it") {
    Tree t;
    ConsoleForeground fg;
    REQUIRE(fg.set(t.init, &t.shell, &t.init).ok());  // init runs the shell
    REQUIRE(fg.set(t.shell, &t.job, &t.init).ok());   // the shell runs a job
    CHECK(fg.target() == &t.job);
    CHECK(fg.owner() == &t.shell);
    for (Process* intruder : {&t.background, &t.stranger, &t.grandchild}) {
        CHECK(!fg.controls(*intruder, &t.init));
        CHECK(denied(fg.set(*intruder, intruder, &t.init)));
        CHECK(denied(fg.set(*intruder, nullptr, &t.init)));
    }
    CHECK(fg.target() == &t.job);
    // The job, the shell and init do control it.
    CHECK(fg.controls(t.job, &t.init));
    CHECK(fg.controls(t.shell, &t.init));
    CHECK(fg.controls(t.init, &t.init));
    // The job may pass it to its child; the shell may still take it back.
    REQUIRE(fg.set(t.job, &t.grandchild, &t.init).ok());
    CHECK(fg.controls(t.shell, &t.init));
    REQUIRE(fg.set(t.shell, nullptr, &t.init).ok());
    CHECK(fg.target() == nullptr);
    CHECK(!fg.controls(t.job, &t.init));  // no longer the job's
}

TEST_CASE("foreground: a target exits: no target; an owner exits: its parent owns it") {
    Tree t;
    ConsoleForeground fg;
    REQUIRE(fg.set(t.init, &t.shell, &t.init).ok());
    REQUIRE(fg.set(t.shell, &t.job, &t.init).ok());
    REQUIRE(fg.set(t.job, nullptr, &t.init).ok());  // the job clears it: its owner now
    CHECK(fg.owner() == &t.job);
    fg.forget(t.job);  // the job exits
    CHECK(fg.target() == nullptr);
    CHECK(fg.owner() == &t.shell);  // back to the shell that lent it
    CHECK(fg.controls(t.shell, &t.init));
    CHECK(!fg.controls(t.background, &t.init));
    // The shell runs its next program as before.
    REQUIRE(fg.set(t.shell, &t.background, &t.init).ok());
    fg.forget(t.background);  // the target exits: Ctrl-C has no target
    CHECK(fg.target() == nullptr);
    CHECK(fg.owner() == &t.shell);
    fg.forget(t.stranger);  // neither target nor owner: nothing changes
    CHECK(fg.owner() == &t.shell);
    fg.forget(t.shell);
    CHECK(fg.owner() == &t.init);
    CHECK(!fg.controls(t.job, &t.init));
}

TEST_CASE("foreground: without an init only the owner chain controls it") {
    Tree t;
    ConsoleForeground fg;
    CHECK(!fg.controls(t.init, nullptr));
    CHECK(denied(fg.set(t.init, &t.shell, nullptr)));
}
