#include "lib/pci_bar.h"

namespace nyanos::pci {

namespace {

constexpr uint32_t kBarIo = 1u << 0;
constexpr uint32_t kBarMemoryTypeMask = 3u << 1;
constexpr uint32_t kBarMemory64 = 2u << 1;
constexpr uint32_t kBarMemoryReserved = 3u << 1;
constexpr uint32_t kBarPrefetchable = 1u << 3;
constexpr uint32_t kIoAddressMask = ~3u;
constexpr uint32_t kMemoryAddressMask = ~15u;

// The size a mask of writable address bits gives (its lowest bit), or 0 if
// the bits are not one contiguous run (garbage, not a BAR). The run may stop
// short of bit 63: a 64-bit BAR may decode fewer address bits (40, say).
uint64_t size_of_mask(uint64_t mask) {
    if (mask == 0) return 0;
    uint64_t size = mask & -mask;
    // Adding the lowest bit of a run carries through all of it.
    return ((mask + size) & mask) == 0 ? size : 0;
}

uint16_t bar_offset(uint8_t index) {
    return uint16_t(kBar0 + 4 * index);
}

}  // namespace

unsigned bar_slots(uint8_t header_type) {
    if (header_type == kHeaderGeneral) return kGeneralBars;
    if (header_type == kHeaderBridge) return kBridgeBars;
    return 0;
}

Result<Bar> decode_bar(uint8_t index, unsigned slots, uint32_t low, uint32_t low_mask,
                       uint32_t high, uint32_t high_mask) {
    if (index >= slots) return Error::kInvalid;
    if (low == 0xffffffffu) return Error::kNoDevice;
    Bar bar;
    bar.index = index;
    if (low_mask == 0) return bar;  // unimplemented: nothing sticks
    uint64_t mask;
    if (low & kBarIo) {
        // The type bit must read back as written by the device, not as our ones.
        if (!(low_mask & kBarIo)) return Error::kCorrupt;
        bar.kind = BarKind::kIo;
        // I/O space is 16 bits on x86; many BARs leave the upper half zero.
        uint32_t io_mask = low_mask & kIoAddressMask;
        if ((io_mask & 0xffff0000u) == 0) io_mask |= 0xffff0000u;
        mask = uint64_t(0xffffffff00000000ull) | io_mask;
        bar.base = low & kIoAddressMask;
    } else {
        if ((low_mask & (kBarIo | kBarMemoryTypeMask)) != (low & (kBarIo | kBarMemoryTypeMask)))
            return Error::kCorrupt;  // the type bits are read-only
        uint32_t type = low & kBarMemoryTypeMask;
        if (type == kBarMemoryReserved) return Error::kCorrupt;
        bar.prefetchable = low & kBarPrefetchable;
        bar.base = low & kMemoryAddressMask;
        if (type == kBarMemory64) {
            if (index + 1u >= slots) return Error::kRange;
            bar.kind = BarKind::kMemory64;
            bar.base |= uint64_t(high) << 32;
            // Below bit 32 every bit above the size must stick, or the
            // window would not be aligned to its size.
            uint32_t low_bits = low_mask & kMemoryAddressMask;
            if (low_bits != 0 && (low_bits | (low_bits - 1)) != 0xffffffffu) return Error::kCorrupt;
            mask = uint64_t(high_mask) << 32 | low_bits;
        } else {
            // 32-bit (and the old "below 1 MiB" type, which decodes 32 bits).
            bar.kind = BarKind::kMemory32;
            mask = uint64_t(0xffffffff00000000ull) | (low_mask & kMemoryAddressMask);
        }
    }
    bar.size = size_of_mask(mask);
    if (bar.size == 0) return Error::kCorrupt;
    if (bar.base & (bar.size - 1)) return Error::kCorrupt;  // hardware ties those bits to 0
    if (bar.base + bar.size < bar.base) return Error::kCorrupt;
    return bar;
}

Result<Bar> probe_bar(ConfigAccess& access, Address address, uint8_t index, unsigned slots) {
    if (index >= slots) return Error::kInvalid;
    uint16_t offset = bar_offset(index);
    uint16_t command = access.read16(address, kCommand);
    access.write16(address, kCommand, uint16_t(command & ~(kCommandIo | kCommandMemory)));

    uint32_t low = access.read32(address, offset);
    access.write32(address, offset, 0xffffffffu);
    uint32_t low_mask = access.read32(address, offset);
    access.write32(address, offset, low);

    // The upper half only matters to a 64-bit memory BAR; probing the next
    // slot for any other kind would disturb a BAR of its own.
    uint32_t high = 0, high_mask = 0;
    bool wide = !(low & kBarIo) && (low & kBarMemoryTypeMask) == kBarMemory64 &&
                index + 1u < slots && low != 0xffffffffu;
    if (wide) {
        uint16_t high_offset = bar_offset(uint8_t(index + 1));
        high = access.read32(address, high_offset);
        access.write32(address, high_offset, 0xffffffffu);
        high_mask = access.read32(address, high_offset);
        access.write32(address, high_offset, high);
    }
    access.write16(address, kCommand, command);
    return decode_bar(index, slots, low, low_mask, high, high_mask);
}

size_t probe_bars(ConfigAccess& access, Address address, uint8_t header_type, Bar* out,
                  size_t capacity, size_t* bad) {
    unsigned slots = bar_slots(header_type);
    size_t written = 0;
    for (unsigned index = 0; index < slots;) {
        auto bar = probe_bar(access, address, uint8_t(index), slots);
        if (!bar.ok()) {
            if (bad) ++*bad;
            ++index;
            continue;
        }
        index += bar.value().slots();
        if (bar.value().kind == BarKind::kNone) continue;
        if (written < capacity) out[written++] = bar.value();
    }
    return written;
}

}  // namespace nyanos::pci
