// A countdown for `new (std::nothrow)`: the kernel's only allocation form
// (no exceptions), so failing it on demand reaches every ENOMEM path of
// code that allocates with it (descriptor tables, descriptions, pipes).
// failing_new.cpp replaces the global nothrow operators; they count every
// call and fail the armed one, and otherwise allocate as usual (through the
// throwing operators, so ASan still pairs them with delete).
#pragma once

#include <stddef.h>

namespace nyanos::test {

// `new (std::nothrow)` calls (plain and array) since the program started.
size_t nothrow_new_calls();

// While alive, the `nth` nothrow new from now on (1-based) returns nullptr
// (and with `and_after`, every one after it too).
class FailNothrowNew {
public:
    explicit FailNothrowNew(size_t nth, bool and_after = false);
    ~FailNothrowNew();
    FailNothrowNew(const FailNothrowNew&) = delete;
    FailNothrowNew& operator=(const FailNothrowNew&) = delete;
    // Whether the armed allocation was reached (and failed).
    bool triggered() const;
};

}  // namespace nyanos::test
