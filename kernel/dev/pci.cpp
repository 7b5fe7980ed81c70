#include "dev/pci.h"

#include "arch/x86_64/cpu.h"
#include "dev/pci_access.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "lib/pci_capabilities.h"
#include "lib/pci_msi.h"
#include "lib/pci_text.h"
#include "mm/mmio.h"

namespace nyanos::pci {

namespace {

// Filled by init_pci on the boot CPU before any other CPU starts;
// read-only afterwards.
Device g_devices[kMaxDevices];
size_t g_device_count = 0;

ConfigAccess& access() {
    // Every Device came from init_pci, which had an accessor.
    ConfigAccess* a = config_access();
    VERIFY(a);
    return *a;
}

void record(ConfigAccess& config, const Function* functions, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        Device& d = g_devices[i];
        d.function = functions[i];
        size_t bad = 0;
        {
            // A device's decoding is off while its BARs are probed: no
            // interrupt handler may reach it meanwhile (the framebuffer, for
            // one, is a BAR of the display controller).
            arch::InterruptDisabler quiet;
            d.bar_count = uint8_t(probe_bars(config, d.function.address, d.function.header_type,
                                             d.bars, kGeneralBars, &bad));
        }
        if (bad) {
            char line[64];
            describe(d.function, line, sizeof(line));
            kprintf("pci: %s: %zu BAR(s) read back garbage, ignored\n", line, bad);
        }
    }
    g_device_count = count;
}

}  // namespace

void init_pci(uint64_t rsdp_phys) {
    ConfigMechanism mechanism;
    ConfigAccess* config = init_config_access(rsdp_phys, &mechanism);
    if (!config) {
        kprintf("pci: no configuration mechanism (no MCFG, no 0xCF8 ports)\n");
        return;
    }
    // The walk's own array: the BAR probes that follow need the whole list
    // (a bridge's devices too) and g_devices holds more per function.
    static Function found[kMaxDevices];
    auto walked = enumerate(*config, mechanism.buses, found, kMaxDevices);
    if (!walked.ok()) {
        kprintf("pci: enumeration failed: %s\n", error_name(walked.error()));
        return;
    }
    const EnumerationStats& stats = walked.value();
    record(*config, found, stats.kept);
    for (size_t i = 0; i < g_device_count; ++i) {
        const Function& f = g_devices[i].function;
        if (!kernel_uses(f.class_triplet())) continue;
        char line[64];
        describe(f, line, sizeof(line));
        kprintf("pci: %s\n", line);
    }
    if (mechanism.ecam_base)
        kprintf("pci: %zu devices (ecam at 0x%lx, buses %u-%u, %zu scanned)\n", stats.functions,
                mechanism.ecam_base, mechanism.buses.first, mechanism.buses.last, stats.buses);
    else
        kprintf("pci: %zu devices (%s, %zu buses scanned)\n", stats.functions, mechanism.name,
                stats.buses);
    if (stats.functions > stats.kept)
        kprintf("pci: %zu devices beyond the first %zu ignored\n", stats.functions - stats.kept,
                kMaxDevices);
    if (stats.bridges_skipped)
        kprintf("pci: %zu bridge(s) skipped (bus already scanned, unnumbered or out of range)\n",
                stats.bridges_skipped);
}

size_t device_count() {
    return g_device_count;
}

const Device& device_at(size_t index) {
    VERIFY(index < g_device_count);
    return g_devices[index];
}

const Device* find_device(uint32_t class_triplet, size_t nth) {
    for (size_t i = 0; i < g_device_count; ++i) {
        if (g_devices[i].function.class_triplet() != class_triplet) continue;
        if (nth-- == 0) return &g_devices[i];
    }
    return nullptr;
}

Result<Bar> bar(const Device& device, uint8_t index) {
    for (uint8_t i = 0; i < device.bar_count; ++i)
        if (device.bars[i].index == index) return device.bars[i];
    return Error::kNoEntry;
}

Result<volatile uint8_t*> map_bar(const Device& device, uint8_t index) {
    Bar b = TRY(bar(device, index));
    if (!b.is_memory()) return Error::kNotSupported;
    void* registers = mm::map_physical(b.base, b.size, true);
    if (!registers) return Error::kFault;
    return static_cast<volatile uint8_t*>(registers);
}

void enable_memory_and_bus_master(const Device& device) {
    ConfigAccess& config = access();
    Address a = device.function.address;
    uint16_t command = config.read16(a, kCommand);
    config.write16(a, kCommand, uint16_t(command | kCommandMemory | kCommandBusMaster));
}

const char* interrupt_kind_name(InterruptKind kind) {
    return kind == InterruptKind::kMsix ? "msi-x" : "msi";
}

namespace {

// MSI-X entry 0 for `message`. Every check comes before the first write,
// so a failure leaves the device untouched.
Result<void> route_msix(const Device& device, uint8_t capability, MsiMessage message) {
    ConfigAccess& config = access();
    Address a = device.function.address;
    MsixTable table = TRY(read_msix(config, a, capability));
    Bar table_bar = TRY(bar(device, table.bar));
    TRY(check_msix_table(table, table_bar));
    volatile uint8_t* registers = TRY(map_bar(device, table.bar));
    auto* entries = reinterpret_cast<volatile uint32_t*>(registers + table.offset);
    return enable_msix(config, a, capability, table, entries, 0, message);
}

}  // namespace

Result<InterruptKind> route_interrupt(const Device& device, uint32_t apic_id, uint8_t vector) {
    ConfigAccess& config = access();
    Address a = device.function.address;
    MsiMessage message = TRY(lapic_message(apic_id, vector));
    auto msix = find_capability(config, a, kCapabilityMsix);
    Error msix_error = Error::kNotSupported;
    if (msix.ok()) {
        auto routed = route_msix(device, msix.value(), message);
        if (routed.ok()) return InterruptKind::kMsix;
        msix_error = routed.error();
    } else if (msix.error() != Error::kNoEntry) {
        return msix.error();  // a broken capability list: MSI's walk would fail the same way
    }
    auto msi = find_capability(config, a, kCapabilityMsi);
    if (!msi.ok()) return msi.error() == Error::kNoEntry ? msix_error : msi.error();
    enable_msi(config, a, msi.value(), message);
    return InterruptKind::kMsi;
}

}  // namespace nyanos::pci
