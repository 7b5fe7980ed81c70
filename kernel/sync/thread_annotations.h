// Lock annotations for clang's thread-safety analysis (-Wthread-safety).
//
// They say, in the type system, which lock guards which data and which
// functions need, take or drop which lock; `make thread-safety` compiles the
// kernel with clang to check them. The kernel itself is built with g++, which
// does not know these attributes (and would reject them under -Werror), so
// there every macro expands to nothing and costs nothing.
//
// A lock type is marked CAPABILITY("spinlock") and its lock()/unlock()
// ACQUIRE()/RELEASE(); an RAII guard type is SCOPED_CAPABILITY, ACQUIRE(lock)
// on its constructor and RELEASE() on its destructor. Shared data is then
// GUARDED_BY(lock), and functions that expect the lock held say REQUIRES(lock)
// (and by convention carry a `_locked` suffix). The rules for using them, and
// the lock order, are in docs/locking.md.
#pragma once

#if defined(__clang__)
#define NYANOS_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define NYANOS_THREAD_ANNOTATION(x)
#endif

// The type is a lock (a "capability"); `name` appears in diagnostics.
#define CAPABILITY(name) NYANOS_THREAD_ANNOTATION(capability(name))
// The type holds a lock for its lifetime (an RAII guard).
#define SCOPED_CAPABILITY NYANOS_THREAD_ANNOTATION(scoped_lockable)

// Reading or writing this member or variable requires holding `lock`.
#define GUARDED_BY(lock) NYANOS_THREAD_ANNOTATION(guarded_by(lock))
// Reading or writing what this pointer points to requires holding `lock`
// (the pointer itself is not guarded).
#define PT_GUARDED_BY(lock) NYANOS_THREAD_ANNOTATION(pt_guarded_by(lock))

// The caller must hold these locks, and still holds them on return.
#define REQUIRES(...) NYANOS_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
// The function takes these locks (on a lock type's method with no argument:
// `this`) and returns holding them.
#define ACQUIRE(...) NYANOS_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
// The function drops these locks, which the caller held.
#define RELEASE(...) NYANOS_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
// TRY_ACQUIRE(success, locks...): the function takes the locks (no lock
// named: `this`) only when it returns `success` (true or false).
#define TRY_ACQUIRE(...) NYANOS_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
// The caller must not hold these locks (the function takes them itself).
#define EXCLUDES(...) NYANOS_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
// The function returns a reference to `lock` (an accessor for a private lock).
#define RETURN_CAPABILITY(lock) NYANOS_THREAD_ANNOTATION(lock_returned(lock))
// The function checks at run time that `lock` is held (and panics if not);
// after the call the analysis treats it as held.
#define ASSERT_CAPABILITY(lock) NYANOS_THREAD_ANNOTATION(assert_capability(lock))

// Turns the analysis off for one function. Every use needs a comment saying
// why the locking there is correct although clang cannot see it.
#define NO_THREAD_SAFETY_ANALYSIS NYANOS_THREAD_ANNOTATION(no_thread_safety_analysis)
