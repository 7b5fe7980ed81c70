#include "dev/power.h"

#include "arch/x86_64/interrupts.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/ipi.h"
#include "boot_info.h"
#include "dev/acpi.h"
#include "lib/console.h"

namespace nyanos::power {

namespace {

constexpr uint16_t kSciEn = 1u << 0;
constexpr uint16_t kSlpTypShift = 10;
constexpr uint16_t kSlpTypMask = 7u << kSlpTypShift;
constexpr uint16_t kSlpEn = 1u << 13;

// What init() learnt. Written once (one CPU, at boot or on the way down).
struct AcpiPower {
    bool probed = false;
    bool have_fadt = false;
    acpi::FadtInfo fadt;
    bool s5_usable = false;
    acpi::SleepType s5;
};
AcpiPower g_acpi;

// Roughly `us` microseconds on real hardware (one port-0x80 write each);
// faster under emulation, which is fine: it only bounds waits for devices.
void spin(unsigned us) {
    for (unsigned i = 0; i < us; ++i) arch::io_wait();
}

unsigned pm1_width(const acpi::Gas& reg) {
    return (reg.bit_width == 8 || reg.bit_width == 32) ? reg.bit_width : 16;
}

const char* space_name(const acpi::Gas& reg) {
    switch (reg.space) {
        case acpi::Gas::kMemory:
            return "mem";
        case acpi::Gas::kIo:
            return "io";
        case acpi::Gas::kPciConfig:
            return "pci";
    }
    return "?";
}

// The \_S5 values: the DSDT first, then SSDTs (some firmware puts it there).
Result<acpi::SleepType> find_s5(uint64_t rsdp, uint64_t dsdt_phys) {
    Error error = Error::kNoEntry;
    auto dsdt = acpi::map_table(dsdt_phys, "DSDT");
    if (dsdt.ok()) {
        const acpi::Table& t = dsdt.value();
        auto s5 = acpi::find_s5(t.data + acpi::kSdtHeaderSize, t.length - acpi::kSdtHeaderSize);
        if (s5.ok() || s5.error() != Error::kNoEntry) return s5;
    } else {
        kprintf("power: the DSDT at 0x%lx is unusable (%s)\n", dsdt_phys, error_name(dsdt.error()));
    }
    for (unsigned i = 0; i < 64; ++i) {
        auto ssdt = acpi::find_table(rsdp, "SSDT", i);
        if (!ssdt.ok()) break;
        const acpi::Table& t = ssdt.value();
        auto s5 = acpi::find_s5(t.data + acpi::kSdtHeaderSize, t.length - acpi::kSdtHeaderSize);
        if (s5.ok()) return s5;
        if (s5.error() != Error::kNoEntry) error = s5.error();
    }
    return error;
}

void probe() {
    AcpiPower& s = g_acpi;
    uint64_t rsdp = boot_info().rsdp_phys;
    if (!rsdp) {
        kprintf("power: no ACPI RSDP: no ACPI power-off or reset\n");
        return;
    }
    auto table = acpi::find_table(rsdp, "FACP");
    if (!table.ok()) {
        kprintf("power: no valid ACPI FADT (%s): no ACPI power-off or reset\n",
                error_name(table.error()));
        return;
    }
    auto fadt = acpi::parse_fadt(table.value().data, table.value().length);
    if (!fadt.ok()) {
        kprintf("power: the ACPI FADT is too short: no ACPI power-off or reset\n");
        return;
    }
    s.fadt = fadt.value();
    s.have_fadt = true;
    if (s.fadt.reset_supported && !acpi::prepare_register(s.fadt.reset_reg).ok())
        s.fadt.reset_supported = false;

    const char* no_s5 = nullptr;
    if (s.fadt.hardware_reduced) {
        no_s5 = "hardware-reduced ACPI (no PM1 control block)";
    } else if (!s.fadt.pm1a_cnt.present()) {
        no_s5 = "no PM1a control block";
    } else if (!acpi::prepare_register(s.fadt.pm1a_cnt).ok() ||
               (s.fadt.pm1b_cnt.present() && !acpi::prepare_register(s.fadt.pm1b_cnt).ok())) {
        no_s5 = "cannot map the PM1 control block";
    } else {
        auto s5 = find_s5(rsdp, s.fadt.dsdt_phys);
        if (s5.ok()) {
            s.s5 = s5.value();
            s.s5_usable = true;
        } else {
            no_s5 = s5.error() == Error::kNoEntry ? "no \\_S5 in the DSDT or SSDTs"
                                                  : "the \\_S5 package is malformed";
        }
    }

    if (s.s5_usable) {
        kprintf("power: ACPI S5 SLP_TYP=%u/%u via PM1a_CNT %s 0x%lx", s.s5.a, s.s5.b,
                space_name(s.fadt.pm1a_cnt), s.fadt.pm1a_cnt.address);
    } else {
        kprintf("power: no ACPI S5 (%s)", no_s5);
    }
    if (s.fadt.reset_supported) {
        kprintf("; reset register %s 0x%lx=0x%x\n", space_name(s.fadt.reset_reg),
                s.fadt.reset_reg.address, s.fadt.reset_value);
    } else {
        kprintf("; no ACPI reset register\n");
    }
}

// Hands the PM1 registers from the firmware (SMM) to the OS if it has not
// happened yet; S5 is specified for ACPI mode only. Gives up after ~1 s.
void enable_acpi_mode(const acpi::FadtInfo& fadt) {
    unsigned width = pm1_width(fadt.pm1a_cnt);
    auto cnt = acpi::read_register(fadt.pm1a_cnt, width);
    if (!cnt.ok() || (cnt.value() & kSciEn)) return;
    if (fadt.smi_cmd == 0 || fadt.acpi_enable == 0 || fadt.smi_cmd > 0xffff) return;
    arch::outb(uint16_t(fadt.smi_cmd), fadt.acpi_enable);
    for (unsigned i = 0; i < 1000; ++i) {
        auto now = acpi::read_register(fadt.pm1a_cnt, width);
        if (now.ok() && (now.value() & kSciEn)) return;
        spin(1000);
    }
    kprintf("power: SCI_EN did not come on after ACPI_ENABLE; trying S5 anyway\n");
}

// Writes SLP_TYP, then SLP_TYP|SLP_EN, to one PM1 control register,
// keeping its other bits (as ACPICA does).
void write_sleep(const acpi::Gas& reg, uint8_t type) {
    unsigned width = pm1_width(reg);
    auto current = acpi::read_register(reg, width);
    uint32_t value = current.ok() ? current.value() : 0;
    value = (value & ~uint32_t(kSlpTypMask | kSlpEn)) | (uint32_t(type) << kSlpTypShift);
    (void)acpi::write_register(reg, width, value);
    (void)acpi::write_register(reg, width, value | kSlpEn);
}

void try_acpi_s5() {
    if (!g_acpi.s5_usable) return;
    const acpi::FadtInfo& fadt = g_acpi.fadt;
    kprintf("power: ACPI S5\n");
    enable_acpi_mode(fadt);
    // PM1b first: the machine may go down as soon as PM1a is written.
    if (fadt.pm1b_cnt.present()) write_sleep(fadt.pm1b_cnt, g_acpi.s5.b);
    write_sleep(fadt.pm1a_cnt, g_acpi.s5.a);
    spin(2'000'000);
    kprintf("power: ACPI S5 did not turn the machine off\n");
}

[[noreturn]] void triple_fault() {
    struct [[gnu::packed]] {
        uint16_t limit;
        uint64_t base;
    } empty_idt{0, 0};
    // With no IDT, int3 cannot be delivered, nor the #GP nor the #DF that
    // follow: the CPU shuts down, and the chipset resets it.
    asm volatile("lidt %0; int3" : : "m"(empty_idt) : "memory");
    arch::halt_forever();
}

}  // namespace

void init() {
    if (g_acpi.probed) return;
    g_acpi.probed = true;
    probe();
}

void qemu_debug_exit(uint32_t status) {
    arch::outl(0xf4, status);
}

void power_off(uint32_t status) {
    arch::disable_interrupts();
    qemu_debug_exit(status);
    init();
    try_acpi_s5();
    kprintf("power: no way to power off; halted. It is safe to turn the machine off.\n");
    arch::halt_forever();
}

void halt() {
    arch::disable_interrupts();
    arch::set_ipi_handler(arch::kStopVector, [] { arch::halt_forever(); });
    arch::send_ipi_to_others(arch::kStopVector);
    kprintf("power: halted. It is safe to turn the machine off.\n");
    arch::halt_forever();
}

void reboot() {
    arch::disable_interrupts();
    kprintf("power: reboot\n");
    init();
    if (g_acpi.have_fadt && g_acpi.fadt.reset_supported) {
        kprintf("power: reboot via the ACPI reset register\n");
        (void)acpi::write_register(g_acpi.fadt.reset_reg, 8, g_acpi.fadt.reset_value);
        spin(500'000);
    }
    kprintf("power: reboot via the keyboard controller\n");
    // Wait (bounded) for the 8042's input buffer to drain, then pulse reset.
    for (unsigned i = 0; i < 100'000 && (arch::inb(0x64) & 2); ++i) arch::io_wait();
    arch::outb(0x64, 0xfe);
    spin(500'000);
    kprintf("power: reboot by triple fault\n");
    triple_fault();
}

}  // namespace nyanos::power
