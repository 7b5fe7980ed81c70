#include "arch/x86_64/timer.h"

#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/madt.h"
#include "boot_info.h"
#include "dev/console.h"
#include "lib/panic.h"

namespace nyanos::arch {

void activate_irq_routing(bool use_ioapic);  // interrupts.cpp

namespace {

// PIT: 1.193182 MHz input; channel 2's gate and output are in port 0x61.
constexpr uint64_t kPitHz = 1193182;
constexpr uint16_t kPitChannel2 = 0x42;
constexpr uint16_t kPitCommand = 0x43;
constexpr uint16_t kPortB = 0x61;
constexpr uint8_t kPortBGate2 = 0x01;
constexpr uint8_t kPortBSpeaker = 0x02;
constexpr uint8_t kPortBOut2 = 0x20;
constexpr uint32_t kCalibrationMs = 10;
constexpr unsigned kCalibrationRuns = 3;

volatile uint64_t g_ticks = 0;
TimerHandler g_timer_handler = nullptr;
uint64_t g_tsc_hz = 0;
uint32_t g_lapic_hz = 0;
uint64_t g_tsc_start = 0;
// ns = (tsc delta * g_ns_mult) >> 32.
uint64_t g_ns_mult = 0;

struct Calibration {
    uint64_t tsc_delta;
    uint32_t lapic_delta;
};

// One window of kCalibrationMs on PIT channel 2 in mode 0 (OUT goes high at
// terminal count), measuring the TSC and the LAPIC timer across it.
bool calibrate_once(Calibration& out) {
    constexpr uint32_t kCount = uint32_t(kPitHz * kCalibrationMs / 1000);
    static_assert(kCount <= 0xffff);
    uint8_t port_b = inb(kPortB);
    outb(kPortB, uint8_t((port_b & ~(kPortBSpeaker | kPortBGate2))));  // gate low, speaker off
    outb(kPitCommand, 0xb0);  // channel 2, lobyte/hibyte, mode 0, binary
    outb(kPitChannel2, uint8_t(kCount));
    outb(kPitChannel2, uint8_t(kCount >> 8));

    apic::timer_start_one_shot(0xffffffff);
    uint32_t lapic_start = apic::timer_current();
    uint64_t tsc_start = rdtsc();
    outb(kPortB, uint8_t((port_b & ~kPortBSpeaker) | kPortBGate2));  // gate high: count
    // Give up after far longer than the window should take at any speed.
    for (uint64_t spins = 0; !(inb(kPortB) & kPortBOut2); ++spins) {
        if (spins > 50'000'000) {
            outb(kPortB, port_b);
            return false;
        }
    }
    uint64_t tsc_end = rdtsc();
    uint32_t lapic_end = apic::timer_current();
    apic::timer_stop();
    outb(kPortB, port_b);
    out = Calibration{tsc_end - tsc_start, lapic_start - lapic_end};
    return out.tsc_delta > 0 && out.lapic_delta > 0;
}

template <typename T>
T median3(T a, T b, T c) {
    if (a > b) {
        T t = a;
        a = b;
        b = t;
    }
    if (b > c) b = c;
    return a > b ? a : b;
}

void calibrate() {
    Calibration runs[kCalibrationRuns];
    for (auto& run : runs) {
        if (!calibrate_once(run))
            panic("timer: PIT channel 2 did not count; cannot calibrate the LAPIC timer and TSC");
    }
    static_assert(kCalibrationRuns == 3);
    uint64_t tsc = median3(runs[0].tsc_delta, runs[1].tsc_delta, runs[2].tsc_delta);
    uint32_t lapic = median3(runs[0].lapic_delta, runs[1].lapic_delta, runs[2].lapic_delta);
    g_tsc_hz = tsc * 1000 / kCalibrationMs;
    g_lapic_hz = uint32_t(uint64_t(lapic) * 1000 / kCalibrationMs);
    if (g_lapic_hz < kTimerHz) panic("timer: LAPIC timer runs at %u Hz, too slow", g_lapic_hz);
    g_ns_mult = (1'000'000'000ull << 32) / g_tsc_hz;
}

// The timer must actually interrupt: wait for a few ticks, with a deadline
// on the TSC far beyond what they should take.
void check_ticking() {
    constexpr uint64_t kTicks = 5;
    constexpr uint64_t kDeadlineMs = 500;
    uint64_t start = rdtsc();
    uint64_t deadline = g_tsc_hz / 1000 * kDeadlineMs;
    uint64_t first = g_ticks;
    while (g_ticks - first < kTicks) {
        if (rdtsc() - start > deadline)
            panic("timer: no LAPIC timer interrupt within %lu ms (ticks=%lu)", kDeadlineMs,
                  uint64_t(g_ticks));
        asm volatile("pause");
    }
    uint64_t us = (rdtsc() - start) * 1000 / (g_tsc_hz / 1000);
    kprintf("timer: %lu ticks in %lu us\n", kTicks, us);
}

}  // namespace

void init_timer() {
    MadtInfo madt;
    bool have_madt = read_madt(boot_info().rsdp_phys, madt);
    if (!apic::init(madt)) panic("timer: cannot map the local APIC");
    activate_irq_routing(apic::has_ioapic());

    calibrate();
    g_tsc_start = rdtsc();
    apic::timer_start_periodic(g_lapic_hz / kTimerHz, kTimerVector);
    kprintf("timer: lapic %u Hz -> %u Hz ticks; tsc %lu kHz%s; irqs via %s%s\n", g_lapic_hz,
            kTimerHz, g_tsc_hz / 1000, cpu_has_invariant_tsc() ? " (invariant)" : "",
            apic::has_ioapic() ? "ioapic" : "8259", have_madt ? "" : " (no ACPI MADT)");
    enable_interrupts();
    check_ticking();
}

uint64_t ticks() { return g_ticks; }

uint64_t monotonic_ns() {
    if (!g_ns_mult) return 0;
    uint64_t delta = rdtsc() - g_tsc_start;
    return uint64_t((unsigned __int128)delta * g_ns_mult >> 32);
}

uint64_t uptime_ms() { return monotonic_ns() / 1'000'000; }
uint64_t tsc_frequency_hz() { return g_tsc_hz; }
uint32_t lapic_timer_frequency_hz() { return g_lapic_hz; }

void set_timer_handler(TimerHandler handler) { g_timer_handler = handler; }

void delay_us(uint64_t us) {
    if (!g_tsc_hz) return;
    uint64_t start = rdtsc();
    uint64_t wait = g_tsc_hz / 1'000'000 * us + 1;
    while (rdtsc() - start < wait) asm volatile("pause");
}

void handle_timer_interrupt(InterruptFrame& frame) {
    g_ticks = g_ticks + 1;
    // EOI first: the handler may switch to another task and not come back
    // here for a while; the next tick is held off by IF=0 until then.
    apic::send_eoi();
    if (TimerHandler handler = g_timer_handler) handler(frame);
}

}  // namespace nyanos::arch
