#include "dev/pci_access.h"

#include <string.h>

#include "arch/x86_64/io.h"
#include "boot_info.h"
#include "dev/acpi.h"
#include "lib/acpi_mcfg.h"
#include "mm/mmio.h"
#include "sync/spinlock.h"

namespace nyanos::pci {

namespace {

constexpr uint16_t kAddressPort = 0xcf8;
constexpr uint16_t kDataPort = 0xcfc;
constexpr uint32_t kAddressEnable = 0x80000000u;
constexpr unsigned kEcamBusShift = 20;
constexpr uint64_t kEcamBusBytes = 1ull << kEcamBusShift;

uint32_t all_ones(unsigned size) {
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

bool valid_access(Address a, uint16_t offset, unsigned size, uint16_t limit) {
    return (size == 1 || size == 2 || size == 4) && offset % size == 0 && offset < limit &&
           a.device < kDevicesPerBus && a.function < kFunctionsPerDevice;
}

// The address register and the data window form one access: another CPU's
// address written between them would send this CPU's data to the wrong
// function. The lock holds the pair together; interrupts are off while it
// is held so no handler on this CPU can spin on it.
sync::IrqSpinLock g_port_lock;

class PortAccess final : public ConfigAccess {
public:
    uint32_t read(Address a, uint16_t offset, unsigned size) override {
        if (!valid_access(a, offset, size, kLegacyConfigSize)) return all_ones(size);
        sync::Guard guard(g_port_lock);
        return read_locked(a, offset, size);
    }

    void write(Address a, uint16_t offset, unsigned size, uint32_t value) override {
        if (!valid_access(a, offset, size, kLegacyConfigSize)) return;
        sync::Guard guard(g_port_lock);
        write_locked(a, offset, size, value);
    }

private:
    static void select_locked(Address a, uint16_t offset) REQUIRES(g_port_lock) {
        arch::outl(kAddressPort, kAddressEnable | uint32_t(a.bus) << 16 | uint32_t(a.device) << 11 |
                                     uint32_t(a.function) << 8 | (offset & 0xfc));
    }
    static uint32_t read_locked(Address a, uint16_t offset, unsigned size) REQUIRES(g_port_lock) {
        select_locked(a, offset);
        auto port = uint16_t(kDataPort + (offset & 3));
        if (size == 1) return arch::inb(port);
        if (size == 2) return arch::inw(port);
        return arch::inl(port);
    }
    static void write_locked(Address a, uint16_t offset, unsigned size, uint32_t value)
        REQUIRES(g_port_lock) {
        select_locked(a, offset);
        auto port = uint16_t(kDataPort + (offset & 3));
        if (size == 1)
            arch::outb(port, uint8_t(value));
        else if (size == 2)
            arch::outw(port, uint16_t(value));
        else
            arch::outl(port, value);
    }
};

// Each access is one uncached load or store of its own width, which the
// hardware performs whole: no lock is needed. Which buses are mapped only
// grows (reach_bus, at boot), so a bit read set stays set.
class EcamAccess final : public ConfigAccess {
public:
    constexpr EcamAccess() = default;
    // Before the first access, on the boot CPU.
    void set_window(const acpi::EcamWindow& window) { m_window = window; }

    uint32_t read(Address a, uint16_t offset, unsigned size) override {
        volatile uint8_t* p = locate(a, offset, size);
        if (!p) return all_ones(size);
        if (size == 1) return *p;
        if (size == 2) return *reinterpret_cast<volatile uint16_t*>(p);
        return *reinterpret_cast<volatile uint32_t*>(p);
    }

    void write(Address a, uint16_t offset, unsigned size, uint32_t value) override {
        volatile uint8_t* p = locate(a, offset, size);
        if (!p) return;
        if (size == 1)
            *p = uint8_t(value);
        else if (size == 2)
            *reinterpret_cast<volatile uint16_t*>(p) = uint16_t(value);
        else
            *reinterpret_cast<volatile uint32_t*>(p) = value;
    }

    // Maps the bus's 1 MiB (256 pages) rather than the window's 256 MiB,
    // which would cost 128 page tables for the buses that are never there.
    bool reach_bus(uint8_t bus) override {
        if (bus < m_window.start_bus || bus > m_window.end_bus) return false;
        if (mapped(bus)) return true;
        if (!mm::map_physical(bus_phys(bus), kEcamBusBytes, true)) return false;
        __atomic_fetch_or(&m_mapped[bus / 64], 1ull << (bus % 64), __ATOMIC_RELEASE);
        return true;
    }

private:
    uint64_t bus_phys(uint8_t bus) const {
        return m_window.base + (uint64_t(bus) << kEcamBusShift);
    }

    bool mapped(uint8_t bus) const {
        return __atomic_load_n(&m_mapped[bus / 64], __ATOMIC_ACQUIRE) & (1ull << (bus % 64));
    }

    volatile uint8_t* locate(Address a, uint16_t offset, unsigned size) const {
        if (!valid_access(a, offset, size, kExtendedConfigSize)) return nullptr;
        if (a.bus < m_window.start_bus || a.bus > m_window.end_bus || !mapped(a.bus))
            return nullptr;
        uint64_t phys =
            bus_phys(a.bus) | uint64_t(a.device) << 15 | uint64_t(a.function) << 12 | offset;
        return phys_to_virt<volatile uint8_t>(phys);
    }

    acpi::EcamWindow m_window;
    uint64_t m_mapped[4] = {};
};

// Written once by init_config_access on the boot CPU before any other CPU
// starts; read-only afterwards (but the ECAM's mapped-bus bits).
ConfigAccess* g_access = nullptr;
constinit EcamAccess g_ecam;
constinit PortAccess g_ports;

// Mechanism #1 is there when its address register keeps what is written.
bool ports_present() {
    sync::Guard guard(g_port_lock);
    uint32_t saved = arch::inl(kAddressPort);
    arch::outl(kAddressPort, kAddressEnable);
    bool present = arch::inl(kAddressPort) == kAddressEnable;
    arch::outl(kAddressPort, saved);
    return present;
}

Result<acpi::EcamWindow> find_ecam(uint64_t rsdp_phys) {
    acpi::Table table = TRY(acpi::find_table(rsdp_phys, "MCFG"));
    acpi::McfgInfo info;
    TRY(acpi::parse_mcfg(table.data, table.length, info));
    return acpi::ecam_window_for(info, 0);
}

}  // namespace

ConfigAccess* init_config_access(uint64_t rsdp_phys, ConfigMechanism* mechanism) {
    *mechanism = ConfigMechanism{};
    char forced[8] = {};
    bool ports_forced =
        cmdline_value("pci", forced, sizeof(forced)) && strcmp(forced, "ports") == 0;
    if (!ports_forced) {
        if (auto window = find_ecam(rsdp_phys); window.ok()) {
            const acpi::EcamWindow& w = window.value();
            // The direct map ends where the kernel stacks begin (mm/mmio.h):
            // a window beyond it cannot be mapped, and the ports serve instead.
            if (mm::map_physical(w.base + (uint64_t(w.start_bus) << kEcamBusShift), 4096, true)) {
                g_ecam.set_window(w);
                g_access = &g_ecam;
                *mechanism = ConfigMechanism{"ecam", w.base, BusRange{w.start_bus, w.end_bus}};
                return g_access;
            }
        }
    }
    if (!ports_present()) return nullptr;
    g_access = &g_ports;
    *mechanism = ConfigMechanism{"ports", 0, BusRange{0, 255}};
    return g_access;
}

ConfigAccess* config_access() {
    return g_access;
}

}  // namespace nyanos::pci
