#include "fs/timer_expiry.h"

namespace nyanos::fs {

TimerExpiry timer_expire(uint64_t due, uint64_t interval, uint64_t now) {
    TimerExpiry r;
    if (now < due) {
        r.next = due;
        return r;
    }
    if (interval == 0) {
        r.count = 1;
        return r;
    }
    uint64_t periods = (now - due) / interval + 1;  // due itself, then every interval up to now
    r.count = periods;
    // The next deadline, past now: due + periods * interval, saturating.
    if (periods > (kTimeMaxNs - due) / interval) {
        r.next = kTimeMaxNs;
    } else {
        r.next = due + periods * interval;
    }
    return r;
}

}  // namespace nyanos::fs
