// A function's Base Address Registers: what each one decodes (I/O ports,
// 32- or 64-bit memory) and how large its window is. The size comes from
// the standard probe: write all ones, read back which address bits stick,
// restore. Portable, over a ConfigAccess (lib/pci_config.h).
//
// A readback that no real BAR produces (address bits that are not one
// contiguous run, a base not aligned to the size, a window that wraps, a
// 64-bit BAR in the last slot, the reserved memory type) is an error for
// that BAR, never a guess.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/pci_config.h"
#include "nyanos/lib/result.h"

namespace nyanos::pci {

enum class BarKind : uint8_t { kNone, kIo, kMemory32, kMemory64 };

struct Bar {
    BarKind kind = BarKind::kNone;  // kNone: the slot is unimplemented (reads 0 after the probe)
    uint8_t index = 0;              // the slot (a 64-bit BAR also uses index + 1)
    bool prefetchable = false;
    uint64_t base = 0;  // a bus address: physical memory or an I/O port
    uint64_t size = 0;

    bool is_memory() const { return kind == BarKind::kMemory32 || kind == BarKind::kMemory64; }
    // Slots this BAR takes.
    unsigned slots() const { return kind == BarKind::kMemory64 ? 2 : 1; }
};

// The BAR slots a header type has: 6 (general), 2 (bridge), 0 otherwise.
unsigned bar_slots(uint8_t header_type);

// Decodes a BAR from its value before the probe and its readback after all
// ones were written: `low`/`low_mask` for slot `index`, `high`/`high_mask`
// for the next slot (used only by a 64-bit BAR). kCorrupt for a readback no
// BAR gives (see the file comment); kNoDevice for a value of all ones (the
// function is gone). kRange for a 64-bit BAR whose upper half does not fit
// (index + 1 == slots).
Result<Bar> decode_bar(uint8_t index, unsigned slots, uint32_t low, uint32_t low_mask,
                       uint32_t high, uint32_t high_mask);

// Probes slot `index` of the function at `address` (with `slots` BAR slots,
// from bar_slots). Turns I/O and memory decoding off for the probe, so the
// all-ones address never decodes, and puts the BAR and the command register
// back as they were on every path. The caller owns the device for the
// duration (nothing else may use it while its decoding is off: the kernel
// probes at boot, before any driver runs). Errors as decode_bar; kInvalid
// for an index beyond `slots`.
Result<Bar> probe_bar(ConfigAccess& access, Address address, uint8_t index, unsigned slots);

// Probes every slot in turn, writing up to `capacity` decoded BARs (kNone
// ones left out) to `out`; a BAR that fails to decode is skipped (it is
// counted in *bad when bad is not null), and its slot alone. Returns how many were
// written.
size_t probe_bars(ConfigAccess& access, Address address, uint8_t header_type, Bar* out,
                  size_t capacity, size_t* bad);

}  // namespace nyanos::pci
