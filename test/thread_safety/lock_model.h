// A minimal annotated lock and guard for the thread-safety check's own tests
// (test/thread_safety/*.cpp). It does not lock anything: the tests are only
// compiled, to show that the annotations in kernel/sync/thread_annotations.h
// reach clang's analysis and expand to nothing under g++.
#pragma once

#include "sync/thread_annotations.h"

namespace nyanos::test {

class CAPABILITY("spinlock") ModelLock {
public:
    void lock() ACQUIRE() {}
    void unlock() RELEASE() {}
    bool try_lock() TRY_ACQUIRE(true) { return true; }
    void assert_held() const ASSERT_CAPABILITY(this) {}
};

class SCOPED_CAPABILITY ModelGuard {
public:
    explicit ModelGuard(ModelLock& lock) ACQUIRE(lock) : m_lock(lock) { m_lock.lock(); }
    ~ModelGuard() RELEASE() { m_lock.unlock(); }
    ModelGuard(const ModelGuard&) = delete;
    ModelGuard& operator=(const ModelGuard&) = delete;

private:
    ModelLock& m_lock;
};

struct Counter {
    ModelLock lock;
    int value GUARDED_BY(lock) = 0;
    int* slot PT_GUARDED_BY(lock) = nullptr;

    ModelLock& get_lock() RETURN_CAPABILITY(lock) { return lock; }
    void bump_locked() REQUIRES(lock) { ++value; }
    void bump() EXCLUDES(lock);
};

}  // namespace nyanos::test
