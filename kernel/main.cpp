// kernel_main: from the loader's handoff to a running system.
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/exceptions.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/timer.h"
#include "boot_info.h"
#include "dev/console.h"
#include "dev/console_input.h"
#include "dev/framebuffer_console.h"
#include "dev/power.h"
#include "dev/serial.h"
#include "lib/panic.h"
#include "mm/mm_self_test.h"
#include "mm/physical_memory.h"

using namespace nyanos;

namespace {

using InitFunction = void (*)();
extern "C" InitFunction __init_array_start[];
extern "C" InitFunction __init_array_end[];

void run_global_constructors() {
    for (InitFunction* f = __init_array_start; f != __init_array_end; ++f) (*f)();
}

uint64_t usable_kib(const boot::BootInfo& info) {
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < info.memory_region_count; ++i) {
        const auto& r = info.memory_map[i];
        if (r.type == boot::MemoryType::kUsable || r.type == boot::MemoryType::kBootReclaimable)
            bytes += r.length;
    }
    return bytes / 1024;
}

void print_boot_lines(const boot::BootInfo& info) {
    const auto& fb = info.framebuffer;
    if (fb.phys) {
        kprintf("boot: path=%s mem_usable_kib=%lu fb=%ux%u cmdline=\"%s\"\n",
                boot::boot_path_name(info.path), usable_kib(info), fb.width, fb.height,
                info.cmdline);
    } else {
        kprintf("boot: path=%s mem_usable_kib=%lu fb=none cmdline=\"%s\"\n",
                boot::boot_path_name(info.path), usable_kib(info), info.cmdline);
    }
    // The layout every boot path must agree on (compared by the tests).
    kprintf("layout: hhdm=%p kernel_virt=%p-%p kernel_phys_size=0x%lx\n",
            reinterpret_cast<void*>(info.hhdm_offset), reinterpret_cast<void*>(info.kernel_virt_base),
            reinterpret_cast<void*>(info.kernel_virt_base + info.kernel_virt_size),
            info.kernel_phys_size);
}

// Proves the HHDM reaches the top of RAM: reads and writes back the last
// word of the highest usable region through the direct map.
void check_hhdm_top(const boot::BootInfo& info) {
    uint64_t top = 0;
    for (uint32_t i = 0; i < info.memory_region_count; ++i) {
        const auto& r = info.memory_map[i];
        if (r.type == boot::MemoryType::kUsable && r.base + r.length > top) top = r.base + r.length;
    }
    if (top == 0) panic("boot: the memory map has no usable memory");
    volatile uint64_t* last = phys_to_virt<volatile uint64_t>(top - sizeof(uint64_t));
    uint64_t saved = *last;
    *last = ~saved;
    bool ok = *last == ~saved;
    *last = saved;
    kprintf("hhdm: top=0x%lx %s\n", top - 1, ok ? "ok" : "FAILED");
}

}  // namespace

extern "C" [[noreturn]] void kernel_main(const boot::BootInfo* from_loader) {
    serial::init();
    console::add_sink(serial::write);
    accept_boot_info(from_loader);
    arch::init_cpu();
    if (boot_info().framebuffer.phys != 0 && fbcon::init(boot_info().framebuffer))
        console::add_sink(fbcon::write);
    run_global_constructors();

    print_boot_lines(boot_info());
    mm::init_physical_memory();
    {
        mm::MemoryStats mem = mm::physical_memory().stats();
        kprintf("mm: total_frames=%lu free_frames=%lu\n", mem.total_frames, mem.free_frames);
    }
    // NOTE: mm::reclaim_boot_memory() is NOT called here: the loader's identity
    // map (boot-reclaimable frames) is still in CR3. The VMM calls it right
    // after it switches to the kernel's own PML4.
    if (cmdline_has("mm_selftest")) mm::run_self_test();
    check_hhdm_top(boot_info());
    arch::init_timer();
    init_console_input();
    arch::run_fault_test_if_requested();

    if (cmdline_has("panic_test")) panic("panic_test requested on the command line");

    kprintf("kernel: nothing more to do yet; powering off\n");
    power::power_off(0);
}
