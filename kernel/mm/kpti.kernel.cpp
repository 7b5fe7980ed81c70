#include "mm/kpti.h"

#include "arch/x86_64/entry_data.h"
#include "arch/x86_64/kpti.h"
#include "boot_info.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "mm/user_root_template.h"
#include "mm/vmm.h"
#include "nyanos/lib/result.h"

namespace nyanos::mm {

namespace {

// The template's tables: kernel page-table frames, never freed (every user
// root points at them), and never loaded into CR3 themselves (the template
// is copied, not run), so changing them needs no TLB invalidation.
struct TemplateEnv {
    Result<PhysAddr> allocate_table() {
        return physical_memory().allocate_zeroed_frame(FrameUse::kPageTable);
    }
    void free_table(PhysAddr table) { physical_memory().free_frame(table, FrameUse::kPageTable); }
    void* phys_to_virt(PhysAddr phys) { return nyanos::phys_to_virt(phys); }
    void invalidate(VirtAddr) {}
};

TemplateEnv g_env;
// Written on the boot CPU before the other CPUs start (init_kpti) and while
// they are started one by one (kpti_add_cpu_stacks); read-only once the
// first user root copied it (g_copied).
PhysAddr g_template = 0;
bool g_copied = false;

void alias(const void* start, uint64_t bytes, PageFlags flags, const char* what) {
    VERIFY(!__atomic_load_n(&g_copied, __ATOMIC_RELAXED));
    sync::Guard lock(g_kernel_vmm_lock);
    paging::PageTable<TemplateEnv> templ(g_env, g_template);
    KernelPageTable kernel = kernel_page_table();
    auto mapped =
        alias_into_template(templ, kernel, reinterpret_cast<VirtAddr>(start), bytes, flags);
    if (!mapped.ok())
        panic("kpti: %s cannot go into the user-root template (%s)", what,
              error_name(mapped.error()));
}

// Calls fn(va, phys) for every 4 KiB leaf under the template's kernel half.
template <typename Fn>
void for_each_template_page(PhysAddr table, int level, uint64_t base, Fn&& fn) {
    const auto* entries = nyanos::phys_to_virt<const paging::PageTableEntry>(table);
    unsigned first = level == 4 ? paging::kFirstKernelPml4Index : 0;
    for (unsigned i = first; i < paging::kEntriesPerTable; ++i) {
        if (!entries[i].present()) continue;
        uint64_t va = base + (uint64_t(i) << (12 + 9 * (level - 1)));
        if (level == 4) va |= 0xffff000000000000ull;
        if (level == 1)
            fn(va, entries[i]);
        else
            for_each_template_page(entries[i].address(), level - 1, va, fn);
    }
}

}  // namespace

void init_kpti() {
    auto root = physical_memory().allocate_zeroed_frame(FrameUse::kPageTable);
    if (!root.ok()) panic("kpti: no frame for the user-root template");
    g_template = root.value();
    alias(__entry_text_start, uint64_t(__entry_text_end - __entry_text_start),
          PageFlags{.executable = true}, "the entry text");
    alias(__entry_data_start, uint64_t(__entry_data_end - __entry_data_start),
          PageFlags{.writable = true}, "the entry data");
    arch::enable_kpti();
    kprintf("kpti: on: user roots map the entry text (%lu KiB) and data (%lu KiB)\n",
            uint64_t(__entry_text_end - __entry_text_start) / 1024,
            uint64_t(__entry_data_end - __entry_data_start) / 1024);
}

PhysAddr user_root_template() {
    if (!g_template) return 0;
    __atomic_store_n(&g_copied, true, __ATOMIC_RELAXED);
    return g_template;
}

void kpti_add_cpu_stacks(const void* stacks, size_t bytes) {
    if (!g_template) return;
    alias(stacks, bytes, PageFlags{.writable = true}, "a CPU's TSS stacks");
}

void report_user_root_template() {
    if (!g_template) return;
    // Runs of pages contiguous in virtual addresses, one line each.
    uint64_t run_start = 0, run_end = 0, pages = 0;
    bool run_executable = false, run_writable = false;
    auto flush = [&] {
        if (run_end != run_start)
            kprintf("kpti: user root maps 0x%lx-0x%lx %s%s\n", run_start, run_end,
                    run_writable ? "rw" : "r-", run_executable ? "x" : "-");
    };
    for_each_template_page(g_template, 4, 0, [&](uint64_t va, paging::PageTableEntry e) {
        ++pages;
        bool executable = !e.no_execute(), writable = e.writable();
        if (va == run_end && executable == run_executable && writable == run_writable) {
            run_end += paging::kPageSize;
            return;
        }
        flush();
        run_start = va;
        run_end = va + paging::kPageSize;
        run_executable = executable;
        run_writable = writable;
    });
    flush();
    kprintf("kpti: user root kernel half: %lu pages\n", pages);
}

}  // namespace nyanos::mm
