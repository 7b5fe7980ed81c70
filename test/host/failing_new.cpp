#include "failing_new.h"

#include <new>

namespace {

size_t g_calls = 0;
size_t g_countdown = 0;  // 0: disarmed
bool g_and_after = false;
bool g_failing = false;
bool g_triggered = false;

bool should_fail() {
    __atomic_add_fetch(&g_calls, 1, __ATOMIC_RELAXED);
    if (g_failing) return true;
    if (g_countdown && --g_countdown == 0) {
        g_triggered = true;
        g_failing = g_and_after;
        return true;
    }
    return false;
}

}  // namespace

void* operator new(size_t size, const std::nothrow_t&) noexcept {
    if (should_fail()) return nullptr;
    try {
        return ::operator new(size);
    } catch (...) {
        return nullptr;
    }
}

void* operator new[](size_t size, const std::nothrow_t&) noexcept {
    if (should_fail()) return nullptr;
    try {
        return ::operator new[](size);
    } catch (...) {
        return nullptr;
    }
}

namespace nyanos::test {

size_t nothrow_new_calls() {
    return __atomic_load_n(&g_calls, __ATOMIC_RELAXED);
}

FailNothrowNew::FailNothrowNew(size_t nth, bool and_after) {
    g_countdown = nth;
    g_and_after = and_after;
    g_failing = false;
    g_triggered = false;
}

FailNothrowNew::~FailNothrowNew() {
    g_countdown = 0;
    g_and_after = false;
    g_failing = false;
}

bool FailNothrowNew::triggered() const {
    return g_triggered;
}

}  // namespace nyanos::test
