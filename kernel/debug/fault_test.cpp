#include "debug/fault_test.h"

#include "arch/x86_64/deliberate_faults.h"
#include "arch/x86_64/page_probe.h"
#include "boot_info.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "mm/kernel_stack_area.h"
#include "mm/vmm.h"

namespace nyanos::debug {

namespace {

// Unmapped in every address space: PML4 slot 445 of the kernel half is not
// used by the layout (HHDM at 256, the image at 511). Checked before use.
constexpr uint64_t kFaultTestAddress = 0xffffdead0000b000ull;

[[gnu::noinline]] void fault_test_page_fault() {
    if (arch::is_mapped(kFaultTestAddress))
        panic("fault_test: 0x%lx is mapped, cannot fault on it", kFaultTestAddress);
    kprintf("fault_test: writing to unmapped 0x%lx\n", kFaultTestAddress);
    *reinterpret_cast<volatile uint64_t*>(kFaultTestAddress) = 0x6e79616e;
}

// Recurses until the stack runs into its guard page. Each frame keeps a
// buffer live so the compiler can neither drop the frames nor loop.
[[gnu::noinline]] uint64_t recurse_on_stack(uint64_t depth) {
    volatile uint8_t frame[128];
    frame[0] = uint8_t(depth);
    uint64_t (*volatile self)(uint64_t) = recurse_on_stack;
    return self(depth + 1) + frame[0];
}

void overflow_this_stack() {
    recurse_on_stack(0);
}

// A fresh task-sized kernel stack, then unbounded recursion on it: the
// first push into the guard page faults, the #PF cannot push its frame
// either, and the double fault runs on its IST stack to report it.
[[gnu::noinline]] void fault_test_kernel_stack_overflow() {
    auto top = mm::allocate_kernel_stack(mm::KernelStackArea::kMaxStackPages);
    if (!top.ok()) panic("fault_test: no kernel stack: %s", error_name(top.error()));
    uint64_t guard = top.value() - (mm::KernelStackArea::kMaxStackPages + 1) * paging::kPageSize;
    kprintf("fault_test: overflowing a kernel stack (top 0x%lx, guard page 0x%lx)\n", top.value(),
            guard);
    arch::call_on_stack(top.value(), overflow_this_stack);
}

}  // namespace

void run_fault_test_if_requested() {
    char which[32];
    if (!cmdline_value("fault_test", which, sizeof(which))) return;
    auto is = [&](const char* name) {
        unsigned i = 0;
        for (; name[i]; ++i)
            if (which[i] != name[i]) return false;
        return which[i] == '\0';
    };
    if (is("pagefault")) {
        fault_test_page_fault();
    } else if (is("ud")) {
        kprintf("fault_test: executing ud2\n");
        arch::raise_invalid_opcode();
    } else if (is("gp")) {
        kprintf("fault_test: reading non-canonical 0x%lx\n", arch::kNonCanonicalAddress);
        arch::raise_general_protection();
    } else if (is("de")) {
        kprintf("fault_test: dividing by zero\n");
        arch::raise_divide_error();
    } else if (is("bp")) {
        kprintf("fault_test: int3\n");
        arch::raise_breakpoint();
    } else if (is("kstack")) {
        fault_test_kernel_stack_overflow();
    } else {
        kprintf("fault_test: unknown value \"%s\" (pagefault, ud, gp, de, bp, kstack); ignored\n",
                which);
        return;
    }
    // Every test above must have ended in the fault report.
    panic("fault_test=%s did not fault", which);
}

}  // namespace nyanos::debug
