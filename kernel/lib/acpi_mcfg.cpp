#include "lib/acpi_mcfg.h"

#include "lib/acpi_tables.h"

namespace nyanos::acpi {

namespace {

// MCFG layout (PCI Firmware 3.2, 4.1.2): the SDT header, 8 reserved bytes,
// then 16-byte allocation entries.
constexpr uint32_t kMcfgEntries = 44;
constexpr uint32_t kEntrySize = 16;

}  // namespace

Result<void> parse_mcfg(const uint8_t* table, uint32_t length, McfgInfo& out) {
    out = McfgInfo{};
    if (!table || length < kMcfgEntries) return Error::kCorrupt;
    for (uint32_t at = kMcfgEntries; length - at >= kEntrySize; at += kEntrySize) {
        const uint8_t* entry = table + at;
        EcamWindow window;
        window.base = read_le64(entry);
        window.segment = read_le16(entry + 8);
        window.start_bus = entry[10];
        window.end_bus = entry[11];
        bool usable = window.base != 0 && window.end_bus >= window.start_bus &&
                      window.base + window.size() > window.base;
        if (!usable || out.count == kMcfgMaxSegments) {
            ++out.skipped;
            continue;
        }
        out.windows[out.count++] = window;
    }
    return {};
}

Result<EcamWindow> ecam_window_for(const McfgInfo& info, uint16_t segment) {
    const EcamWindow* first = nullptr;
    for (unsigned i = 0; i < info.count; ++i) {
        const EcamWindow& window = info.windows[i];
        if (window.segment != segment) continue;
        if (window.start_bus == 0) return window;
        if (!first) first = &window;
    }
    if (!first) return Error::kNoEntry;
    return *first;
}

}  // namespace nyanos::acpi
