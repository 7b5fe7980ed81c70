// Signals the file layer raises (delivery: proc/signal_delivery.h).
#pragma once

namespace nyanos::proc {

// Linux raises SIGPIPE in a process that writes to a pipe no one can read
// (the write fails with EPIPE as well). Only the Linux personality's
// calls raise it; NyanOS programs get EPIPE alone.
void raise_sigpipe_for_current();
// Linux raises SIGXFSZ in a process whose write starts at or past its
// RLIMIT_FSIZE (the write fails with EFBIG as well).
void raise_sigxfsz_for_current();

}  // namespace nyanos::proc
