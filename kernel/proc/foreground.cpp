#include "proc/foreground.h"

namespace nyanos::proc {

namespace {

// Whether `ancestor` is `task` or one of its ancestors. Parent links never
// form a cycle (a parent is older than its children, and orphans go to
// init), so the walk ends.
bool is_self_or_ancestor(const Process& ancestor, const Process* task) {
    for (const Process* t = task; t; t = t->parent)
        if (t == &ancestor) return true;
    return false;
}

}  // namespace

bool ConsoleForeground::controls(const Process& caller, const Process* init) const {
    return &caller == init || is_self_or_ancestor(caller, m_target) ||
           is_self_or_ancestor(caller, m_owner);
}

Result<void> ConsoleForeground::set(Process& caller, Process* target, const Process* init) {
    if (!controls(caller, init)) return Error::kPermission;
    if (target && (target == init || !is_self_or_ancestor(caller, target)))
        return Error::kPermission;
    m_target = target;
    m_owner = &caller;
    return {};
}

void ConsoleForeground::forget(const Process& process) {
    if (m_target == &process) m_target = nullptr;
    if (m_owner == &process) m_owner = process.parent;
}

}  // namespace nyanos::proc
