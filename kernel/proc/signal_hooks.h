// Signals the file layer raises before signal delivery exists. Signal
// delivery (handlers, SIG_IGN, masks; another branch) replaces these
// bodies; until then the default action of each signal applies.
#pragma once

namespace nyanos::proc {

// Linux raises SIGPIPE in a process that writes to a pipe no one can read
// (and the write fails with EPIPE). Default action: the process is killed,
// at the end of the current system call; its waiter sees signal 13.
void raise_sigpipe_for_current();

}  // namespace nyanos::proc
