// The per-process settings prctl(2) reads and changes, and the rules by
// which fork, execve and a change of IDs reset them (Linux 6.1's): the
// parent-death signal, the dumpable flag, keep-capabilities and
// no-new-privileges. Portable and host-tested; a process keeps one in its
// ProcessResources, under g_resources_lock, in two bytes (a Process fills
// its heap slot to the byte).
//
// Linux keeps the parent-death signal and the name per thread; NyanOS
// keeps them per process (a process's threads share one).
#pragma once

#include <stdint.h>

#include "lib/credentials.h"

namespace nyanos::proc {

struct ProcessControls {
    // Sent to the process when its parent ends (0: none; at most 64).
    uint8_t parent_death_signal : 7 = 0;
    // Whether it may dump core and be traced by its owner (Linux's
    // SUID_DUMP_USER 1 or SUID_DUMP_DISABLE 0).
    uint8_t dumpable : 1 = 1;
    bool keep_capabilities : 1 = false;
    // Set once, never cleared, inherited by every descendant.
    bool no_new_privileges : 1 = false;

    // A fork child's: the parent's, but no parent-death signal.
    ProcessControls for_child() const {
        ProcessControls child = *this;
        child.parent_death_signal = 0;
        return child;
    }

    // execve of a program (NyanOS has no set-ID programs): the process is
    // dumpable again and keep-capabilities is cleared.
    void on_exec() {
        dumpable = 1;
        keep_capabilities = false;
    }

    // After the IDs changed from `before` to `after`: a change of the
    // effective or filesystem user or group ID clears the parent-death
    // signal and makes the process not dumpable (Linux's commit_creds, with
    // the default fs.suid_dumpable of 0).
    void on_credentials_change(const creds::Credentials& before, const creds::Credentials& after) {
        if (before.uid.effective == after.uid.effective && before.uid.fs == after.uid.fs &&
            before.gid.effective == after.gid.effective && before.gid.fs == after.gid.fs)
            return;
        parent_death_signal = 0;
        dumpable = 0;
    }
};
static_assert(sizeof(ProcessControls) == 2);

}  // namespace nyanos::proc
