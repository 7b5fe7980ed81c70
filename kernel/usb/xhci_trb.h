// The xHCI Transfer Request Block (xHCI 1.2, section 6.4): the 16-byte unit
// of every ring the driver and the controller share (command, transfer and
// event rings), its types and the fields of the events the driver reads.
// Layout only: no MMIO, so it builds and is tested on the host.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos::usb {

struct alignas(16) Trb {
    uint64_t parameter;
    uint32_t status;
    uint32_t control;  // bit 0: cycle; bits 10..15: type; the rest per type

    uint8_t type() const { return uint8_t((control >> 10) & 0x3f); }
    bool cycle() const { return control & 1; }

    // Event TRBs (Transfer, Command Completion, Port Status Change).
    uint8_t completion_code() const { return uint8_t(status >> 24); }
    uint32_t transfer_length() const { return status & 0x00ffffff; }  // bytes NOT transferred
    uint8_t slot_id() const { return uint8_t(control >> 24); }
    uint8_t endpoint_id() const { return uint8_t((control >> 16) & 0x1f); }
    uint8_t port_id() const { return uint8_t(parameter >> 24); }  // Port Status Change only
};
static_assert(sizeof(Trb) == 16, "the controller reads TRBs as 16 bytes");

namespace trb_control {
inline constexpr uint32_t kCycle = 1u << 0;
inline constexpr uint32_t kToggleCycle = 1u << 1;  // Link TRBs
inline constexpr uint32_t kChain = 1u << 4;
inline constexpr uint32_t kInterruptOnCompletion = 1u << 5;
inline constexpr uint32_t kImmediateData = 1u << 6;
inline constexpr unsigned kTypeShift = 10;
}  // namespace trb_control

namespace trb_type {
inline constexpr uint8_t kNormal = 1, kSetupStage = 2, kDataStage = 3, kStatusStage = 4, kLink = 6,
                         kNoOp = 8;
inline constexpr uint8_t kEnableSlot = 9, kDisableSlot = 10, kAddressDevice = 11,
                         kConfigureEndpoint = 12, kEvaluateContext = 13, kResetEndpoint = 14,
                         kStopEndpoint = 15, kSetTrDequeuePointer = 16, kResetDevice = 17,
                         kNoOpCommand = 23;
inline constexpr uint8_t kTransferEvent = 32, kCommandCompletionEvent = 33,
                         kPortStatusChangeEvent = 34, kHostControllerEvent = 37;
}  // namespace trb_type

namespace completion_code {
inline constexpr uint8_t kSuccess = 1, kStallError = 6, kShortPacket = 13;
}

constexpr uint32_t trb_type_bits(uint8_t type) {
    return uint32_t(type) << trb_control::kTypeShift;
}

// Whether `trb_count` TRBs at bus address `segment_phys` can be one ring
// segment: 64-byte aligned (the strictest of the ring pointers' alignments)
// and not crossing a 64 KiB boundary (xHCI 1.2, section 6.5: the controller
// may not carry into bit 16 when it walks a segment).
constexpr bool is_valid_ring_segment(uint64_t segment_phys, size_t trb_count) {
    if (trb_count == 0 || segment_phys % 64 != 0) return false;
    uint64_t last = segment_phys + (uint64_t(trb_count) * sizeof(Trb) - 1);
    if (last < segment_phys) return false;  // wraps the address space
    return (segment_phys >> 16) == (last >> 16);
}

}  // namespace nyanos::usb
