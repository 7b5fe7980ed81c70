// setpriority and getpriority over the process table: which processes a
// (which, who) pair selects, and the nice values they hold.
#include "lib/resource_limits.h"
#include "proc/lifecycle.h"
#include "proc/lifecycle_shared.h"
#include "proc/scheduler.h"

namespace nyanos::proc {

namespace {

// Calls fn(Process&) for each process `which` and `who` select (zombies
// too, as Linux's, until they are reaped); returns how many. `who` 0: the
// caller's own process, group, or real user ID.
template <typename Fn>
int for_each_selected_locked(PriorityTarget which, int who, Fn&& fn) REQUIRES(g_table_lock) {
    Process* self = current_process();
    if (which == PriorityTarget::kProcess) {
        Process* p = self;
        if (who != 0) {
            p = g_table.find(who);
            if (!p) {
                Thread* t = who > 0 ? g_table.find_thread(who) : nullptr;
                p = t ? t->process : nullptr;
            }
        }
        if (!p) return 0;
        fn(*p);
        return 1;
    }
    const uint32_t uid = who ? uint32_t(who) : self->resources.credentials().uid.real;
    const int pgid = who ? who : self->pgid;
    if (which == PriorityTarget::kGroup && pgid <= 0) return 0;
    int count = 0;
    for (Process* p = g_table.first(); p; p = p->next_in_table) {
        bool selected = which == PriorityTarget::kGroup
                            ? p->pgid == pgid
                            : p->resources.credentials().uid.real == uid;
        if (!selected) continue;
        fn(*p);
        ++count;
    }
    return count;
}

}  // namespace

Result<void> set_nice(PriorityTarget which, int who, int nice) {
    const creds::Credentials caller = current_process()->resources.credentials();
    sync::NoInterruptsGuard lock(g_table_lock);
    // Linux's set_one_prio: the targets that allow it change, and the
    // last refusal, if any, is the result.
    bool refused = false;
    Error refusal = Error::kPermission;
    int found = for_each_selected_locked(which, who, [&](Process& p) REQUIRES(g_table_lock) {
        const uint64_t limit = p.resources.limit(rlimit::kNice).soft;
        auto allowed = check_set_nice(caller, p.resources.credentials(), p.nice, nice, limit);
        if (!allowed.ok()) {
            refused = true;
            refusal = allowed.error();
            return;
        }
        p.nice = int8_t(nice);
    });
    if (refused) return refusal;
    if (!found) return Error::kNoProcess;
    return {};
}

Result<int> highest_priority(PriorityTarget which, int who) {
    sync::NoInterruptsGuard lock(g_table_lock);
    int highest = 0;
    int found = for_each_selected_locked(which, who, [&](Process& p) REQUIRES(g_table_lock) {
        int priority = nice_to_priority(p.nice);
        if (priority > highest) highest = priority;
    });
    if (!found) return Error::kNoProcess;
    return highest;
}

}  // namespace nyanos::proc
