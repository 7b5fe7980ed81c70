// The scheduler lock: one lock over the run queue, every wait queue, the
// deadline list and the state of every thread. Taken with interrupts off
// (the timer and the console's input hook take it), and held across a
// context switch: the thread that switches takes it, the thread switched to
// releases it, so no CPU can pick a thread whose registers are still being
// saved elsewhere. Its place in the lock order is in docs/locking.md.
#pragma once

#include "sync/spinlock.h"

namespace nyanos::proc {

extern sync::SpinLock g_scheduler_lock;

}  // namespace nyanos::proc
