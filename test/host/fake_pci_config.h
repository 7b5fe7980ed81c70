// A fake PCI configuration space for the host tests: functions are 4 KiB
// byte arrays that tests fill as they like (hostile values included). BAR
// slots behave like hardware (only the bits of a size mask are writable,
// the type bits are read-only) or read back a fixed value whatever is
// written. Every access is checked to be one the ConfigAccess
// contract allows, and BAR probes are checked to happen with decoding off.
#pragma once

#include <doctest/doctest.h>

#include <stdint.h>
#include <string.h>

#include <map>
#include <set>
#include <vector>

#include "lib/pci_config.h"

namespace nyanos::test {

struct FakeFunction {
    uint8_t bytes[4096] = {};
    // Per BAR slot: the bits a write can change, as in hardware (0: an
    // unimplemented slot, which keeps reading what it holds).
    uint32_t bar_writable[6] = {};
    // Per BAR slot: when set, every read returns bar_fixed[i].
    bool bar_stuck[6] = {};
    uint32_t bar_fixed[6] = {};

    uint32_t get(uint16_t offset, unsigned size) const {
        uint32_t v = 0;
        for (unsigned i = 0; i < size; ++i) v |= uint32_t(bytes[offset + i]) << (8 * i);
        return v;
    }
    void set(uint16_t offset, unsigned size, uint32_t v) {
        for (unsigned i = 0; i < size; ++i) bytes[offset + i] = uint8_t(v >> (8 * i));
    }
    void set8(uint16_t o, uint8_t v) { set(o, 1, v); }
    void set16(uint16_t o, uint16_t v) { set(o, 2, v); }
    void set32(uint16_t o, uint32_t v) { set(o, 4, v); }
};

class FakePciConfig : public pci::ConfigAccess {
public:
    static uint32_t key(pci::Address a) {
        return uint32_t(a.bus) << 8 | a.device << 3 | a.function;
    }

    // A function with the given ids and class; header type 0 unless said.
    FakeFunction& add(pci::Address a, uint16_t vendor, uint16_t device, uint32_t class_triplet,
                      uint8_t header_type = 0) {
        FakeFunction& f = m_functions[key(a)];
        f.set16(pci::kVendorId, vendor);
        f.set16(pci::kDeviceId, device);
        f.set32(pci::kRevision, class_triplet << 8 | 0x01);
        f.set8(pci::kHeaderType, header_type);
        return f;
    }
    FakeFunction& bridge(pci::Address a, uint8_t secondary, uint8_t subordinate) {
        FakeFunction& f = add(a, 0x8086, 0x1234, 0x060400, pci::kHeaderBridge);
        f.set8(pci::kPrimaryBus, a.bus);
        f.set8(pci::kSecondaryBus, secondary);
        f.set8(pci::kSubordinateBus, subordinate);
        return f;
    }
    FakeFunction& at(pci::Address a) { return m_functions.at(key(a)); }

    uint32_t read(pci::Address a, uint16_t offset, unsigned size) override {
        check_access(a, offset, size);
        ++m_reads;
        auto it = m_functions.find(key(a));
        if (it == m_functions.end()) return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
        FakeFunction& f = it->second;
        int slot = bar_slot(offset);
        if (slot >= 0 && f.bar_stuck[slot]) return f.bar_fixed[slot];
        return f.get(offset, size);
    }

    void write(pci::Address a, uint16_t offset, unsigned size, uint32_t value) override {
        check_access(a, offset, size);
        ++m_writes;
        auto it = m_functions.find(key(a));
        if (it == m_functions.end()) return;
        FakeFunction& f = it->second;
        int slot = bar_slot(offset);
        if (slot >= 0) {
            REQUIRE(size == 4);
            if (value == 0xffffffffu) {
                uint16_t command = uint16_t(f.get(pci::kCommand, 2));
                if (command & (pci::kCommandIo | pci::kCommandMemory)) ++m_probes_while_decoding;
            }
            uint32_t old = f.get(offset, 4);
            f.set32(offset, (old & ~f.bar_writable[slot]) | (value & f.bar_writable[slot]));
            return;
        }
        f.set(offset, size, value);
    }

    bool reach_bus(uint8_t bus) override {
        ++m_reach_calls[bus];
        return !m_unreachable.count(bus);
    }

    std::map<uint32_t, FakeFunction> m_functions;
    std::set<uint8_t> m_unreachable;
    std::map<uint8_t, int> m_reach_calls;
    size_t m_reads = 0, m_writes = 0;
    size_t m_probes_while_decoding = 0;

private:
    static int bar_slot(uint16_t offset) {
        if (offset < pci::kBar0 || offset >= pci::kBar0 + 24 || offset % 4) return -1;
        return (offset - pci::kBar0) / 4;
    }
    static void check_access(pci::Address a, uint16_t offset, unsigned size) {
        REQUIRE(a.device < 32);
        REQUIRE(a.function < 8);
        REQUIRE((size == 1 || size == 2 || size == 4));
        REQUIRE(offset % size == 0);
        REQUIRE(offset + size <= 4096);
    }
};

}  // namespace nyanos::test
