#include "arch/x86_64/timer.h"

#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu_local.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/io.h"
#include "lib/console.h"
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
    uint32_t pit_delta;
};

// Channel 2's current count (it counts down), through the latch command.
uint16_t pit_channel2_count() {
    outb(kPitCommand, 0x80);  // latch channel 2
    uint8_t lo = inb(kPitChannel2);
    uint8_t hi = inb(kPitChannel2);
    return uint16_t(lo | (hi << 8));
}

// The PIT count, the LAPIC count and the TSC read as close together as we
// can: of a few tries, the one with the shortest TSC bracket (an emulator or
// an SMI may stall the CPU between two reads).
struct Sample {
    uint16_t pit;
    uint32_t lapic;
    uint64_t tsc;
};
Sample take_sample() {
    Sample best{};
    uint64_t best_bracket = ~0ull;
    for (int i = 0; i < 5; ++i) {
        uint64_t t0 = rdtsc();
        uint16_t pit = pit_channel2_count();
        uint32_t lapic = apic::timer_current();
        uint64_t t1 = rdtsc();
        if (t1 - t0 < best_bracket) {
            best_bracket = t1 - t0;
            best = Sample{pit, lapic, t0 + (t1 - t0) / 2};
        }
    }
    return best;
}

// Lets PIT channel 2 count down from 0xffff (mode 0, gate high) and measures
// the TSC and the LAPIC timer across at least kCalibrationMs of PIT counts.
// The PIT counts are read, not waited for, so a late read lengthens the
// window without making it wrong.
enum class CalibrationRun { kOk, kRetry, kPitDead };

CalibrationRun calibrate_once(Calibration& out) {
    constexpr uint32_t kWindow = uint32_t(kPitHz * kCalibrationMs / 1000);
    static_assert(kWindow < 0xffff / 2);
    uint8_t port_b = inb(kPortB);
    outb(kPortB, uint8_t(port_b & ~(kPortBSpeaker | kPortBGate2)));  // gate low, speaker off
    outb(kPitCommand, 0xb0);  // channel 2, lobyte/hibyte, mode 0, binary
    outb(kPitChannel2, 0xff);
    outb(kPitChannel2, 0xff);
    outb(kPortB, uint8_t((port_b & ~kPortBSpeaker) | kPortBGate2));  // gate high: count
    apic::timer_start_one_shot(0xffffffff);

    CalibrationRun result = CalibrationRun::kOk;
    // Wait for the count to start moving, then measure.
    Sample first = take_sample();
    for (uint64_t spins = 0; first.pit >= 0xfffe; ++spins) {
        if (spins > 1'000'000) {
            result = CalibrationRun::kPitDead;
            break;
        }
        first = take_sample();
    }
    Sample last = first;
    while (result == CalibrationRun::kOk && uint32_t(first.pit - last.pit) < kWindow) {
        Sample next = take_sample();
        // Mode 0 wraps from 0 to 0xffff (after about 55 ms): a stall that
        // long spoils this run.
        if (next.pit > last.pit) result = CalibrationRun::kRetry;
        last = next;
    }
    apic::timer_stop();
    outb(kPortB, port_b);
    out =
        Calibration{last.tsc - first.tsc, first.lapic - last.lapic, uint32_t(first.pit - last.pit)};
    if (result == CalibrationRun::kOk && (out.tsc_delta == 0 || out.lapic_delta == 0))
        result = CalibrationRun::kRetry;
    return result;
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
    unsigned good = 0;
    for (unsigned attempt = 0; good < kCalibrationRuns; ++attempt) {
        if (attempt == 10) panic("timer: calibration against the PIT kept being disturbed");
        switch (calibrate_once(runs[good])) {
            case CalibrationRun::kOk:
                ++good;
                break;
            case CalibrationRun::kRetry:
                break;
            case CalibrationRun::kPitDead:
                panic(
                    "timer: PIT channel 2 does not count; cannot calibrate the LAPIC timer "
                    "and the TSC");
        }
    }
    static_assert(kCalibrationRuns == 3);
    // Rates per run (the windows differ slightly), then the median.
    uint64_t tsc_hz[kCalibrationRuns], lapic_hz[kCalibrationRuns];
    for (unsigned i = 0; i < kCalibrationRuns; ++i) {
        tsc_hz[i] = runs[i].tsc_delta * kPitHz / runs[i].pit_delta;
        lapic_hz[i] = uint64_t(runs[i].lapic_delta) * kPitHz / runs[i].pit_delta;
    }
    g_tsc_hz = median3(tsc_hz[0], tsc_hz[1], tsc_hz[2]);
    g_lapic_hz = uint32_t(median3(lapic_hz[0], lapic_hz[1], lapic_hz[2]));
    if (g_lapic_hz < kTimerHz) panic("timer: LAPIC timer runs at %u Hz, too slow", g_lapic_hz);
    g_ns_mult = (1'000'000'000ull << 32) / g_tsc_hz;
}

// The timer must actually interrupt: wait for a few ticks, with a deadline
// on the TSC far beyond what they should take.
void check_ticking() {
    constexpr uint64_t kTicks = 5;
    constexpr uint64_t kDeadlineMs = 2000;  // generous: an emulator on a busy host
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

void init_timer(const InterruptSetup& setup) {
    if (!apic::init(setup.madt, setup.map_device)) panic("timer: cannot map the local APIC");
    activate_irq_routing(apic::has_ioapic());

    calibrate();
    g_tsc_start = rdtsc();
    apic::timer_start_periodic(g_lapic_hz / kTimerHz, kTimerVector);
    kprintf("timer: lapic %u Hz -> %u Hz ticks; tsc %lu kHz%s; irqs via %s%s\n", g_lapic_hz,
            kTimerHz, g_tsc_hz / 1000, cpu_has_invariant_tsc() ? " (invariant)" : "",
            apic::has_ioapic() ? "ioapic" : "8259", setup.from_acpi ? "" : " (no ACPI MADT)");
    enable_interrupts();
    check_ticking();
}

uint64_t ticks() {
    return g_ticks;
}

uint64_t monotonic_ns() {
    if (!g_ns_mult) return 0;
    uint64_t delta = rdtsc() - g_tsc_start;
    return uint64_t((unsigned __int128)delta * g_ns_mult >> 32);
}

uint64_t uptime_ms() {
    return monotonic_ns() / 1'000'000;
}
uint64_t tsc_frequency_hz() {
    return g_tsc_hz;
}
uint32_t lapic_timer_frequency_hz() {
    return g_lapic_hz;
}

void set_timer_handler(TimerHandler handler) {
    g_timer_handler = handler;
}

void delay_us(uint64_t us) {
    if (!g_tsc_hz) return;
    uint64_t start = rdtsc();
    uint64_t wait = g_tsc_hz / 1'000'000 * us + 1;
    while (rdtsc() - start < wait) asm volatile("pause");
}

void start_timer_on_this_cpu() {
    apic::timer_start_periodic(g_lapic_hz / kTimerHz, kTimerVector);
}

void handle_timer_interrupt(InterruptFrame& frame) {
    // Every CPU's timer lands here; the tick count is the boot CPU's.
    if (this_cpu_index() == 0) g_ticks = g_ticks + 1;
    // EOI first: the handler may switch to another task and not come back
    // here for a while; the next tick is held off by IF=0 until then.
    apic::send_eoi();
    if (TimerHandler handler = g_timer_handler) handler(frame);
}

}  // namespace nyanos::arch
