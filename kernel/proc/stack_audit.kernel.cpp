// The kernel-stack high-water audit (cmdline `kstack_audit`): see stack_audit.h.
#include "proc/stack_audit.h"

#include <string.h>

#include "boot_info.h"
#include "lib/console.h"
#include "lib/format.h"
#include "mm/vmm.h"
#include "proc/lifecycle.h"
#include "proc/thread.h"

namespace nyanos::proc {

namespace {

// Threads are audited as they are freed, on any CPU at once: the record
// has a lock of its own (a leaf; interrupts off while held). `enabled` is
// written once at boot. One record per stack size (thread.h: a NyanOS
// thread's one page, a Linux thread's two), each size's paths measured
// against its own room.
constexpr size_t kAuditedSizes = kLinuxKernelStackPages;
static_assert(kNyanOSKernelStackPages <= kAuditedSizes);
sync::SpinLock g_audit_lock;
struct StackRecord {
    size_t high_water = 0;  // bytes, the deepest audited so far
    char deepest[kProcessNameMax] = {};
    uint64_t threads = 0;
};
struct StackAudit {
    bool enabled = false;
    StackRecord by_pages[kAuditedSizes] GUARDED_BY(g_audit_lock);
};
StackAudit g_audit;

// The part of t's kernel stack below its initial RSP: [lowest, rsp0), and
// its size in pages (0 for a thread without a stack of its own).
struct StackSpan {
    uint8_t* lowest;
    size_t bytes;
    size_t pages;
};
StackSpan stack_span(const Thread& t) {
    size_t pages = t.kernel_stack_top ? mm::kernel_stack_pages(t.kernel_stack_top) : 0;
    VERIFY(pages <= kAuditedSizes);
    uint64_t lowest = t.kernel_stack_top - pages * paging::kPageSize;
    return {reinterpret_cast<uint8_t*>(lowest), size_t(t.stack_rsp0() - lowest), pages};
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
    StackRecord& record = g_audit.by_pages[span.pages - 1];
    ++record.threads;
    if (used <= record.high_water) return;
    record.high_water = used;
    format(record.deepest, sizeof(record.deepest), "%s", t.process ? t.process->name : "idle");
}

void report_stack_audit() {
    if (!g_audit.enabled) return;
    // Under the table lock (for_each_process): each thread list is still.
    for_each_process([](const Process& p) {
        for (const Thread* t = p.thread; t; t = t->next_in_process) audit_stack(*t);
    });
    StackRecord records[kAuditedSizes];
    {
        sync::NoInterruptsGuard lock(g_audit_lock);
        for (size_t i = 0; i < kAuditedSizes; ++i) records[i] = g_audit.by_pages[i];
    }
    // One line per stack size in use, the smallest first.
    for (size_t i = 0; i < kAuditedSizes; ++i) {
        if (!records[i].threads) continue;
        kprintf("kstack_audit: high-water %lu of %lu bytes (deepest: %s), %lu tasks audited\n",
                records[i].high_water, (i + 1) * paging::kPageSize, records[i].deepest,
                records[i].threads);
    }
}

}  // namespace nyanos::proc
