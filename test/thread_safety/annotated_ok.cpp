// Correctly locked code: `make thread-safety` compiles this with clang
// (-Wthread-safety -Werror) and with g++ under the kernel's flags, and both
// must accept it. Under clang it exercises every annotation in
// kernel/sync/thread_annotations.h; under g++ it shows they vanish.
#include "lock_model.h"

namespace nyanos::test {

void Counter::bump() {
    ModelGuard guard(lock);
    bump_locked();
    if (slot) *slot = value;
}

int read_with_try_lock(Counter& c) {
    if (!c.lock.try_lock()) return -1;
    int v = c.value;
    c.lock.unlock();
    return v;
}

int read_asserted(Counter& c) {
    c.lock.assert_held();
    return c.value;
}

void bump_through_accessor(Counter& c) {
    c.get_lock().lock();
    c.bump_locked();
    c.get_lock().unlock();
}

// Needed where the locking is correct but invisible to clang; here it only
// shows that the macro compiles.
int read_unchecked(Counter& c) NO_THREAD_SAFETY_ANALYSIS {
    return c.value;
}

}  // namespace nyanos::test
