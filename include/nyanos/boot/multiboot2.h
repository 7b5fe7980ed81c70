// A bounds-checked reader for the multiboot2 boot information (MBI) that GRUB
// hands the NyanOS loader. Header-only and freestanding, so the GRUB loader
// (grub/) and the host tests compile the very same code.
//
// parse() never reads outside [mbi, mbi + buffer_size): every tag is checked
// against the MBI's total_size before its payload is touched, and every
// known tag against its minimum size. A malformed MBI yields an Error plus a
// Diagnostic (a fixed sentence and the byte offset of the offending tag),
// never a crash. Unknown tag types are skipped, as the multiboot2
// specification requires (newer GRUBs add tags), but counted.
//
// The Info it returns points into the MBI: it is valid as long as the MBI is.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "nyanos/lib/result.h"

namespace nyanos::boot::multiboot2 {

// EAX on entry from a multiboot2 loader.
inline constexpr uint32_t kBootloaderMagic = 0x36d76289u;
// The magic in the OS image's header.
inline constexpr uint32_t kHeaderMagic = 0xe85250d6u;

enum TagType : uint32_t {
    kTagEnd = 0,
    kTagCmdline = 1,
    kTagBootloaderName = 2,
    kTagModule = 3,
    kTagBasicMeminfo = 4,
    kTagBootDevice = 5,
    kTagMemoryMap = 6,
    kTagVbe = 7,
    kTagFramebuffer = 8,
    kTagElfSections = 9,
    kTagApm = 10,
    kTagEfi32SystemTable = 11,
    kTagEfi64SystemTable = 12,
    kTagSmbios = 13,
    kTagAcpiOldRsdp = 14,
    kTagAcpiNewRsdp = 15,
    kTagNetwork = 16,
    kTagEfiMemoryMap = 17,
    kTagEfiBootServicesNotExited = 18,
    kTagEfi32ImageHandle = 19,
    kTagEfi64ImageHandle = 20,
    kTagLoadBaseAddr = 21,
    kHighestKnownTag = 21,
};

// Memory map entry types (tag 6).
enum MemoryMapType : uint32_t {
    kMemAvailable = 1,
    kMemReserved = 2,
    kMemAcpiReclaimable = 3,
    kMemAcpiNvs = 4,
    kMemBadRam = 5,
};

// Framebuffer tag types (tag 8).
enum FramebufferType : uint8_t {
    kFbIndexed = 0,
    kFbRgb = 1,
    kFbEgaText = 2,
};

inline constexpr uint32_t kTagHeaderSize = 8;           // type + size
inline constexpr uint32_t kMbiHeaderSize = 8;           // total_size + reserved
inline constexpr uint32_t kMemoryMapEntryMin = 24;      // base, length, type, reserved
inline constexpr uint32_t kFramebufferCommonSize = 32;  // header + common fields
inline constexpr uint32_t kFramebufferRgbSize = 38;     // + six colour bytes
inline constexpr uint32_t kRsdpV1Size = 20;
inline constexpr uint32_t kRsdpV2Size = 36;
inline constexpr size_t kMaxModules = 16;
// No GRUB builds an MBI anywhere near this; a larger total_size is garbage.
inline constexpr uint32_t kMaxTotalSize = 16u << 20;

struct MemoryMapEntry {
    uint64_t base;
    uint64_t length;
    uint32_t type;  // MemoryMapType
};

struct Module {
    uint32_t start;      // physical, inclusive
    uint32_t end;        // physical, exclusive (GRUB stores start + size)
    const char* string;  // NUL terminated, inside the MBI
};

struct FramebufferInfo {
    uint64_t addr;
    uint32_t pitch;
    uint32_t width;
    uint32_t height;
    uint8_t bpp;
    uint8_t type;  // FramebufferType
    // Only for kFbRgb.
    uint8_t red_position, red_size;
    uint8_t green_position, green_size;
    uint8_t blue_position, blue_size;
};

struct Info {
    uint32_t total_size = 0;
    const char* cmdline = nullptr;  // NUL terminated, or null when absent
    const char* bootloader_name = nullptr;

    // Memory map (tag 6): entry_count entries of entry_size bytes each.
    const uint8_t* memory_map = nullptr;
    uint32_t memory_map_entry_size = 0;
    uint32_t memory_map_entry_count = 0;

    bool has_framebuffer = false;
    FramebufferInfo framebuffer{};

    const uint8_t* rsdp_v1 = nullptr;  // kRsdpV1Size bytes
    const uint8_t* rsdp_v2 = nullptr;  // rsdp_v2_size bytes (>= kRsdpV2Size)
    uint32_t rsdp_v2_size = 0;

    bool has_efi32_system_table = false;
    bool has_efi64_system_table = false;
    uint64_t efi_system_table = 0;

    Module modules[kMaxModules]{};
    uint32_t module_count = 0;

    uint32_t unknown_tag_count = 0;

    // Entry i of the memory map (i < memory_map_entry_count). Read with
    // byte copies: entry_size is a multiple of 8, so this is only defensive.
    MemoryMapEntry memory_map_entry(uint32_t i) const {
        const uint8_t* p = memory_map + size_t(i) * memory_map_entry_size;
        MemoryMapEntry e{};
        e.base = read_u64(p);
        e.length = read_u64(p + 8);
        e.type = read_u32(p + 16);
        return e;
    }

    // True when GRUB ran as an EFI application (it then passes the system table).
    bool booted_by_efi() const { return has_efi32_system_table || has_efi64_system_table; }

    static uint32_t read_u32(const uint8_t* p) {
        return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
    }
    static uint64_t read_u64(const uint8_t* p) {
        return uint64_t(read_u32(p)) | uint64_t(read_u32(p + 4)) << 32;
    }
};

// Why parse() failed: a fixed sentence and the byte offset (from the start of
// the MBI) of the tag it concerns, or 0 for the MBI header.
struct Diagnostic {
    const char* reason = nullptr;
    uint32_t offset = 0;
};

namespace detail {

inline Error fail(Diagnostic* diag, Error code, const char* reason, uint32_t offset) {
    if (diag) {
        diag->reason = reason;
        diag->offset = offset;
    }
    return code;
}

// Is there a NUL in [p, p + len)?
inline bool has_nul(const uint8_t* p, uint32_t len) {
    for (uint32_t i = 0; i < len; ++i) {
        if (p[i] == 0) return true;
    }
    return false;
}

}  // namespace detail

// Parses the MBI at `mbi`. `buffer_size` is how many bytes may be read there
// (the host tests pass their buffer's size; the loader, which cannot know,
// passes kMaxTotalSize). `mbi` must be 8-byte aligned.
//
// Errors: kInvalid for a null or misaligned MBI; kCorrupt for every
// structural defect (sizes, bounds, missing end tag, short or unterminated
// tags, too many modules). `diag`, when given, says which and where.
inline Result<Info> parse(const void* mbi, size_t buffer_size, Diagnostic* diag = nullptr) {
    using detail::fail;
    const auto* base = static_cast<const uint8_t*>(mbi);
    if (!base) return fail(diag, Error::kInvalid, "MBI pointer is null", 0);
    if (reinterpret_cast<uintptr_t>(base) & 7)
        return fail(diag, Error::kInvalid, "MBI is not 8-byte aligned", 0);
    if (buffer_size < kMbiHeaderSize)
        return fail(diag, Error::kCorrupt, "MBI truncated: no room for its header", 0);

    Info info;
    uint32_t total = Info::read_u32(base);
    if (total < kMbiHeaderSize + kTagHeaderSize)
        return fail(diag, Error::kCorrupt, "MBI total_size too small to hold an end tag", 0);
    if (total > buffer_size || total > kMaxTotalSize)
        return fail(diag, Error::kCorrupt, "MBI total_size larger than the memory it lives in", 0);
    if (total & 7) return fail(diag, Error::kCorrupt, "MBI total_size is not a multiple of 8", 0);
    info.total_size = total;

    uint32_t offset = kMbiHeaderSize;
    bool ended = false;
    while (!ended) {
        if (offset > total - kTagHeaderSize)
            return fail(diag, Error::kCorrupt, "MBI has no end tag before total_size", offset);
        const uint8_t* tag = base + offset;
        uint32_t type = Info::read_u32(tag);
        uint32_t size = Info::read_u32(tag + 4);
        if (size == 0) return fail(diag, Error::kCorrupt, "tag has size 0", offset);
        if (size < kTagHeaderSize)
            return fail(diag, Error::kCorrupt, "tag size smaller than the tag header", offset);
        if (size > total - offset)
            return fail(diag, Error::kCorrupt, "tag runs past the end of the MBI", offset);
        const uint8_t* payload = tag + kTagHeaderSize;
        uint32_t payload_size = size - kTagHeaderSize;

        switch (type) {
            case kTagEnd:
                if (size != kTagHeaderSize)
                    return fail(diag, Error::kCorrupt, "end tag size is not 8", offset);
                ended = true;
                break;
            case kTagCmdline:
            case kTagBootloaderName: {
                if (!detail::has_nul(payload, payload_size))
                    return fail(diag, Error::kCorrupt, "string tag is not NUL terminated", offset);
                const char* s = reinterpret_cast<const char*>(payload);
                (type == kTagCmdline ? info.cmdline : info.bootloader_name) = s;
                break;
            }
            case kTagModule: {
                if (payload_size < 9)
                    return fail(diag, Error::kCorrupt, "module tag too short", offset);
                if (!detail::has_nul(payload + 8, payload_size - 8))
                    return fail(diag, Error::kCorrupt, "module string is not NUL terminated",
                                offset);
                Module m{Info::read_u32(payload), Info::read_u32(payload + 4),
                         reinterpret_cast<const char*>(payload + 8)};
                if (m.end < m.start)
                    return fail(diag, Error::kCorrupt, "module ends before it starts", offset);
                if (info.module_count == kMaxModules)
                    return fail(diag, Error::kCorrupt, "more modules than the loader supports",
                                offset);
                info.modules[info.module_count++] = m;
                break;
            }
            case kTagMemoryMap: {
                if (payload_size < 8)
                    return fail(diag, Error::kCorrupt, "memory map tag too short", offset);
                uint32_t entry_size = Info::read_u32(payload);
                if (entry_size < kMemoryMapEntryMin || (entry_size & 7))
                    return fail(diag, Error::kCorrupt,
                                "memory map entry_size is below 24 or not a multiple of 8", offset);
                uint32_t bytes = payload_size - 8;
                if (bytes % entry_size)
                    return fail(diag, Error::kCorrupt, "memory map tag ends inside an entry",
                                offset);
                info.memory_map = payload + 8;
                info.memory_map_entry_size = entry_size;
                info.memory_map_entry_count = bytes / entry_size;
                break;
            }
            case kTagFramebuffer: {
                if (size < kFramebufferCommonSize)
                    return fail(diag, Error::kCorrupt, "framebuffer tag too short", offset);
                FramebufferInfo fb{};
                fb.addr = Info::read_u64(payload);
                fb.pitch = Info::read_u32(payload + 8);
                fb.width = Info::read_u32(payload + 12);
                fb.height = Info::read_u32(payload + 16);
                fb.bpp = payload[20];
                fb.type = payload[21];
                if (fb.type == kFbRgb) {
                    if (size < kFramebufferRgbSize)
                        return fail(diag, Error::kCorrupt,
                                    "RGB framebuffer tag too short for its colour info", offset);
                    const uint8_t* c = tag + kFramebufferCommonSize;
                    fb.red_position = c[0], fb.red_size = c[1];
                    fb.green_position = c[2], fb.green_size = c[3];
                    fb.blue_position = c[4], fb.blue_size = c[5];
                }
                info.framebuffer = fb;
                info.has_framebuffer = true;
                break;
            }
            case kTagAcpiOldRsdp:
                if (payload_size < kRsdpV1Size)
                    return fail(diag, Error::kCorrupt, "ACPI old RSDP tag too short", offset);
                info.rsdp_v1 = payload;
                break;
            case kTagAcpiNewRsdp:
                if (payload_size < kRsdpV2Size)
                    return fail(diag, Error::kCorrupt, "ACPI new RSDP tag too short", offset);
                info.rsdp_v2 = payload;
                info.rsdp_v2_size = payload_size;
                break;
            case kTagEfi32SystemTable:
                if (payload_size < 4)
                    return fail(diag, Error::kCorrupt, "EFI32 system table tag too short", offset);
                info.has_efi32_system_table = true;
                info.efi_system_table = Info::read_u32(payload);
                break;
            case kTagEfi64SystemTable:
                if (payload_size < 8)
                    return fail(diag, Error::kCorrupt, "EFI64 system table tag too short", offset);
                info.has_efi64_system_table = true;
                info.efi_system_table = Info::read_u64(payload);
                break;
            default:
                if (type > kHighestKnownTag) ++info.unknown_tag_count;
                break;  // known but unused by NyanOS, or unknown: skipped
        }
        // Tags start 8-byte aligned: the next one after padding.
        uint32_t advance = (size + 7) & ~7u;
        if (!ended) {
            if (advance > total - offset)
                return fail(diag, Error::kCorrupt, "tag padding runs past the end of the MBI",
                            offset);
            offset += advance;
        }
    }
    return info;
}

// GRUB rebuilds the command line from the words it parsed and escapes every
// backslash, single and double quote with a backslash (and wraps a word that
// contains a space in double quotes), as Linux expects. NyanOS wants the
// line as written in CMDLINE: this undoes the escaping. scripts/mkiso.sh
// escapes every special character, so no word reaches GRUB with a space in
// it and the inversion is exact. Writes a NUL-terminated string to `out`;
// kRange if it does not fit in out_size bytes (out then holds nothing).
inline Result<size_t> unescape_grub_cmdline(const char* in, char* out, size_t out_size) {
    size_t n = 0;
    for (size_t i = 0; in[i]; ++i) {
        char c = in[i];
        if (c == '\\' && (in[i + 1] == '\\' || in[i + 1] == '\'' || in[i + 1] == '"')) c = in[++i];
        if (n + 1 >= out_size) {
            if (out_size) out[0] = '\0';
            return Error::kRange;
        }
        out[n++] = c;
    }
    if (out_size == 0) return Error::kRange;
    out[n] = '\0';
    return n;
}

}  // namespace nyanos::boot::multiboot2
