#include "proc/signal_hooks.h"

#include "proc/scheduler.h"
#include "proc/signal_delivery.h"

namespace nyanos::proc {

void raise_sigpipe_for_current() {
    // Linux's pipe_write: send_sig(SIGPIPE, current, 0), an SI_USER signal
    // from the writer itself, to the writing thread. Its default action
    // ends the process; a handler or SIG_IGN lets it see EPIPE.
    Process* self = current_process();
    (void)send_signal(self, kSigPipe, PendingInfo{kSiUser, self->pid, 0, 0, 0}, current_thread());
}

void raise_sigxfsz_for_current() {
    // Linux's generic_write_check_limits: send_sig(SIGXFSZ, current, 0),
    // as for SIGPIPE above.
    Process* self = current_process();
    (void)send_signal(self, kSigXfsz, PendingInfo{kSiUser, self->pid, 0, 0, 0}, current_thread());
}

}  // namespace nyanos::proc
