// Checks that a call trips a broken-invariant panic with a given message
// (on the host, nyanos::panic throws HostPanic).
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "host_panic.h"

namespace nyanos::test {

// Runs f, which must panic with a message containing `needle`.
template <typename F>
void check_panics_with(F&& f, const std::string& needle) {
    try {
        f();
        FAIL("expected a panic mentioning: " << needle);
    } catch (const HostPanic& e) {
        INFO("panic message: " << e.what());
        CHECK(std::string(e.what()).find(needle) != std::string::npos);
    }
}

}  // namespace nyanos::test
