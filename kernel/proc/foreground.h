// The console's foreground: the process Ctrl-C ends, and who may change it
// (a tcsetpgrp without sessions or process groups). Portable; not
// synchronised (the process layer holds its lock).
//
// The foreground has a target (the process Ctrl-C ends, or none: 0x03 then
// reaches readers as a byte) and an owner (the process that set it). A
// process controls the console if it is init, or the target or the owner,
// or an ancestor of either. Only such a process may set the foreground, and
// only to none, itself or one of its descendants, never to init: Ctrl-C
// never ends init. So the shell (init) hands the console to the program it
// runs, that program may hand it on to its own children or clear it, and a
// background job or an unrelated process can neither take it nor point
// Ctrl-C at anyone else. The process layer also asks it who may power off or
// reboot.
//
// When the target exits, Ctrl-C has no target; when the owner exits, its
// parent becomes the owner (the console returns to the process it was
// borrowed from, as a shell regains the terminal), which already controlled
// the console as the owner's ancestor.
#pragma once

#include "nyanos/lib/result.h"
#include "proc/process.h"

namespace nyanos::proc {

class ConsoleForeground {
public:
    // The process Ctrl-C ends, or nullptr. Never init.
    Process* target() const { return m_target; }
    Process* owner() const { return m_owner; }

    // Whether `caller` controls the console (see above). `init` may be
    // nullptr (no init yet).
    bool controls(const Process& caller, const Process* init) const;

    // Makes `target` (nullptr = none) the foreground, set by `caller`, who
    // becomes its owner. EPERM unless `caller` controls the console and
    // `target` is nullptr, `caller` or a descendant of it, and not init.
    // The caller has checked that `target` is a live process.
    Result<void> set(Process& caller, Process* target, const Process* init);

    // `process` is exiting (its parent link still valid): it stops being the
    // target, and its parent becomes the owner in its place.
    void forget(const Process& process);

private:
    Process* m_target = nullptr;
    Process* m_owner = nullptr;
};

}  // namespace nyanos::proc
