// PCI functions as text: a name for the classes NyanOS knows, the line the
// kernel prints at boot, and the line /proc/pci shows. Portable, so the
// host tests pin the formats.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/pci_bar.h"
#include "lib/pci_enumerate.h"

namespace nyanos::pci {

inline constexpr uint32_t kClassXhci = 0x0c0330;

// A short name for a class triplet ("xhci", "pci bridge"), or nullptr.
const char* class_name(uint32_t class_triplet);

// Whether the kernel has (or is growing) a driver for the class: those get
// a boot line each.
bool kernel_uses(uint32_t class_triplet);

// "00:04.0 1b36:000d class 0c0330 (xhci)": address, vendor:device, class,
// and the name when class_name has one. Truncated to `size` like format();
// returns the length the whole line needs.
size_t describe(const Function& function, char* out, size_t size);

// /proc/pci's line for a function (with its '\n'): describe()'s text, then
// " rev RR", " irq N" when it has an interrupt pin (N the line the firmware
// routed), and " barI=KIND BASE+SIZE" per decoded BAR, KIND one of io,
// mem32, mem64 (with "-pf" when prefetchable), BASE and SIZE in hex.
// Returns the length the whole line needs, as describe().
size_t proc_line(const Function& function, const Bar* bars, size_t bar_count, char* out,
                 size_t size);

}  // namespace nyanos::pci
