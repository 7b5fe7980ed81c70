// Shared by the libFuzzer targets in test/fuzz/: a check that reports and
// aborts (libFuzzer then saves the input as a crash artifact), and a guard
// that turns a nyanos::panic (a HostPanic on the host) into a crash.
//
// A parser must answer malformed input with an error value; a panic means a
// broken invariant was reachable from input, which is a bug even when it is
// "caught".
#pragma once

#include <stdio.h>
#include <stdlib.h>

#include "host_panic.h"

#define FUZZ_CHECK(cond, ...)                                                               \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                                   \
            fprintf(stderr, "\n");                                                          \
            abort();                                                                        \
        }                                                                                   \
    } while (0)

namespace nyanos::fuzz {

// Runs fn(); a HostPanic escaping it aborts with the panic's message.
template <typename Fn>
void no_panic(const char* what, Fn&& fn) {
    try {
        fn();
    } catch (const test::HostPanic& e) {
        fprintf(stderr, "%s panicked on fuzz input: %s\n", what, e.what());
        abort();
    }
}

}  // namespace nyanos::fuzz
