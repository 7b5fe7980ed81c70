// The process-wide settings prctl changes that live in the process table
// (the name, the child-subreaper flag), read and written under its lock so
// that /proc and ps never see half a name.
#include "lib/format.h"
#include "proc/lifecycle.h"
#include "proc/lifecycle_shared.h"
#include "proc/scheduler.h"

namespace nyanos::proc {

void set_current_name(const char (&name)[kCommLength]) {
    Process* p = current_process();
    sync::NoInterruptsGuard lock(g_table_lock);
    format(p->name, kCommLength, "%s", name);
}

void current_name(char (&out)[kCommLength]) {
    Process* p = current_process();
    for (char& c : out) c = 0;
    sync::NoInterruptsGuard lock(g_table_lock);
    for (size_t i = 0; i + 1 < kCommLength && p->name[i]; ++i) out[i] = p->name[i];
}

void set_child_subreaper(bool on) {
    Process* p = current_process();
    sync::NoInterruptsGuard lock(g_table_lock);
    p->child_subreaper = on;
}

bool child_subreaper() {
    Process* p = current_process();
    sync::NoInterruptsGuard lock(g_table_lock);
    return p->child_subreaper;
}

}  // namespace nyanos::proc
