#include "lib/pci_text.h"

#include <stdarg.h>

#include "lib/format.h"

namespace nyanos::pci {

namespace {

struct ClassName {
    uint32_t triplet;
    const char* name;
};

// Exact class triplets first: where the programming interface matters (USB
// controllers, AHCI, NVMe).
constexpr ClassName kExact[] = {
    {0x010601, "ahci"}, {0x010802, "nvme"}, {0x0c0300, "uhci"},
    {0x0c0310, "ohci"}, {0x0c0320, "ehci"}, {kClassXhci, "xhci"},
};

// Then by class and subclass, whatever the interface.
constexpr ClassName kBySubclass[] = {
    {0x0101, "ide"},        {0x0106, "sata"},        {0x0200, "ethernet"},
    {0x0300, "vga"},        {0x0600, "host bridge"}, {0x0601, "isa bridge"},
    {0x0604, "pci bridge"}, {0x0c05, "smbus"},       {0x0403, "audio"},
};

constexpr uint32_t kUsedClasses[] = {kClassXhci};

const char* bar_kind(const Bar& bar) {
    switch (bar.kind) {
        case BarKind::kIo:
            return "io";
        case BarKind::kMemory32:
            return bar.prefetchable ? "mem32-pf" : "mem32";
        case BarKind::kMemory64:
            return bar.prefetchable ? "mem64-pf" : "mem64";
        case BarKind::kNone:
            break;
    }
    return "none";
}

// Formats at out + *used, adding the full length to *used even when the
// text is cut short, so the caller learns what the whole line needs.
__attribute__((format(printf, 4, 5))) void append(char* out, size_t size, size_t* used,
                                                  const char* fmt, ...) {
    size_t room = *used < size ? size - *used : 0;
    va_list args;
    va_start(args, fmt);
    *used += vformat(room ? out + *used : nullptr, room, fmt, args);
    va_end(args);
}

}  // namespace

const char* class_name(uint32_t class_triplet) {
    for (const ClassName& c : kExact)
        if (c.triplet == class_triplet) return c.name;
    for (const ClassName& c : kBySubclass)
        if (c.triplet == class_triplet >> 8) return c.name;
    return nullptr;
}

bool kernel_uses(uint32_t class_triplet) {
    for (uint32_t used : kUsedClasses)
        if (used == class_triplet) return true;
    return false;
}

size_t describe(const Function& f, char* out, size_t size) {
    size_t used = 0;
    append(out, size, &used, "%02x:%02x.%u %04x:%04x class %06x", f.address.bus, f.address.device,
           f.address.function, f.vendor, f.device, f.class_triplet());
    if (const char* name = class_name(f.class_triplet())) append(out, size, &used, " (%s)", name);
    return used;
}

size_t proc_line(const Function& f, const Bar* bars, size_t bar_count, char* out, size_t size) {
    size_t used = describe(f, out, size);
    append(out, size, &used, " rev %02x", f.revision);
    if (f.interrupt_pin) append(out, size, &used, " irq %u", f.interrupt_line);
    for (size_t i = 0; i < bar_count; ++i) {
        append(out, size, &used, " bar%u=%s 0x%lx+0x%lx", bars[i].index, bar_kind(bars[i]),
               bars[i].base, bars[i].size);
    }
    append(out, size, &used, "\n");
    return used;
}

}  // namespace nyanos::pci
