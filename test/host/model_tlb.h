// A model of one CPU's TLB for the PCID tests (pcid_test.cpp,
// pcid_pair_test.cpp): translations tagged by PCID, and the CPU's rules for
// them. A CR3 load without the no-flush bit drops the new PCID's entries
// (with it, they stay); invlpg acts on the live PCID only; INVPCID names
// its PCID.
#pragma once

#include <stdint.h>

#include <iterator>
#include <map>
#include <utility>

#include "mm/pcid.h"

struct ModelTlb {
    std::map<std::pair<uint16_t, uint64_t>, uint64_t> entries;  // (pcid, va) -> pa
    uint16_t live_pcid = 0;

    void load_cr3(uint64_t cr3) {
        live_pcid = uint16_t(cr3 & (nyanos::mm::kPcidCount - 1));
        if (!(cr3 & nyanos::mm::kCr3NoFlush)) flush(live_pcid);
    }
    void flush(uint16_t pcid) {  // INVPCID single-context
        for (auto it = entries.begin(); it != entries.end();)
            it = it->first.first == pcid ? entries.erase(it) : std::next(it);
    }
    void invlpg(uint64_t va) { entries.erase({live_pcid, va}); }
    void invpcid_address(uint16_t pcid, uint64_t va) { entries.erase({pcid, va}); }
    void fill(uint64_t va, uint64_t pa) { entries[{live_pcid, va}] = pa; }
    const uint64_t* lookup(uint64_t va) const {
        auto it = entries.find({live_pcid, va});
        return it == entries.end() ? nullptr : &it->second;
    }
    uint64_t cached_pa(uint64_t va) const {  // 0: nothing cached
        const uint64_t* pa = lookup(va);
        return pa ? *pa : 0;
    }
};

// Whether a CR3 value loads with a flush of its PCID.
inline bool flushed(uint64_t cr3) {
    return (cr3 & nyanos::mm::kCr3NoFlush) == 0;
}
