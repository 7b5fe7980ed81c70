#include "lib/pci_enumerate.h"

namespace nyanos::pci {

namespace {

bool answers(uint32_t ids) {
    uint16_t vendor = uint16_t(ids), device = uint16_t(ids >> 16);
    return vendor != 0xffff && vendor != 0 && device != 0xffff && device != 0;
}

// Buses scanned or queued, so no bus is scanned twice.
class BusSet {
public:
    bool contains(uint8_t bus) const { return m_bits[bus / 64] & (1ull << (bus % 64)); }
    void add(uint8_t bus) { m_bits[bus / 64] |= 1ull << (bus % 64); }

private:
    uint64_t m_bits[4] = {};
};

// Depth-first walk with an explicit stack: 256 entries hold every bus, since
// a bus is pushed at most once (the BusSet says so), and the kernel stack
// stays small whatever the depth of the bridges.
class Walker {
public:
    Walker(ConfigAccess& access, BusRange range, Function* out, size_t capacity)
        : m_access(access), m_range(range), m_out(out), m_capacity(capacity) {}

    EnumerationStats run() {
        push(m_range.first);
        while (m_depth > 0) scan_bus(m_stack[--m_depth]);
        return m_stats;
    }

private:
    void push(uint8_t bus) {
        m_seen.add(bus);
        m_stack[m_depth++] = bus;
    }

    void scan_bus(uint8_t bus) {
        if (!m_access.reach_bus(bus)) return;
        ++m_stats.buses;
        // Bridges found on this bus are pushed as found, then put in reverse
        // so the first bridge's bus is scanned next.
        size_t children = m_depth;
        for (uint8_t device = 0; device < kDevicesPerBus; ++device) {
            auto first = read_function(m_access, Address{bus, device, 0});
            if (!first.ok()) continue;
            uint8_t functions = first.value().multi_function ? kFunctionsPerDevice : 1;
            for (uint8_t function = 0; function < functions; ++function) {
                auto found = read_function(m_access, Address{bus, device, function});
                if (!found.ok()) continue;
                keep(found.value());
                if (found.value().is_bridge()) {
                    uint8_t secondary = found.value().secondary_bus;
                    if (usable_child(bus, secondary))
                        push(secondary);
                    else
                        ++m_stats.bridges_skipped;
                }
            }
        }
        for (size_t low = children, high = m_depth; low + 1 < high; ++low, --high) {
            uint8_t swap = m_stack[low];
            m_stack[low] = m_stack[high - 1];
            m_stack[high - 1] = swap;
        }
    }

    bool usable_child(uint8_t parent, uint8_t secondary) const {
        return secondary > parent && secondary >= m_range.first && secondary <= m_range.last &&
               !m_seen.contains(secondary);
    }

    void keep(const Function& function) {
        ++m_stats.functions;
        if (m_stats.kept < m_capacity) m_out[m_stats.kept++] = function;
    }

    ConfigAccess& m_access;
    BusRange m_range;
    Function* m_out;
    size_t m_capacity;
    EnumerationStats m_stats;
    BusSet m_seen;
    uint8_t m_stack[256] = {};
    size_t m_depth = 0;
};

}  // namespace

Result<Function> read_function(ConfigAccess& access, Address address) {
    if (address.device >= kDevicesPerBus || address.function >= kFunctionsPerDevice)
        return Error::kInvalid;
    uint32_t ids = access.read32(address, kVendorId);
    if (!answers(ids)) return Error::kNoDevice;
    Function f;
    f.address = address;
    f.vendor = uint16_t(ids);
    f.device = uint16_t(ids >> 16);
    uint32_t class_word = access.read32(address, kRevision);
    f.revision = uint8_t(class_word);
    f.prog_if = uint8_t(class_word >> 8);
    f.subclass = uint8_t(class_word >> 16);
    f.class_code = uint8_t(class_word >> 24);
    uint8_t header_type = access.read8(address, kHeaderType);
    f.header_type = header_type & kHeaderTypeMask;
    f.multi_function = header_type & kHeaderMultiFunction;
    f.interrupt_line = access.read8(address, kInterruptLine);
    f.interrupt_pin = access.read8(address, kInterruptPin);
    if (f.is_bridge()) {
        f.secondary_bus = access.read8(address, kSecondaryBus);
        f.subordinate_bus = access.read8(address, kSubordinateBus);
    }
    return f;
}

Result<EnumerationStats> enumerate(ConfigAccess& access, BusRange range, Function* out,
                                   size_t capacity) {
    if (range.first > range.last) return Error::kInvalid;
    // The walker is about 400 bytes: fine on a kernel stack.
    Walker walker(access, range, out, capacity);
    return walker.run();
}

}  // namespace nyanos::pci
