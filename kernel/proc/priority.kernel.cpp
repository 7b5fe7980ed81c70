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

Result<void> set_io_priority(PriorityTarget which, int who, uint16_t value) {
    const creds::Credentials caller = current_process()->resources.credentials();
    const bool privileged = creds::privileged(caller);
    sync::NoInterruptsGuard lock(g_table_lock);
    Result<void> result;
    int found = for_each_selected_locked(which, who, [&](Process& p) REQUIRES(g_table_lock) {
        if (!result.ok()) return;  // Linux stops at the first refusal
        const uint32_t owner = p.resources.credentials().uid.real;
        if (owner != caller.uid.effective && owner != caller.uid.real && !privileged) {
            result = Error::kPermission;
            return;
        }
        result = p.resources.set_ioprio(value);
    });
    if (!found) return Error::kNoProcess;
    return result;
}

Result<int32_t> best_io_priority(PriorityTarget which, int who) {
    // A value of class NONE (the top three bits clear) counts as
    // best-effort level 4 against another.
    auto valid = [](int32_t v) { return v >> 13 ? v : (2 << 13) | 4; };
    sync::NoInterruptsGuard lock(g_table_lock);
    int32_t best = 0;
    bool any = false;
    int found = for_each_selected_locked(which, who, [&](Process& p) REQUIRES(g_table_lock) {
        int32_t value = p.resources.ioprio();
        if (any) {
            int32_t a = valid(best), b = valid(value);
            value = a < b ? a : b;
        }
        best = value;
        any = true;
    });
    if (!found) return Error::kNoProcess;
    return best;
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
