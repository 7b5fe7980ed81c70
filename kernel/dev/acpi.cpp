#include "dev/acpi.h"

#include "lib/acpi_madt.h"

#include "arch/x86_64/io.h"
#include "arch/x86_64/page_probe.h"
#include "boot_info.h"
#include "mm/mmio.h"

namespace nyanos::acpi {

namespace {

// The Env lib/acpi_tables.h's walk needs: tables live in firmware memory
// the HHDM may not cover yet, so map them (cached, read-only use).
struct KernelTablesEnv {
    const uint8_t* map(uint64_t phys, uint64_t size) {
        return static_cast<const uint8_t*>(mm::map_physical(phys, size, false));
    }
};

bool valid_width(unsigned width) {
    return width == 8 || width == 16 || width == 32;
}

// PCI configuration mechanism #1 for bus 0; the GAS packs device (bits
// 32-47), function (16-31) and register offset (0-15) into its address.
uint32_t pci_config_address(uint64_t gas_address) {
    uint32_t device = (gas_address >> 32) & 0x1f;
    uint32_t function = (gas_address >> 16) & 0x7;
    uint32_t offset = gas_address & 0xfc;
    return 0x80000000u | (device << 11) | (function << 8) | offset;
}

}  // namespace

Result<Table> find_table(uint64_t rsdp_phys, const char* signature, unsigned index) {
    KernelTablesEnv env;
    return acpi::find_table(env, rsdp_phys, signature, index);
}

Result<MadtInfo> read_madt(uint64_t rsdp_phys) {
    Table madt = TRY(find_table(rsdp_phys, "APIC"));
    MadtInfo info;
    TRY(parse_madt(madt.data, madt.length, info));
    return info;
}

Result<Table> map_table(uint64_t phys, const char* signature) {
    KernelTablesEnv env;
    return acpi::map_table(env, phys, signature);
}

Result<void> prepare_register(const Gas& reg) {
    if (reg.space != Gas::kMemory) return {};
    // Device memory: uncached, mapped once here so later accesses never map.
    if (!mm::map_physical(reg.address, 4, true)) return Error::kFault;
    return {};
}

Result<uint32_t> read_register(const Gas& reg, unsigned width) {
    if (!valid_width(width) || !reg.present()) return Error::kInvalid;
    if (reg.space == Gas::kIo) {
        if (reg.address > 0xffff) return Error::kInvalid;
        auto port = uint16_t(reg.address);
        if (width == 8) return uint32_t(arch::inb(port));
        if (width == 16) return uint32_t(arch::inw(port));
        return arch::inl(port);
    }
    if (reg.space == Gas::kMemory) {
        if (!arch::is_mapped(reinterpret_cast<uint64_t>(phys_to_virt(reg.address))))
            return Error::kFault;
        if (width == 8) return uint32_t(*phys_to_virt<volatile uint8_t>(reg.address));
        if (width == 16) return uint32_t(*phys_to_virt<volatile uint16_t>(reg.address));
        return uint32_t(*phys_to_virt<volatile uint32_t>(reg.address));
    }
    return Error::kInvalid;
}

Result<void> write_register(const Gas& reg, unsigned width, uint32_t value) {
    if (!valid_width(width) || !reg.present()) return Error::kInvalid;
    if (reg.space == Gas::kIo) {
        if (reg.address > 0xffff) return Error::kInvalid;
        auto port = uint16_t(reg.address);
        if (width == 8)
            arch::outb(port, uint8_t(value));
        else if (width == 16)
            arch::outw(port, uint16_t(value));
        else
            arch::outl(port, value);
        return {};
    }
    if (reg.space == Gas::kMemory) {
        if (!arch::is_mapped(reinterpret_cast<uint64_t>(phys_to_virt(reg.address))))
            return Error::kFault;
        if (width == 8)
            *phys_to_virt<volatile uint8_t>(reg.address) = uint8_t(value);
        else if (width == 16)
            *phys_to_virt<volatile uint16_t>(reg.address) = uint16_t(value);
        else
            *phys_to_virt<volatile uint32_t>(reg.address) = value;
        return {};
    }
    if (reg.space == Gas::kPciConfig) {
        // Byte writes only: enough for the reset register, which is the only
        // PCI-space register the FADT names that we write.
        if (width != 8) return Error::kInvalid;
        arch::outl(0xcf8, pci_config_address(reg.address));
        arch::outb(uint16_t(0xcfc + (reg.address & 3)), uint8_t(value));
        return {};
    }
    return Error::kInvalid;
}

}  // namespace nyanos::acpi
