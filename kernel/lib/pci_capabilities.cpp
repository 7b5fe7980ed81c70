#include "lib/pci_capabilities.h"

namespace nyanos::pci {

namespace {

// Calls visit(capability) for each entry until it returns true. Returns
// whether one did (kCorrupt on a malformed chain, as the header says).
template <typename Visit>
Result<bool> walk(ConfigAccess& access, Address address, Visit visit) {
    if (!(access.read16(address, kStatus) & kStatusCapabilities)) return false;
    uint64_t seen = 0;  // one bit per dword of 0x40..0xff
    // The low two bits of every pointer are reserved (PCI 3.0, 6.7): masked,
    // as Linux does, rather than taken as a misaligned pointer.
    uint8_t offset = access.read8(address, kCapabilityPointer) & 0xfc;
    while (offset != 0) {
        if (offset < kFirstCapabilityOffset) return Error::kCorrupt;
        unsigned slot = (offset - kFirstCapabilityOffset) / 4;
        if (seen & (1ull << slot)) return Error::kCorrupt;  // a cycle
        seen |= 1ull << slot;
        uint16_t header = access.read16(address, offset);
        if (header == 0xffff) return Error::kCorrupt;  // the function went away
        if (visit(Capability{uint8_t(header), offset})) return true;
        offset = uint8_t(header >> 8) & 0xfc;
    }
    return false;
}

}  // namespace

Result<size_t> list_capabilities(ConfigAccess& access, Address address, Capability* out,
                                 size_t capacity) {
    size_t count = 0;
    auto record = [&](Capability capability) {
        if (count < capacity) out[count] = capability;
        ++count;
        return false;
    };
    TRY(walk(access, address, record));
    return count;
}

Result<uint8_t> find_capability(ConfigAccess& access, Address address, uint8_t id) {
    uint8_t found = 0;
    auto match = [&](Capability capability) {
        if (capability.id != id) return false;
        found = capability.offset;
        return true;
    };
    if (!TRY(walk(access, address, match))) return Error::kNoEntry;
    return found;
}

}  // namespace nyanos::pci
