// The portable scheduler: the FIFO run queue, pid allocation, and the
// exit/reap state machine (zombies, reparenting to init, whom exit wakes,
// what waitpid reaps and when it must say ECHILD).
#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "host_panic.h"
#include "proc/process_table.h"
#include "proc/thread_queue.h"

using namespace nyanos;
using namespace nyanos::proc;

namespace {

std::vector<Thread*> drain(ThreadQueue& q) {
    std::vector<Thread*> out;
    while (Thread* t = q.pop_front()) out.push_back(t);
    return out;
}

// A table of processes owned by the test.
struct Family {
    ProcessTable table;
    std::vector<std::unique_ptr<Process>> processes;

    Process* spawn(Process* parent, bool zombie = false) {
        auto p = std::make_unique<Process>();
        p->pid = table.allocate_pid();
        p->parent = parent;
        p->zombie = zombie;
        table.insert(p.get());
        processes.push_back(std::move(p));
        return processes.back().get();
    }
};

}  // namespace

TEST_CASE("ThreadQueue: FIFO order and size") {
    Thread a, b, c;
    ThreadQueue q;
    CHECK(q.empty());
    CHECK(q.size() == 0);
    CHECK(q.pop_front() == nullptr);
    q.push_back(&a);
    q.push_back(&b);
    q.push_back(&c);
    CHECK(q.size() == 3);
    CHECK(!q.empty());
    CHECK(q.pop_front() == &a);
    q.push_back(&a);  // round robin: the one that ran goes to the back
    CHECK(drain(q) == std::vector<Thread*>{&b, &c, &a});
    CHECK(q.empty());
    CHECK(a.next_in_queue == nullptr);
    // Usable again after draining (the tail was reset).
    q.push_back(&c);
    CHECK(drain(q) == std::vector<Thread*>{&c});
}

TEST_CASE("ThreadQueue: remove from the middle, head and tail") {
    Thread t[5];
    ThreadQueue q;
    for (Thread& x : t) q.push_back(&x);
    CHECK(q.remove(&t[2]));  // middle
    CHECK(q.size() == 4);
    CHECK(q.remove(&t[0]));  // head
    CHECK(q.remove(&t[4]));  // tail
    CHECK(q.size() == 2);
    CHECK(!q.remove(&t[4]));  // not queued any more
    CHECK(q.size() == 2);
    q.push_back(&t[4]);  // the tail pointer moved back correctly
    q.push_back(&t[0]);
    CHECK(drain(q) == std::vector<Thread*>{&t[1], &t[3], &t[4], &t[0]});
    for (Thread& x : t) CHECK(x.next_in_queue == nullptr);

    Thread only;
    q.push_back(&only);
    CHECK(q.remove(&only));
    CHECK(q.empty());
    CHECK(q.pop_front() == nullptr);
    q.push_back(&only);
    CHECK(q.pop_front() == &only);
}

TEST_CASE("ThreadQueue: queueing a thread twice is a broken invariant") {
    Thread a, b;
    ThreadQueue q;
    q.push_back(&a);
    CHECK_THROWS_AS(q.push_back(&a), test::HostPanic);  // the tail again
    q.push_back(&b);
    CHECK_THROWS_AS(q.push_back(&a), test::HostPanic);  // linked in the middle
    CHECK(q.size() == 2);
}

TEST_CASE("ProcessTable: insert, find, remove, count") {
    ProcessTable table;
    Process a, b, c;
    a.pid = 1, b.pid = 2, c.pid = 3;
    table.insert(&a);
    table.insert(&b);
    table.insert(&c);
    CHECK(table.count() == 3);
    CHECK(table.find(2) == &b);
    CHECK(table.find(4) == nullptr);
    table.remove(&b);  // middle
    CHECK(table.find(2) == nullptr);
    CHECK(table.count() == 2);
    size_t walked = 0;
    for (Process* t = table.first(); t; t = t->next_in_table) ++walked;
    CHECK(walked == 2);
    table.remove(table.first());  // head
    table.remove(table.first());
    CHECK(table.count() == 0);
    CHECK(table.first() == nullptr);
}

TEST_CASE("ProcessTable: allocate_pid increases, skips pids in use, and wraps") {
    ProcessTable table;
    Process one, two, five;
    one.pid = 1, two.pid = 2, five.pid = 5;
    table.insert(&one);
    table.insert(&two);
    table.insert(&five);
    CHECK(table.allocate_pid() == 3);
    CHECK(table.allocate_pid() == 4);
    CHECK(table.allocate_pid() == 6);  // 5 is in use
    // Run up to the top: every pid in range, none in use.
    // (Plain comparisons in the loops: four million doctest assertions are slow.)
    int last = 6;
    bool consecutive = true;
    while (last < ProcessTable::kMaxPid) {
        int pid = table.allocate_pid();
        consecutive &= pid == last + 1;
        last = pid;
    }
    CHECK(consecutive);
    // Wrap: 1 and 2 are still in use, 3 is free again.
    CHECK(table.allocate_pid() == 3);
    table.remove(&one);
    CHECK(table.allocate_pid() == 4);
    bool in_range = true;
    for (;;) {  // up to the top again
        int pid = table.allocate_pid();
        in_range &= pid > 0 && pid <= ProcessTable::kMaxPid && pid != 2 && pid != 5;
        if (pid == ProcessTable::kMaxPid || !in_range) break;
    }
    CHECK(in_range);
    CHECK(table.allocate_pid() == 1);  // freed, and reached again after the next wrap
    CHECK(table.allocate_pid() == 3);  // 2 still in use
}

TEST_CASE("exit: a zombie keeps its status; its children go to the reaper") {
    Family f;
    Process* init = f.spawn(nullptr);
    Process* shell = f.spawn(init);
    Process* child = f.spawn(shell);
    Process* grandchild1 = f.spawn(child);
    Process* grandchild2 = f.spawn(child, true);
    Process* other = f.spawn(shell);

    ExitWakes wakes = f.table.mark_exited(child, 42 << 8, init);
    CHECK(wakes.parent == shell);  // its waiters check whether they wait for this child
    CHECK(wakes.reaper == init);   // it inherited a zombie it can reap now
    CHECK(child->zombie);
    CHECK(child->wait_status == (42 << 8));
    CHECK(child->parent == shell);  // still the shell's to reap
    CHECK(grandchild1->parent == init);
    CHECK(grandchild2->parent == init);  // zombies too: init reaps them
    CHECK(other->parent == shell);
    CHECK(f.table.count() == 6);  // a zombie stays in the table until reaped

    // Exiting twice is a broken invariant.
    CHECK_THROWS_AS(f.table.mark_exited(child, 0, init), test::HostPanic);
}

TEST_CASE("exit: the reaper is woken only when it inherits a zombie") {
    Family f;
    Process* init = f.spawn(nullptr);
    Process* shell = f.spawn(init);
    Process* child = f.spawn(shell);
    f.spawn(child);  // a living grandchild
    ExitWakes wakes = f.table.mark_exited(child, 0, init);
    CHECK(wakes.parent == shell);
    CHECK(wakes.reaper == nullptr);  // it inherited only the living
    // A childless process exiting hands over nothing.
    wakes = f.table.mark_exited(f.spawn(shell), 0, init);
    CHECK(wakes.parent == shell);
    CHECK(wakes.reaper == nullptr);
}

TEST_CASE("exit: without a reaper, or when the reaper itself exits, children are orphaned") {
    Family f;
    Process* init = f.spawn(nullptr);
    Process* a = f.spawn(init);
    Process* b = f.spawn(a);
    ExitWakes wakes = f.table.mark_exited(init, 0, init);
    CHECK(wakes.parent == nullptr);  // init has no parent to wake
    CHECK(wakes.reaper == nullptr);
    CHECK(a->parent == nullptr);
    wakes = f.table.mark_exited(a, 0, nullptr);
    CHECK(wakes.parent == nullptr);
    CHECK(b->parent == nullptr);
}

TEST_CASE("exit: an orphan zombie handed to init wakes init, and init can reap it") {
    Family f;
    Process* init = f.spawn(nullptr);
    Process* shell = f.spawn(init);
    Process* daemon = f.spawn(shell);
    f.table.mark_exited(daemon, 9, init);  // the shell never reaps it
    ExitWakes wakes = f.table.mark_exited(shell, 0, init);
    CHECK(wakes.parent == init);
    CHECK(wakes.reaper == init);
    REQUIRE(daemon->parent == init);
    bool has_match = false;
    Process* first =
        f.table.find_zombie_child(init, ChildSelector::from_waitpid(-1, init->pgid), has_match);
    CHECK(has_match);
    CHECK((first == shell || first == daemon));
}

TEST_CASE("waitpid: find_zombie_child with -1 and a specific pid; wait versus ECHILD") {
    Family f;
    Process* init = f.spawn(nullptr);
    Process* shell = f.spawn(init);
    Process* living = f.spawn(shell);
    Process* dead = f.spawn(shell);
    Process* strangers_child = f.spawn(init);
    f.table.mark_exited(strangers_child, 0, init);
    bool has_match = false;

    // Only living children: the caller must wait.
    CHECK(f.table.find_zombie_child(shell, ChildSelector::from_waitpid(-1, shell->pgid),
                                    has_match) == nullptr);
    CHECK(has_match);
    CHECK(f.table.find_zombie_child(shell, ChildSelector::from_waitpid(living->pid, shell->pgid),
                                    has_match) == nullptr);
    CHECK(has_match);

    f.table.mark_exited(dead, 3 << 8, init);
    CHECK(f.table.find_zombie_child(shell, ChildSelector::from_waitpid(-1, shell->pgid),
                                    has_match) == dead);
    CHECK(has_match);
    CHECK(f.table.find_zombie_child(shell, ChildSelector::from_waitpid(dead->pid, shell->pgid),
                                    has_match) == dead);
    CHECK(has_match);
    CHECK(f.table.find_zombie_child(shell, ChildSelector::from_waitpid(living->pid, shell->pgid),
                                    has_match) == nullptr);
    CHECK(has_match);  // living: wait

    // Not a child of the shell (a zombie of init's), or no such pid: ECHILD.
    CHECK(f.table.find_zombie_child(shell,
                                    ChildSelector::from_waitpid(strangers_child->pid, shell->pgid),
                                    has_match) == nullptr);
    CHECK(!has_match);
    CHECK(f.table.find_zombie_child(shell, ChildSelector::from_waitpid(12345, shell->pgid),
                                    has_match) == nullptr);
    CHECK(!has_match);
    // A process with no children at all: ECHILD for -1 too.
    CHECK(f.table.find_zombie_child(living, ChildSelector::from_waitpid(-1, living->pgid),
                                    has_match) == nullptr);
    CHECK(!has_match);

    // Reaping (the kernel removes the zombie) leaves only the living child.
    f.table.remove(dead);
    CHECK(f.table.find_zombie_child(shell, ChildSelector::from_waitpid(-1, shell->pgid),
                                    has_match) == nullptr);
    CHECK(has_match);
    CHECK(f.table.find_zombie_child(shell, ChildSelector::from_waitpid(dead->pid, shell->pgid),
                                    has_match) == nullptr);
    CHECK(!has_match);
}

TEST_CASE("waitpid: process groups select children (0: the caller's group, < -1: group -pid)") {
    Family f;
    Process* init = f.spawn(nullptr);
    Process* shell = f.spawn(init);
    Process* job = f.spawn(shell);
    Process* other = f.spawn(shell);
    shell->pgid = 10;
    job->pgid = 20;
    other->pgid = 10;
    bool has_match = false;
    f.table.mark_exited(job, 0, init);
    CHECK(f.table.find_zombie_child(shell, ChildSelector::from_waitpid(-20, shell->pgid),
                                    has_match) == job);
    CHECK(f.table.find_zombie_child(shell, ChildSelector::from_waitpid(0, shell->pgid),
                                    has_match) == nullptr);
    CHECK(has_match);  // `other` is in the shell's group, alive: wait
    CHECK(f.table.find_zombie_child(shell, ChildSelector::from_waitpid(-30, shell->pgid),
                                    has_match) == nullptr);
    CHECK(!has_match);
    // Group 1 is a group like any other, not "any child".
    ChildSelector group_one{ChildSelector::Kind::kGroup, 1};
    CHECK(f.table.find_zombie_child(shell, group_one, has_match) == nullptr);
    CHECK(!has_match);
}

TEST_CASE("waitpid: stops and continues are reported once each, exits before them") {
    Family f;
    Process* shell = f.spawn(nullptr);
    Process* job = f.spawn(shell);
    Process* other = f.spawn(shell);
    auto any = ChildSelector::from_waitpid(-1, shell->pgid);
    const uint8_t all = wait_event::kExited | wait_event::kStopped | wait_event::kContinued;
    bool has_match = false;
    int status = 0;
    CHECK(f.table.find_waitable_child(shell, any, all, status, has_match) == nullptr);
    CHECK(has_match);
    job->job.stopped = true;
    job->job.stop_signal = 19;
    job->job.report = JobState::Report::kStopped;
    // Without WUNTRACED a stop is not reported.
    CHECK(f.table.find_waitable_child(shell, any, wait_event::kExited, status, has_match) ==
          nullptr);
    CHECK(f.table.find_waitable_child(shell, any, all, status, has_match) == job);
    CHECK(status == ((19 << 8) | 0x7f));
    job->job.report = JobState::Report::kNone;  // reported
    CHECK(f.table.find_waitable_child(shell, any, all, status, has_match) == nullptr);
    // Continued: only WCONTINUED sees it.
    job->job.stopped = false;
    job->job.report = JobState::Report::kContinued;
    CHECK(f.table.find_waitable_child(shell, any, wait_event::kStopped, status, has_match) ==
          nullptr);
    CHECK(f.table.find_waitable_child(shell, any, wait_event::kContinued, status, has_match) ==
          job);
    CHECK(status == kContinuedStatus);
    // A stop report whose process was continued meanwhile is stale.
    job->job.report = JobState::Report::kStopped;
    CHECK(f.table.find_waitable_child(shell, any, wait_event::kStopped, status, has_match) ==
          nullptr);
    // A zombie is reported as an exit, and only to waits for exits.
    f.table.mark_exited(other, 4 << 8, nullptr);
    CHECK(f.table.find_waitable_child(shell, ChildSelector::from_waitpid(other->pid, 0),
                                      wait_event::kStopped, status, has_match) == nullptr);
    CHECK(has_match);
    CHECK(f.table.find_waitable_child(shell, ChildSelector::from_waitpid(other->pid, 0), all,
                                      status, has_match) == other);
    CHECK(status == (4 << 8));
}
