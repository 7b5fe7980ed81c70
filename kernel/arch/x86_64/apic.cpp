#include "arch/x86_64/apic.h"

#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/timer.h"
#include "lib/panic.h"

namespace nyanos::arch::apic {

namespace {

constexpr uint32_t kMsrApicBase = 0x1b;
constexpr uint64_t kApicBaseEnable = 1ull << 11;
constexpr uint64_t kApicBaseAddressMask = 0x000ffffffffff000ull;

// LAPIC register offsets.
constexpr uint32_t kRegId = 0x20;
constexpr uint32_t kRegTaskPriority = 0x80;
constexpr uint32_t kRegEoi = 0xb0;
constexpr uint32_t kRegSpurious = 0xf0;
constexpr uint32_t kRegErrorStatus = 0x280;
constexpr uint32_t kRegIcrLow = 0x300;
constexpr uint32_t kRegIcrHigh = 0x310;
constexpr uint32_t kRegLvtTimer = 0x320;
constexpr uint32_t kRegLvtThermal = 0x330;
constexpr uint32_t kRegLvtPerf = 0x340;
constexpr uint32_t kRegLvtLint0 = 0x350;
constexpr uint32_t kRegLvtLint1 = 0x360;
constexpr uint32_t kRegLvtError = 0x370;
constexpr uint32_t kRegTimerInitial = 0x380;
constexpr uint32_t kRegTimerCurrent = 0x390;
constexpr uint32_t kRegTimerDivide = 0x3e0;

constexpr uint32_t kLvtMasked = 1u << 16;
constexpr uint32_t kLvtTimerPeriodic = 1u << 17;
constexpr uint32_t kLvtExtInt = 0x7u << 8;
constexpr uint32_t kLvtNmi = 0x4u << 8;
constexpr uint32_t kSpuriousEnable = 1u << 8;
constexpr uint32_t kTimerDivideBy16 = 0x3;

// Interrupt command register (low word): delivery mode, level, status.
constexpr uint32_t kIcrDeliveryFixed = 0x0u << 8;
constexpr uint32_t kIcrDeliveryInit = 0x5u << 8;
constexpr uint32_t kIcrAllExcludingSelf = 0x3u << 18;
constexpr uint32_t kIcrDeliveryStartup = 0x6u << 8;
constexpr uint32_t kIcrLevelAssert = 1u << 14;
constexpr uint32_t kIcrSendPending = 1u << 12;
// The xAPIC destination field is 8 bits and 0xff means "everyone".
constexpr uint32_t kMaxXapicId = 0xfe;
constexpr uint64_t kIpiAcceptTimeoutUs = 100'000;

// IOAPIC: an index register and a data window.
constexpr uint32_t kIoRegSelect = 0x00;
constexpr uint32_t kIoWindow = 0x10;
constexpr uint32_t kIoApicVersion = 0x01;
constexpr uint32_t kIoRedirectionBase = 0x10;
constexpr uint32_t kRedirectionMasked = 1u << 16;
constexpr uint32_t kRedirectionLevel = 1u << 15;
constexpr uint32_t kRedirectionActiveLow = 1u << 13;

volatile uint32_t* g_lapic = nullptr;
uint64_t g_lapic_phys = 0;
volatile uint32_t* g_ioapic = nullptr;
acpi::MadtInfo g_madt;
unsigned g_ioapic_inputs = 0;

uint32_t lapic_read(uint32_t reg) {
    return g_lapic[reg / 4];
}
void lapic_write(uint32_t reg, uint32_t value) {
    g_lapic[reg / 4] = value;
}

uint32_t ioapic_read(uint32_t reg) {
    g_ioapic[kIoRegSelect / 4] = reg;
    return g_ioapic[kIoWindow / 4];
}
void ioapic_write(uint32_t reg, uint32_t value) {
    g_ioapic[kIoRegSelect / 4] = reg;
    g_ioapic[kIoWindow / 4] = value;
}

// Enables the calling CPU's LAPIC at g_lapic_phys (where g_lapic maps it)
// with every LVT masked but LINT1 (NMI) and the error vector.
void enable_this_lapic() {
    uint64_t base_msr = rdmsr(kMsrApicBase);
    wrmsr(kMsrApicBase, (base_msr & ~kApicBaseAddressMask) | g_lapic_phys | kApicBaseEnable);

    lapic_write(kRegLvtTimer, kLvtMasked);
    lapic_write(kRegLvtThermal, kLvtMasked);
    lapic_write(kRegLvtPerf, kLvtMasked);
    lapic_write(kRegLvtLint0, kLvtMasked);
    // LINT1 is the NMI pin on PC hardware.
    lapic_write(kRegLvtLint1, kLvtNmi);
    lapic_write(kRegLvtError, kApicErrorVector);
    // The error status register is cleared by a write before a read.
    lapic_write(kRegErrorStatus, 0);
    lapic_write(kRegErrorStatus, 0);
    lapic_write(kRegTaskPriority, 0);
    lapic_write(kRegSpurious, kSpuriousEnable | kSpuriousVector);
    lapic_write(kRegEoi, 0);
}

// Sends one IPI and waits (bounded) until the LAPIC has taken it.
bool send_ipi(uint32_t apic_id, uint32_t command) {
    if (apic_id > kMaxXapicId) return false;
    // Clear the error status (rewritten on every write), so that what it
    // shows later concerns this IPI.
    lapic_write(kRegErrorStatus, 0);
    lapic_write(kRegIcrHigh, apic_id << 24);
    lapic_write(kRegIcrLow, command);  // this write sends
    for (uint64_t waited = 0; lapic_read(kRegIcrLow) & kIcrSendPending; waited += 10) {
        if (waited >= kIpiAcceptTimeoutUs) return false;
        delay_us(10);
    }
    return true;
}

}  // namespace

bool init(const acpi::MadtInfo& madt, void* (*map_device)(uint64_t phys, uint64_t size)) {
    g_madt = madt;
    g_lapic_phys = rdmsr(kMsrApicBase) & kApicBaseAddressMask;
    if (!map_device) return false;
    g_lapic = static_cast<volatile uint32_t*>(map_device(g_lapic_phys, 4096));
    if (!g_lapic) return false;
    enable_this_lapic();

    if (madt.ioapic_phys) {
        g_ioapic = static_cast<volatile uint32_t*>(map_device(madt.ioapic_phys, 4096));
        if (g_ioapic) {
            g_ioapic_inputs = ((ioapic_read(kIoApicVersion) >> 16) & 0xff) + 1;
            for (unsigned i = 0; i < g_ioapic_inputs; ++i) {
                ioapic_write(kIoRedirectionBase + 2 * i, kRedirectionMasked);
                ioapic_write(kIoRedirectionBase + 2 * i + 1, 0);
            }
        }
    }
    return true;
}

void init_application_processor() {
    VERIFY(g_lapic);
    enable_this_lapic();
}

bool send_init_ipi(uint32_t apic_id) {
    return send_ipi(apic_id, kIcrDeliveryInit | kIcrLevelAssert);
}

void send_fixed_ipi(uint32_t apic_id, uint8_t vector) {
    VERIFY(send_ipi(apic_id, kIcrDeliveryFixed | kIcrLevelAssert | vector));
}

void send_fixed_ipi_to_others(uint8_t vector) {
    // The destination shorthand "all excluding self" needs no id.
    lapic_write(kRegErrorStatus, 0);
    lapic_write(kRegIcrHigh, 0);
    lapic_write(kRegIcrLow, kIcrAllExcludingSelf | kIcrDeliveryFixed | kIcrLevelAssert | vector);
    for (uint64_t waited = 0; lapic_read(kRegIcrLow) & kIcrSendPending; waited += 10) {
        VERIFY(waited < kIpiAcceptTimeoutUs);
        delay_us(10);
    }
}

bool send_startup_ipi(uint32_t apic_id, uint8_t page) {
    return send_ipi(apic_id, kIcrDeliveryStartup | kIcrLevelAssert | page);
}

bool has_ioapic() {
    return g_ioapic != nullptr;
}

void ioapic_route(unsigned irq, uint8_t vector, bool masked) {
    if (!g_ioapic || irq >= 16) return;
    const acpi::IsaIrqRoute& route = g_madt.isa[irq];
    if (route.gsi < g_madt.ioapic_gsi_base) return;
    uint32_t input = route.gsi - g_madt.ioapic_gsi_base;
    if (input >= g_ioapic_inputs) return;
    uint32_t low = vector;  // fixed delivery, physical destination
    if (route.level) low |= kRedirectionLevel;
    if (route.active_low) low |= kRedirectionActiveLow;
    if (masked) low |= kRedirectionMasked;
    // Destination first, while the entry is still masked.
    ioapic_write(kIoRedirectionBase + 2 * input, kRedirectionMasked);
    ioapic_write(kIoRedirectionBase + 2 * input + 1, id() << 24);
    ioapic_write(kIoRedirectionBase + 2 * input, low);
}

void enable_legacy_pic_delivery() {
    lapic_write(kRegLvtLint0, kLvtExtInt);
}

void send_eoi() {
    lapic_write(kRegEoi, 0);
}
uint32_t id() {
    return lapic_read(kRegId) >> 24;
}

void timer_stop() {
    lapic_write(kRegLvtTimer, kLvtMasked);
    lapic_write(kRegTimerInitial, 0);
}

void timer_start_one_shot(uint32_t count) {
    lapic_write(kRegTimerDivide, kTimerDivideBy16);
    lapic_write(kRegLvtTimer, kLvtMasked | kTimerVector);
    lapic_write(kRegTimerInitial, count);
}

void timer_start_periodic(uint32_t count, uint8_t vector) {
    lapic_write(kRegTimerDivide, kTimerDivideBy16);
    lapic_write(kRegLvtTimer, kLvtTimerPeriodic | vector);
    lapic_write(kRegTimerInitial, count);
}

uint32_t timer_current() {
    return lapic_read(kRegTimerCurrent);
}

}  // namespace nyanos::arch::apic
