#include "lib/pci_msi.h"

namespace nyanos::pci {

namespace {

// MSI capability registers (offsets from the capability).
constexpr uint16_t kMsiControl = 2;
constexpr uint16_t kMsiAddress = 4;
constexpr uint16_t kMsiUpperAddress = 8;  // 64-bit capable only
constexpr uint16_t kMsiControlEnable = 1u << 0;
constexpr uint16_t kMsiControlMultipleEnable = 7u << 4;
constexpr uint16_t kMsiControl64 = 1u << 7;
constexpr uint16_t kMsiControlPerVectorMask = 1u << 8;

// MSI-X capability registers and table entries.
constexpr uint16_t kMsixControl = 2;
constexpr uint16_t kMsixTable = 4;
constexpr uint16_t kMsixControlSize = 0x7ff;  // entries - 1
constexpr uint16_t kMsixControlFunctionMask = 1u << 14;
constexpr uint16_t kMsixControlEnable = 1u << 15;
constexpr uint32_t kMsixBirMask = 7;
constexpr unsigned kMsixEntryWords = 4;  // address low, high, data, vector control
constexpr uint32_t kMsixVectorMasked = 1;

constexpr uint64_t kLapicMessageBase = 0xfee00000;
constexpr unsigned kLapicDestinationShift = 12;
constexpr uint8_t kFirstExternalVector = 32;

void disable_intx(ConfigAccess& access, Address address) {
    uint16_t command = access.read16(address, kCommand);
    access.write16(address, kCommand, uint16_t(command | kCommandInterruptDisable));
}

void write_entry(volatile uint32_t* entry, MsiMessage message, bool masked) {
    entry[0] = uint32_t(message.address);
    entry[1] = uint32_t(message.address >> 32);
    entry[2] = message.data;
    entry[3] = masked ? kMsixVectorMasked : 0;
}

}  // namespace

Result<MsiMessage> lapic_message(uint32_t apic_id, uint8_t vector) {
    if (vector < kFirstExternalVector || apic_id > 0xff) return Error::kInvalid;
    return MsiMessage{kLapicMessageBase | uint64_t(apic_id) << kLapicDestinationShift, vector};
}

void enable_msi(ConfigAccess& access, Address address, uint8_t capability, MsiMessage message) {
    uint16_t control_offset = uint16_t(capability + kMsiControl);
    uint16_t control = access.read16(address, control_offset);
    // Off while the address and data change, so no half-written message is sent.
    control = uint16_t(control & ~(kMsiControlEnable | kMsiControlMultipleEnable));
    access.write16(address, control_offset, control);
    bool wide = control & kMsiControl64;
    access.write32(address, uint16_t(capability + kMsiAddress), uint32_t(message.address));
    uint16_t data_offset = uint16_t(capability + (wide ? 12 : 8));
    if (wide)
        access.write32(address, uint16_t(capability + kMsiUpperAddress),
                       uint32_t(message.address >> 32));
    access.write16(address, data_offset, uint16_t(message.data));
    if (control & kMsiControlPerVectorMask) {
        // The mask bits follow the data register (with 2 bytes of padding).
        uint16_t mask_offset = uint16_t(data_offset + 4);
        access.write32(address, mask_offset, access.read32(address, mask_offset) & ~1u);
    }
    disable_intx(access, address);
    access.write16(address, control_offset, uint16_t(control | kMsiControlEnable));
}

Result<MsixTable> read_msix(ConfigAccess& access, Address address, uint8_t capability) {
    uint16_t control = access.read16(address, uint16_t(capability + kMsixControl));
    uint32_t where = access.read32(address, uint16_t(capability + kMsixTable));
    MsixTable table;
    table.bar = uint8_t(where & kMsixBirMask);
    table.offset = where & ~kMsixBirMask;
    table.entries = uint16_t((control & kMsixControlSize) + 1);
    if (table.bar >= kGeneralBars) return Error::kCorrupt;
    return table;
}

Result<void> check_msix_table(const MsixTable& table, const Bar& bar) {
    if (!bar.is_memory() || bar.index != table.bar) return Error::kCorrupt;
    if (table.offset > bar.size || table.bytes() > bar.size - table.offset) return Error::kCorrupt;
    return {};
}

Result<void> enable_msix(ConfigAccess& access, Address address, uint8_t capability,
                         const MsixTable& table_info, volatile uint32_t* table, uint16_t entry,
                         MsiMessage message) {
    if (entry >= table_info.entries) return Error::kRange;
    uint16_t control_offset = uint16_t(capability + kMsixControl);
    uint16_t control = access.read16(address, control_offset);
    // Enabled with the whole function masked: entries may be written, none fires.
    control = uint16_t(control | kMsixControlEnable | kMsixControlFunctionMask);
    access.write16(address, control_offset, control);
    for (uint16_t i = 0; i < table_info.entries; ++i)
        table[i * kMsixEntryWords + 3] = kMsixVectorMasked;
    write_entry(table + entry * kMsixEntryWords, message, false);
    disable_intx(access, address);
    access.write16(address, control_offset, uint16_t(control & ~kMsixControlFunctionMask));
    return {};
}

}  // namespace nyanos::pci
