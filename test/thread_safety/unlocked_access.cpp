// Incorrectly locked code: `make thread-safety` compiles this with clang's
// -verify, which passes only if clang reports exactly the diagnostics marked
// `expected-error` / `expected-note` below, on those lines. If the
// annotations stopped reaching the analysis, the check over the kernel would
// prove nothing; this file makes that a failure.
#include "lock_model.h"

namespace nyanos::test {

void write_unlocked(Counter& c) {
    c.value = 1;  // expected-error {{writing variable 'value' requires holding spinlock 'c.lock'}}
}

void write_through_unlocked(Counter& c) {
    *c.slot = 1;  // expected-error {{writing the value pointed to by 'slot' requires holding}}
}

void call_unlocked(Counter& c) {
    c.bump_locked();  // expected-error {{calling function 'bump_locked' requires holding}}
}

void call_excluded_while_held(Counter& c) {
    ModelGuard guard(c.lock);
    c.bump();  // expected-error {{cannot call function 'bump' while spinlock 'c.lock' is held}}
}

void return_holding(Counter& c) {
    c.lock.lock();  // expected-note {{acquired here}}
}  // expected-error {{'c.lock' is still held at the end of function}}

}  // namespace nyanos::test
