// The kernel-stack high-water audit (cmdline `kstack_audit`): see stack_audit.h.
#include "proc/stack_audit.h"

#include <string.h>

#include "boot_info.h"
#include "lib/console.h"
#include "lib/format.h"
#include "proc/lifecycle.h"

namespace nyanos::proc {

namespace {

// Threads are audited as they are freed, on any CPU at once: the record
// has a lock of its own (a leaf; interrupts off while held). `enabled` is
// written once at boot.
sync::SpinLock g_audit_lock;
struct StackAudit {
    bool enabled = false;
    size_t high_water GUARDED_BY(g_audit_lock) = 0;  // bytes, the deepest audited so far
    char deepest[kProcessNameMax] GUARDED_BY(g_audit_lock) = {};
    uint64_t threads GUARDED_BY(g_audit_lock) = 0;
};
StackAudit g_audit;

// The part of t's kernel stack below its initial RSP: [lowest, rsp0).
struct StackSpan {
    uint8_t* lowest;
    size_t bytes;
};
StackSpan stack_span(const Thread& t) {
    uint64_t lowest = t.kernel_stack_top - kKernelStackPages * paging::kPageSize;
    return {reinterpret_cast<uint8_t*>(lowest), size_t(t.stack_rsp0() - lowest)};
}

}  // namespace

void init_stack_audit() {
    g_audit.enabled = cmdline_has("kstack_audit");
    if (g_audit.enabled) kprintf("kstack_audit: on\n");
}

void prepare_stack_audit(const Thread& t) {
    if (!g_audit.enabled) return;
    StackSpan span = stack_span(t);
    paint_stack(span.lowest, span.bytes);
}

void audit_stack(const Thread& t) {
    if (!g_audit.enabled || !t.kernel_stack_top) return;
    StackSpan span = stack_span(t);
    size_t used = stack_bytes_used(span.lowest, span.bytes);
    sync::NoInterruptsGuard lock(g_audit_lock);
    ++g_audit.threads;
    if (used <= g_audit.high_water) return;
    g_audit.high_water = used;
    format(g_audit.deepest, sizeof(g_audit.deepest), "%s", t.process ? t.process->name : "idle");
}

void report_stack_audit() {
    if (!g_audit.enabled) return;
    // Under the table lock (for_each_process): each thread list is still.
    for_each_process([](const Process& p) {
        for (const Thread* t = p.thread; t; t = t->next_in_process) audit_stack(*t);
    });
    size_t high_water;
    uint64_t threads;
    char deepest[kProcessNameMax];
    {
        sync::NoInterruptsGuard lock(g_audit_lock);
        high_water = g_audit.high_water;
        threads = g_audit.threads;
        memcpy(deepest, g_audit.deepest, sizeof(deepest));
    }
    kprintf("kstack_audit: high-water %lu of %lu bytes (deepest: %s), %lu tasks audited\n",
            high_water, kKernelStackPages * paging::kPageSize, deepest, threads);
}

}  // namespace nyanos::proc
