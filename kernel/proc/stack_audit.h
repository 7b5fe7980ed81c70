// The kernel-stack high-water audit (cmdline `kstack_audit`): a new task's
// kernel stack is painted with a pattern; when the task is freed (or at
// power-off, for the tasks still alive) the lowest byte that no longer holds
// the pattern tells how deep the stack ever went. Used to check that a
// thread's kernel stack (proc/thread.h: kernel_stack_pages_for; one record
// per stack size) has room for the
// deepest paths (exec with long arguments, a fault inside a user copy, a
// timer IRQ on top of a system call, the kill and fault reports).
//
// Portable and host-tested. The measure can only under-report by the bytes
// that happened to be written with the pattern value itself at the very
// bottom of the used part: the pattern is chosen to be unlikely there
// (neither 0, nor 0xff, nor a canonical address byte).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos::proc {

inline constexpr uint8_t kStackPaint = 0xa5;

inline void paint_stack(uint8_t* lowest, size_t bytes) {
    for (size_t i = 0; i < bytes; ++i) lowest[i] = kStackPaint;
}

// How many bytes of [lowest, lowest + bytes) were ever written, counted
// from the top (the stack grows down): bytes minus the untouched run at the
// bottom.
inline size_t stack_bytes_used(const uint8_t* lowest, size_t bytes) {
    size_t untouched = 0;
    while (untouched < bytes && lowest[untouched] == kStackPaint) ++untouched;
    return bytes - untouched;
}

}  // namespace nyanos::proc

#ifndef NYANOS_HOST
namespace nyanos::proc {

struct Thread;

// The kernel's audit, on when the command line says `kstack_audit`.
void init_stack_audit();
// Paints a new thread's kernel stack (when the audit is on).
void prepare_stack_audit(const Thread& thread);
// Records how deep a thread's kernel stack went; call before freeing it.
void audit_stack(const Thread& thread);
// Audits the threads still alive and prints a `kstack_audit:` line per
// stack size in use.
void report_stack_audit();

}  // namespace nyanos::proc
#endif
