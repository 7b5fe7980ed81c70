// On the host, nyanos::panic throws HostPanic so a test can check that a
// broken invariant (a double free, say) is detected: CHECK_THROWS_AS(...,
// nyanos::test::HostPanic).
#pragma once

#include <stdexcept>
#include <string>

namespace nyanos::test {

struct HostPanic : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace nyanos::test
