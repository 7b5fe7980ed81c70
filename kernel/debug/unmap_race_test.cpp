#include "debug/unmap_race_test.h"

#include <stdint.h>

#include "arch/x86_64/cpu_local.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/ipi.h"
#include "arch/x86_64/probe_read.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/timer.h"
#include "boot_info.h"
#include "lib/console.h"
#include "mm/kernel_layout.h"
#include "mm/physical_memory.h"
#include "mm/vmm.h"

namespace nyanos::debug {

namespace {

// 1 GiB into the kernel scratch area, clear of the self-test's pages at its
// start. Its page tables stay once made (kernel tables are never freed).
constexpr uint64_t kPageVa = mm::kKernelScratchBase + (uint64_t(1) << 30);
// Read-only, NX and global like every kernel mapping: a global translation
// survives CR3 loads, so only an invalidation takes it out of a TLB.
constexpr mm::PageFlags kPageFlags{.global = true};

constexpr uint32_t kRounds = 200;
// Reads in a row with interrupts on, then off, and so on, in the race.
constexpr unsigned kBurstReads = 64;
// Reads each toucher makes once its round's page is gone; each must fault.
constexpr unsigned kReadsAfterUnmap = 8;
// How long the boot CPU waits for the touchers at each step (uptime).
constexpr uint64_t kWaitLimitMs = 5000;

uint64_t marker_of(uint32_t round) {
    return 0x4e79616e00000000ull | round;  // "Nyan" and the round
}

// One per CPU, written by that CPU only; the boot CPU reads the counters
// once the CPU's done_round (or running) says it has finished with them.
struct alignas(64) Toucher {
    uint64_t reads = 0;
    uint64_t faults = 0;
    uint64_t violations = 0;
    uint64_t old_marker = 0;     // violations that found another round's marker
    uint32_t touched_round = 0;  // the last round it has read the page in
    uint32_t done_round = 0;     // the last round it has finished
    bool running = false;        // between entering and leaving toucher()
};
Toucher g_touchers[arch::kMaxCpus];

// Written by the boot CPU. g_marker is set before g_round publishes the
// round (release); g_unmapped says which round's unmap has returned.
uint32_t g_round = 0;
uint32_t g_unmapped = 0;
uint64_t g_marker = 0;
bool g_stop = false;

template <typename T>
T load(const T& v) {
    return __atomic_load_n(&v, __ATOMIC_ACQUIRE);
}
template <typename T>
void store(T& v, T value) {
    __atomic_store_n(&v, value, __ATOMIC_RELEASE);
}

// Reads the page once: a successful read is a violation if it started
// after the toucher saw this round's unmap returned (`after_unmap`) or
// found another marker. Returns whether the read succeeded.
bool touch(Toucher& t, uint64_t marker, bool after_unmap) {
    uint64_t value;
    if (!arch::probe_read_u64(kPageVa, value)) {
        ++t.faults;
        return false;
    }
    ++t.reads;
    if (value != marker) ++t.old_marker;
    if (value != marker || after_unmap) ++t.violations;
    return true;
}

// One read of the race; false once the toucher should stop reading (a
// fault, a read after the unmap was seen returned, or stop).
bool race_read(Toucher& t, uint32_t round, uint64_t marker, bool& announced) {
    // The flag is read before the load, so a load after it was seen set
    // started after the unmap had returned.
    bool after_unmap = load(g_unmapped) == round;
    if (!touch(t, marker, after_unmap)) return false;
    if (!announced) store(t.touched_round, round);  // this CPU's TLB now has the page
    announced = true;
    return !after_unmap && !load(g_stop);
}

void touch_round(Toucher& t, uint32_t round, uint64_t marker) {
    // The race: read until a read faults (the shootdown reached this CPU,
    // or its TLB had dropped the page) or one succeeds after the unmap was
    // seen returned. Every other burst runs with interrupts off: a
    // shootdown's IPI then waits for the burst's end, as it does for a CPU
    // inside an IRQ-saving lock, so an unmap that returned before every CPU
    // had answered would be caught by the reads still in the burst.
    bool announced = false;
    for (bool quiet = false;; quiet = !quiet) {
        if (quiet) arch::disable_interrupts();
        bool go_on = true;
        for (unsigned i = 0; i < kBurstReads && go_on; ++i)
            go_on = race_read(t, round, marker, announced);
        if (quiet) arch::enable_interrupts();
        if (!go_on) break;
    }
    while (load(g_unmapped) != round && !load(g_stop)) __builtin_ia32_pause();
    if (load(g_stop)) return;
    for (unsigned i = 0; i < kReadsAfterUnmap; ++i) touch(t, marker, true);
}

// Runs on every other CPU from kCallFunctionVector, inside the interrupt
// that woke its idle thread, until the boot CPU says stop.
void toucher() {
    Toucher& t = g_touchers[arch::this_cpu_index()];
    store(t.running, true);
    // The shootdown this test races must be able to reach this CPU while it
    // reads. The IPI's end of interrupt is already sent, so turning
    // interrupts on lets it (and the timer) in; nothing is runnable yet, so
    // the tick never switches this idle thread away.
    arch::enable_interrupts();
    uint32_t round = 0;
    for (;;) {
        uint32_t next;
        while ((next = load(g_round)) == round && !load(g_stop)) __builtin_ia32_pause();
        if (load(g_stop)) break;
        round = next;
        touch_round(t, round, __atomic_load_n(&g_marker, __ATOMIC_RELAXED));
        store(t.done_round, round);
    }
    arch::disable_interrupts();  // the interrupt's return path expects them off
    store(t.running, false);
}

// Waits until `done()` holds for every CPU but this one; false once
// kWaitLimitMs have passed without it (`*late` is then a CPU not there).
template <typename Done>
bool wait_for_touchers(unsigned cpus, Done done, unsigned* late) {
    unsigned self = arch::this_cpu_index();
    uint64_t start = arch::uptime_ms();
    for (unsigned cpu = 0; cpu < cpus; ++cpu) {
        if (cpu == self) continue;
        while (!done(g_touchers[cpu])) {
            if (arch::uptime_ms() - start > kWaitLimitMs) {
                *late = cpu;
                return false;
            }
            __builtin_ia32_pause();
        }
    }
    return true;
}

// A failure of the test itself (not a violation), for the FAILED line.
struct Failure {
    const char* what = nullptr;
    uint32_t round = 0;
    int cpu = -1;  // the CPU it concerns, if one
};

// The rounds, on the boot CPU. `frames` alternate, so the previous round's
// frame (with its marker) is still allocated while the next round runs.
Failure run_rounds(const mm::PhysAddr (&frames)[2], unsigned cpus, uint32_t* rounds_done) {
    for (uint32_t round = 1; round <= kRounds; ++round) {
        mm::PhysAddr frame = frames[round % 2];
        uint64_t marker = marker_of(round);
        *phys_to_virt<volatile uint64_t>(frame) = marker;
        if (!mm::map_kernel_pages(kPageVa, frame, 1, kPageFlags).ok())
            return {"map_kernel_pages failed", round};
        uint64_t value = 0;
        if (!arch::probe_read_u64(kPageVa, value) || value != marker)
            return {"the mapping CPU cannot read its marker", round};
        __atomic_store_n(&g_marker, marker, __ATOMIC_RELAXED);
        store(g_round, round);

        unsigned late = 0;
        if (!wait_for_touchers(
                cpus, [round](const Toucher& t) { return load(t.touched_round) == round; }, &late))
            return {"a CPU did not read the mapped page", round, int(late)};
        if (!mm::unmap_kernel_pages(kPageVa, 1).ok()) return {"unmap_kernel_pages failed", round};
        store(g_unmapped, round);
        if (arch::probe_read_u64(kPageVa, value))
            return {"the unmapping CPU still reads the page", round};
        if (!wait_for_touchers(
                cpus, [round](const Toucher& t) { return load(t.done_round) == round; }, &late))
            return {"a CPU did not finish the round", round, int(late)};
        *rounds_done = round;
    }
    return {};
}

}  // namespace

void run_unmap_race_test_if_requested() {
    if (!cmdline_has("unmap_race_test")) return;
    unsigned cpus = arch::cpu_count();
    if (cpus < 2) {
        kprintf("unmap_race_test: FAILED needs a second CPU (cpus=%u)\n", cpus);
        return;
    }
    if (!arch::register_probe_read_fixup()) {
        kprintf("unmap_race_test: FAILED the fault fixup table is full\n");
        return;
    }
    mm::PhysAddr frames[2] = {};
    for (mm::PhysAddr& frame : frames) {
        auto f = mm::physical_memory().allocate_frame(mm::FrameUse::kGeneral);
        if (!f.ok()) {
            kprintf("unmap_race_test: FAILED no frame: %s\n", error_name(f.error()));
            for (mm::PhysAddr got : frames)
                if (got) mm::physical_memory().free_frame(got, mm::FrameUse::kGeneral);
            return;
        }
        frame = f.value();
    }

    arch::set_ipi_handler(arch::kCallFunctionVector, toucher);
    unsigned self = arch::this_cpu_index();
    for (unsigned cpu = 0; cpu < cpus; ++cpu)
        if (cpu != self) arch::send_ipi(cpu, arch::kCallFunctionVector);
    uint32_t rounds = 0;
    Failure failure = run_rounds(frames, cpus, &rounds);

    // Touchers leave before the page can go (a failed round may have left
    // it mapped) and before their counters are read.
    store(g_stop, true);
    unsigned late = 0;
    if (!wait_for_touchers(
            cpus, [](const Toucher& t) { return !load(t.running); }, &late) &&
        !failure.what)
        failure = {"a CPU did not stop touching", rounds, int(late)};
    arch::set_ipi_handler(arch::kCallFunctionVector, nullptr);
    (void)mm::unmap_kernel_pages(kPageVa, 1);  // kNoEntry unless a round failed while mapped
    for (mm::PhysAddr frame : frames)
        mm::physical_memory().free_frame(frame, mm::FrameUse::kGeneral);

    uint64_t reads = 0, faults = 0, violations = 0;
    unsigned silent = cpus;  // a CPU that never read the page, if any
    for (unsigned cpu = 0; cpu < cpus; ++cpu) {
        if (cpu == self) continue;
        const Toucher& t = g_touchers[cpu];
        kprintf("unmap_race_test: cpu %u reads=%lu faults=%lu violations=%lu old_marker=%lu\n", cpu,
                t.reads, t.faults, t.violations, t.old_marker);
        reads += t.reads;
        faults += t.faults;
        violations += t.violations;
        if (t.reads == 0 && silent == cpus) silent = cpu;
    }
    kprintf("unmap_race_test: rounds=%u reads=%lu faults=%lu violations=%lu cpus=%u\n", rounds,
            reads, faults, violations, cpus);
    if (failure.what && failure.cpu >= 0) {
        kprintf("unmap_race_test: FAILED round %u: %s (cpu %d)\n", failure.round, failure.what,
                failure.cpu);
    } else if (failure.what) {
        kprintf("unmap_race_test: FAILED round %u: %s\n", failure.round, failure.what);
    } else if (violations) {
        kprintf(
            "unmap_race_test: FAILED %lu violations (reads started after the unmap returned, "
            "or of another round's marker)\n",
            violations);
    } else if (silent != cpus) {
        kprintf("unmap_race_test: FAILED cpu %u never read the page\n", silent);
    } else {
        kprintf("unmap_race_test: ok\n");
    }
}

}  // namespace nyanos::debug
