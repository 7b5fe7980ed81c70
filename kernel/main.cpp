// kernel_main: from the loader's handoff to a running system.
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/speculation.h"
#include "arch/x86_64/timer.h"
#include "boot_info.h"
#include "lib/cmdline.h"
#include "debug/fault_test.h"
#include "debug/pci_test.h"
#include "debug/unmap_race_test.h"
#include "dev/acpi.h"
#include "dev/xhci.h"
#include "dev/console_input.h"
#include "dev/framebuffer_console.h"
#include "dev/pci.h"
#include "dev/power.h"
#include "dev/rtc.h"
#include "dev/random.h"
#include "dev/serial.h"
#include "fs/files.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "mm/kpti.h"
#include "mm/mm_self_test.h"
#include "mm/mmio.h"
#include "mm/pcid.h"
#include "mm/physical_memory.h"
#include "mm/selftest.h"
#include "mm/tlb_shootdown.h"
#include "mm/vmm.h"
#include "proc/lifecycle.h"
#include "proc/scheduler.h"
#include "proc/system_info.h"
#include "syscall/user_memory.h"

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
            reinterpret_cast<void*>(info.hhdm_offset),
            reinterpret_cast<void*>(info.kernel_virt_base),
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

// What the interrupt controllers need from the firmware and the command
// line: the ACPI MADT, whose IOAPIC `noioapic` drops so IRQs go through the
// 8259s (the fallback for machines without a MADT, testable under QEMU).
arch::InterruptSetup interrupt_setup() {
    arch::InterruptSetup setup;
    if (auto madt = acpi::read_madt(boot_info().rsdp_phys); madt.ok()) {
        setup.madt = madt.value();
        setup.from_acpi = true;
    }
    if (cmdline_has("noioapic")) setup.madt.ioapic_phys = 0;
    setup.map_device = [](uint64_t phys, uint64_t size) {
        return mm::map_physical(phys, size, true);
    };
    return setup;
}

// Starts `init=` (default /bin/nyansh, NyanOS's shell; /bin/sh is busybox's
// ash, for Linux programs) with the words after a standalone `--` as its
// arguments (`init=/bin/echo -- hello world`; double quotes group words,
// lib/cmdline.h), and HOME=/ and TERM=linux as its environment, as Linux
// gives init.
void start_init_from_cmdline() {
    static char path[boot::kMaxCmdline] = "/bin/nyansh";
    char chosen[boot::kMaxCmdline];
    if (cmdline_value("init", chosen, sizeof(chosen)) && chosen[0]) {
        for (unsigned i = 0; i < sizeof(path); ++i)
            if (!(path[i] = chosen[i])) break;
    }
    static char words[boot::kMaxCmdline];
    static const char* argv[64];
    size_t argc = 0;
    argv[argc++] = path;
    argc += cmdline_init_args(boot_info().cmdline, words, sizeof(words), argv + 1, 62);
    argv[argc] = nullptr;
    // Linux's environment for init (init/main.c's envp_init).
    static const char* envp[] = {"HOME=/", "TERM=linux", nullptr};
    proc::start_init(path, proc::ProgramArgs{argv, argc, envp, 2});
}

// Decides what to do about speculative execution, puts it in force
// (arch/x86_64/speculation.h: before the other CPUs start and before the
// first process) and prints one line: which weaknesses this CPU has and
// what the kernel does about each (lib/cpu_vulnerabilities.h); `kpti=`,
// `spectre_v2=`, `mds=off` and `mitigations=off` as Linux spells them. A
// second line says what the patched text looks like, so a test can see the
// mechanism and not only the decision. Returns whether page-table
// isolation is to be turned on (mm::init_kpti, later).
bool apply_and_report_mitigations() {
    char value[16];
    KptiSetting kpti = KptiSetting::kAuto;
    if (cmdline_value("kpti", value, sizeof(value))) {
        if (strcmp(value, "on") == 0) kpti = KptiSetting::kOn;
        if (strcmp(value, "off") == 0) kpti = KptiSetting::kOff;
    }
    bool off = cmdline_value("mitigations", value, sizeof(value)) && strcmp(value, "off") == 0;
    SpectreV2Setting spectre_v2 = SpectreV2Setting::kAuto;
    if (cmdline_value("spectre_v2", value, sizeof(value))) {
        if (strcmp(value, "on") == 0) spectre_v2 = SpectreV2Setting::kOn;
        if (strcmp(value, "off") == 0) spectre_v2 = SpectreV2Setting::kOff;
        if (strcmp(value, "retpoline") == 0) spectre_v2 = SpectreV2Setting::kRetpoline;
    }
    bool mds_off = cmdline_value("mds", value, sizeof(value)) && strcmp(value, "off") == 0;
    const CpuSpeculationFacts facts = arch::read_speculation_facts();
    const CpuVulnerabilities v = find_vulnerabilities(facts);
    const SpeculationMitigations in_force = choose_mitigations(facts, v, off, spectre_v2, mds_off);
    arch::apply_speculation_mitigations(in_force);
    char text[160];
    // Page-table isolation is turned on later (mm::init_kpti); the
    // interrupt entry fences its conditional swapgs (interrupts.S).
    describe_mitigations(v, in_force, facts.md_clear, kpti, off, /*kpti_available=*/true,
                         /*swapgs_fenced=*/true, text, sizeof(text));
    kprintf("mitigations: %s\n", text);
    arch::SpeculationPatchState patched = arch::speculation_patch_state();
    kprintf("speculation: thunks=%s plain_calls=%u/%u verw_sites=%u/%u rsb_sites=%u/%u ibpb=%d\n",
            patched.retpolines ? "retpoline" : "plain", patched.call_sites_plain,
            patched.call_sites, patched.verw_sites_on, patched.verw_sites, patched.rsb_sites_on,
            patched.rsb_sites, int(arch::g_ibpb_on_switch));
    return kpti_wanted(v, kpti, off);
}

// The first xHCI controller, if any, with its boot keyboards as console
// input (the same bytes as the PS/2 keyboard's): its interrupt when it has
// MSI-X or MSI, the timer's tick for key repeat (and for everything when
// it is polled).
void start_usb() {
    const pci::Device* controller = pci::find_device(0x0c0330);
    if (!controller) return;
    auto registers = pci::map_bar(*controller, 0);
    if (!registers.ok()) {
        kprintf("xhci: its registers cannot be mapped (%s)\n", error_name(registers.error()));
        return;
    }
    pci::enable_memory_and_bus_master(*controller);
    if (!xhci::init(registers.value())) return;
    // The hook's stack is where the interrupt's work runs too.
    if (proc::set_device_poll_hook(xhci::poll))
        xhci::start_interrupts(*controller, proc::run_on_device_stack);
}

}  // namespace

extern "C" [[noreturn]] void kernel_main(const boot::BootInfo* from_loader) {
    proc::record_kernel_entry_tsc(arch::rdtsc());  // boot time counts from the handoff
    serial::init();
    console::add_sink(serial::write);
    accept_boot_info(from_loader);
    arch::init_cpu();
    if (boot_info().framebuffer.phys != 0 && fbcon::init(boot_info().framebuffer))
        console::add_sink(fbcon::write);
    run_global_constructors();

    print_boot_lines(boot_info());
    const bool kpti = apply_and_report_mitigations();
    mm::init_physical_memory();
    mm::init_vmm();  // drops the identity map, reclaims boot memory, fills the kernel half
    {
        mm::MemoryStats mem = mm::physical_memory().stats();
        kprintf("mm: total_frames=%lu free_frames=%lu\n", mem.total_frames, mem.free_frames);
    }
    if (cmdline_has("mm_selftest")) mm::run_self_test();
    if (cmdline_has("selftest")) mm::run_live_self_test();
    check_hhdm_top(boot_info());
    const arch::InterruptSetup setup = interrupt_setup();
    arch::init_timer(setup);
    console::set_log_clock(arch::monotonic_ns);
    rtc::init_wall_clock(boot_info().rsdp_phys);  // CLOCK_REALTIME, from the monotonic clock
    init_console_input();
    debug::run_fault_test_if_requested();
    power::init();
    pci::init_pci(boot_info().rsdp_phys);  // before the other CPUs: BAR probes need the bus quiet
    debug::run_pci_test_if_requested();
    start_usb();
    if (cmdline_has("poweroff_test")) power::power_off(0);
    if (cmdline_has("reboot_test")) power::reboot();

    if (cmdline_has("panic_test")) panic("panic_test requested on the command line");

    init_random();  // before the first process: every spawn asks it for AT_RANDOM
    fs::init_ramdisk();
    sys::init_user_memory();
    if (kpti) mm::init_kpti();  // before init_pcid: isolation makes PCIDs pairs
    mm::init_pcid();
    proc::init_processes();
    // After the scheduler has joined the boot CPU, before the first user
    // process: each AP comes up and joins the scheduler as an idle CPU.
    mm::init_tlb_shootdown();
    arch::set_ap_idle_hook(
        [](unsigned) { proc::run_application_processor(arch::this_cpu_entry()); });
    arch::start_application_processors(setup.from_acpi ? &setup.madt : nullptr);
    // An AP reports itself started just before it joins the scheduler: wait
    // for the last ones to join, so that init and its children (getcpu's
    // count of CPUs online) see every CPU that started. Each joins within a
    // few of its own instructions; nothing here holds the lock it takes.
    while (proc::scheduler_cpu_count() < arch::cpu_count()) __builtin_ia32_pause();
    // Needs the other CPUs idle and nothing runnable yet: before init.
    debug::run_unmap_race_test_if_requested();
    mm::report_user_root_template();  // with every CPU's stacks in it
    start_init_from_cmdline();
    proc::idle_loop();
}
