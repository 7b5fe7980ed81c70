#include "proc/signal_hooks.h"

#include "proc/scheduler.h"

namespace nyanos::proc {

namespace {
constexpr int kSigpipe = 13;
}

void raise_sigpipe_for_current() {
    // Signal delivery replaces this: a handler or SIG_IGN would let the
    // program see EPIPE and go on.
    request_kill(current_process(), kSigpipe, "SIGPIPE: write to a pipe with no reader");
}

}  // namespace nyanos::proc
