#include "dev/xhci.h"

#include <string.h>

#include <new>

#include "arch/x86_64/device_vectors.h"
#include "arch/x86_64/timer.h"
#include "boot_info.h"
#include "dev/console_input.h"
#include "dev/pci.h"
#include "lib/console.h"
#include "mm/physical_memory.h"
#include "sync/spinlock.h"
#include "sync/thread_annotations.h"
#include "usb/boot_interface.h"
#include "usb/descriptors.h"
#include "usb/hid_keyboard.h"
#include "usb/hub_interface.h"
#include "usb/hub_port_status.h"
#include "usb/xhci_event_ring.h"
#include "usb/xhci_producer_ring.h"
#include "usb/xhci_slot_context.h"

namespace nyanos::xhci {

namespace {

using usb::Trb;

// Capability registers (xHCI 1.2, section 5.3).
constexpr uint32_t kCapLength = 0x00, kHcsParams1 = 0x04, kHcsParams2 = 0x08, kHccParams1 = 0x10,
                   kDoorbellOffset = 0x14, kRuntimeOffset = 0x18;
// Operational registers (5.4), from the capability length on.
constexpr uint32_t kUsbCommand = 0x00, kUsbStatus = 0x04, kCommandRingControl = 0x18,
                   kContextArray = 0x30, kConfigure = 0x38, kPortBase = 0x400;
constexpr uint32_t kCommandRun = 1u << 0, kCommandReset = 1u << 1, kCommandInterrupts = 1u << 2;
constexpr uint32_t kStatusHalted = 1u << 0, kStatusEventInterrupt = 1u << 3,
                   kStatusNotReady = 1u << 11;
// PORTSC (5.4.8). Writing 1 to PED disables the port and to a change bit
// clears it, so a write starts from the bits that keep their value
// (Linux's xhci_port_state_to_neutral).
constexpr uint32_t kPortConnected = 1u << 0, kPortEnabled = 1u << 1, kPortReset = 1u << 4;
constexpr uint32_t kPortConnectChange = 1u << 17, kPortResetChange = 1u << 21;
constexpr uint32_t kPortChanges = 0x7fu << 17;
constexpr uint32_t kPortKept = (1u << 0) | (1u << 3) | (0xfu << 10) | (1u << 30) | (0xfu << 5) |
                               (1u << 9) | (0x3u << 14) | (0x7u << 25);
// Interrupter 0 (5.5.2), in the runtime registers.
constexpr uint32_t kInterrupterManagement = 0x20, kInterrupterModeration = 0x24,
                   kEventRingTableSize = 0x28, kEventRingTableBase = 0x30, kEventRingDequeue = 0x38;
constexpr uint64_t kEventHandlerBusy = 1u << 3;
// IMAN: Interrupt Pending (write 1 to clear) and Interrupt Enable.
constexpr uint32_t kInterruptPending = 1u << 0, kInterruptEnable = 1u << 1;
// IMOD's interval, in 250 ns units: at most one interrupt per 40 us, as
// Linux sets it (a keyboard needs far less; a burst of events during an
// attach is taken in one go).
constexpr uint32_t kModerationInterval = 160;
// Events the tick finds waiting this long, with no interrupt taken
// meanwhile, were missed by the interrupt: the tick takes them.
constexpr uint64_t kLostInterruptNs = 50'000'000;
// USB Legacy Support extended capability (7.1): the firmware hands over.
constexpr uint32_t kLegacySupportId = 1, kBiosOwned = 1u << 16, kOsOwned = 1u << 24;

constexpr uint64_t kTimeoutNs = 1'000'000'000;
constexpr uint64_t kPortResetTimeoutNs = 200'000'000;
constexpr uint64_t kMillisecondNs = 1'000'000;
// A hub's port reset lasts 10 to 20 ms (USB 2.0, 7.1.7.5), then the device
// gets 10 ms to recover before it is addressed (TRSTRCY).
constexpr uint64_t kHubResetTimeoutNs = 500'000'000;
constexpr uint64_t kResetRecoveryNs = 10 * kMillisecondNs;
constexpr uint64_t kMaxPowerGoodNs = 100 * kMillisecondNs;
constexpr size_t kRingTrbs = 4096 / sizeof(Trb);  // one page
constexpr size_t kMaxDevices = 16;
constexpr size_t kMaxScratchpads = 256;  // as many as one page of pointers holds
constexpr unsigned kMaxRootPorts = 255;

// Endpoint types of an Endpoint Context (6.2.3).
constexpr uint32_t kEndpointControl = 4, kEndpointInterruptIn = 7;
// Standard, HID class and hub class requests (USB 2.0, 9.4 and 11.24; HID
// 1.11, 7.2).
constexpr uint8_t kGetStatus = 0, kClearFeature = 1, kSetFeature = 3, kGetDescriptor = 6,
                  kSetConfiguration = 9;
constexpr uint8_t kHidSetReport = 0x09, kHidSetIdle = 0x0a, kHidSetProtocol = 0x0b;
constexpr uint8_t kToDevice = 0x00, kFromDevice = 0x80, kToInterface = 0x21, kFromHubDevice = 0xa0,
                  kToHubPort = 0x23, kFromHubPort = 0xa3;
constexpr uint16_t kDeviceDescriptor = 0x0100, kConfigurationDescriptor = 0x0200;

// The one lock of the driver: it guards the controller (its registers, rings
// and devices) after boot. Its place in the lock order is in docs/locking.md.
sync::SpinLock g_lock;

uint32_t read32(volatile uint8_t* base, uint32_t offset) {
    return *reinterpret_cast<volatile uint32_t*>(base + offset);
}
void write32(volatile uint8_t* base, uint32_t offset, uint32_t value) {
    *reinterpret_cast<volatile uint32_t*>(base + offset) = value;
}
// 64-bit registers as two dword writes, low first (5.1: allowed everywhere).
void write64(volatile uint8_t* base, uint32_t offset, uint64_t value) {
    write32(base, offset, uint32_t(value));
    write32(base, offset + 4, uint32_t(value >> 32));
}

void busy_wait(uint64_t ns) {
    const uint64_t until = arch::monotonic_ns() + ns;
    while (arch::monotonic_ns() < until) __builtin_ia32_pause();
}

uint64_t dma_frames_in_use() {
    return mm::physical_memory().stats().dma_frames;
}

// One page of memory the controller reads and writes, zeroed, from the
// frame allocator (counted as kDma). Move-only: the owner frees it, unless
// it was told the controller may still be using it (leak()).
class DmaFrame {
public:
    // Without 64-bit addressing (HCCPARAMS1.AC64) the controller sees only
    // the low 4 GiB: a frame above is given back and kNoMemory returned.
    static Result<DmaFrame> try_allocate(bool dma64) {
        auto frame = mm::physical_memory().allocate_zeroed_frame(mm::FrameUse::kDma);
        if (!frame.ok()) return Error::kNoMemory;
        if (!dma64 && (frame.value() >> 32)) {
            mm::physical_memory().free_frame(frame.value(), mm::FrameUse::kDma);
            return Error::kNoMemory;
        }
        return DmaFrame(mm::physical_memory().frame_to_virt(frame.value()), frame.value());
    }

    DmaFrame() = default;
    DmaFrame(DmaFrame&& other) : m_virt(other.m_virt), m_phys(other.m_phys) {
        other.m_virt = nullptr;
    }
    DmaFrame& operator=(DmaFrame&& other) {
        if (this != &other) {
            release();
            m_virt = other.m_virt;
            m_phys = other.m_phys;
            other.m_virt = nullptr;
        }
        return *this;
    }
    DmaFrame(const DmaFrame&) = delete;
    DmaFrame& operator=(const DmaFrame&) = delete;
    ~DmaFrame() { release(); }

    uint8_t* bytes() const { return static_cast<uint8_t*>(m_virt); }
    uint64_t phys() const { return m_phys; }
    // NOTE: the controller may still write here (a slot it did not
    // disable): the frame stays allocated for good, never reused.
    void leak() { m_virt = nullptr; }

private:
    DmaFrame(void* virt, uint64_t phys) : m_virt(virt), m_phys(phys) {}
    void release() {
        if (m_virt) mm::physical_memory().free_frame(m_phys, mm::FrameUse::kDma);
        m_virt = nullptr;
    }

    void* m_virt = nullptr;
    uint64_t m_phys = 0;
};

// A transfer ring of one page: the frame and the producer's bookkeeping.
struct TransferRing {
    DmaFrame page;
    usb::ProducerRing ring;

    static Result<TransferRing*> try_create(bool dma64) {
        DmaFrame page = TRY(DmaFrame::try_allocate(dma64));
        auto ring = usb::ProducerRing::try_create(reinterpret_cast<Trb*>(page.bytes()), page.phys(),
                                                  kRingTrbs);
        if (!ring.ok()) return ring.error();
        auto* made = new (std::nothrow) TransferRing{std::move(page), ring.value()};
        if (!made) return Error::kNoMemory;
        return made;
    }
};

class Controller;

// A device with a slot on the controller, and everything it holds: its
// contexts, rings and buffers (DMA frames) and its keyboard or hub state.
// The owner of a Device owns all of it: deleting one disables its slot
// (Disable Slot, 4.6.4) and then frees its memory, so a failed attach frees
// what it built by letting its owner go. Created and deleted only under the
// driver's lock.
struct Device {
    enum class Kind : uint8_t { kUnknown, kKeyboard, kHub };

    Device(Controller& controller) : controller(controller) {}
    ~Device() REQUIRES(g_lock);
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;

    Controller& controller;
    uint8_t slot = 0;  // 0 until Enable Slot gave one
    Kind kind = Kind::kUnknown;
    usb::SlotFields fields;
    uint8_t parent_slot = 0;  // the hub's slot; 0 on a root port
    uint8_t parent_port = 0;  // the port on that hub (the root port when none)
    uint16_t vendor_id = 0, product_id = 0;
    DmaFrame output;                  // the device context the controller writes
    DmaFrame input;                   // input contexts for the commands that change it
    DmaFrame buffer;                  // control transfers' data
    TransferRing* control = nullptr;  // endpoint 0's, owned
    bool control_halted = false;      // a request without a waiter stalled

    // The interrupt-IN endpoint (a keyboard's reports, a hub's port changes).
    uint8_t endpoint = 0;  // its context index (and doorbell target)
    uint8_t interface = 0;
    uint16_t interrupt_length = 0;      // bytes asked for per transfer
    TransferRing* interrupt = nullptr;  // owned
    DmaFrame report;                    // where its transfers land
    bool listening = false;             // a transfer is queued

    // Keyboards.
    DmaFrame led;  // the LED byte SET_REPORT sends
    usb::HidKeyboard hid;

    // Hubs: the ports used (1..15) and those whose change is not yet handled.
    uint8_t hub_ports = 0;
    uint16_t hub_changed = 0;
    uint64_t power_good_ns = 0;
};

// Where a device is, for messages: "5" on root port 5, "5.2" on port 2 of
// the hub on root port 5.
struct Location {
    char text[24];
    explicit Location(const usb::DeviceRoute& route) {
        size_t at = 0;
        auto put_number = [&](unsigned n) {
            char digits[4];
            size_t count = 0;
            do {
                digits[count++] = char('0' + n % 10);
                n /= 10;
            } while (n && count < sizeof(digits));
            while (count) text[at++] = digits[--count];
        };
        put_number(route.root_port);
        for (unsigned tier = 1; tier <= route.depth; ++tier) {
            text[at++] = '.';
            put_number(route.port_at(tier));
        }
        text[at] = 0;
    }
};

class Controller {
public:
    bool start_locked(volatile uint8_t* mmio) REQUIRES(g_lock);
    void attach_root_ports_locked() REQUIRES(g_lock);
    // From the timer tick: with interrupts off (polled), takes the events
    // and handles what they noted; with interrupts on, only checks that no
    // event is left waiting. Key repeat either way.
    void poll_locked() REQUIRES(g_lock);
    // Interrupter 0 on (IMOD, IMAN.IE, USBCMD.INTE): from then on events
    // are taken by interrupt_locked(). Once, after attach_root_ports_locked.
    void enable_interrupts_locked() REQUIRES(g_lock);
    // The controller's interrupt: acknowledges it, takes the events and
    // handles what they noted (an attach included).
    void interrupt_locked() REQUIRES(g_lock);
    Result<void> disable_slot_locked(uint8_t slot) REQUIRES(g_lock);

private:
    Result<DmaFrame> dma_frame() { return DmaFrame::try_allocate(m_dma64); }
    void take_from_firmware() REQUIRES(g_lock);
    bool wait_for(uint32_t offset, uint32_t mask, uint32_t want, uint64_t timeout) REQUIRES(g_lock);
    void ring_doorbell(uint8_t slot, uint8_t target) REQUIRES(g_lock) {
        write32(m_doorbells, uint32_t(slot) * 4, target);
    }
    volatile uint8_t* port_register(unsigned port) REQUIRES(g_lock) {
        return m_operational + kPortBase + 0x10 * (port - 1);
    }
    void acknowledge_events() REQUIRES(g_lock) {
        write64(m_runtime, kEventRingDequeue, m_events->dequeue_phys() | kEventHandlerBusy);
    }
    Result<Trb> wait_event(uint8_t type, const uint64_t* trbs, size_t count) REQUIRES(g_lock);
    Result<Trb> command(Trb trb) REQUIRES(g_lock);
    Result<void> control(Device& device, uint8_t request_type, uint8_t request, uint16_t value,
                         uint16_t index, uint16_t length, const DmaFrame* data, bool wait)
        REQUIRES(g_lock);
    uint8_t* context(const DmaFrame& page, unsigned index) const {
        return page.bytes() + index * m_context_bytes;
    }

    // Enumeration. attach_root_port and attach_hub_port reset a port and
    // attach what is on it; attach_device addresses and configures a device
    // whose port is reset and enabled, and keeps it when it is a keyboard or
    // a hub. Every failure frees what the attempt built (the Device's owner).
    void attach_root_port(unsigned port) REQUIRES(g_lock);
    void attach_hub_port(Device& hub, unsigned port) REQUIRES(g_lock);
    Result<Device*> attach_device(const usb::SlotFields& fields, uint8_t parent_slot,
                                  uint8_t parent_port) REQUIRES(g_lock);
    Result<void> address_device(Device& d) REQUIRES(g_lock);
    Result<void> configure_keyboard(Device& d, size_t total) REQUIRES(g_lock);
    Result<void> configure_hub(Device& d, size_t total) REQUIRES(g_lock);
    Result<void> configure_interrupt_endpoint(Device& d, const usb::EndpointDescriptor& endpoint)
        REQUIRES(g_lock);
    Result<void> listen(Device& d) REQUIRES(g_lock);
    Result<void> recover_control_endpoint(Device& d) REQUIRES(g_lock);
    Result<usb::HubPortStatus> hub_port_status(Device& hub, unsigned port) REQUIRES(g_lock);
    void scan_hub_ports(Device& hub) REQUIRES(g_lock);
    // Drops a device and, for a hub, every device behind it first.
    void detach(Device* d, const char* why) REQUIRES(g_lock);
    Device* device_at(uint8_t parent_slot, uint8_t parent_port) REQUIRES(g_lock);
    Device* device_in_slot(uint8_t slot) REQUIRES(g_lock);

    // Hot-plug, from poll(): port changes the events reported, handled once
    // the event ring is drained (never from inside a wait for an event).
    void handle_event(const Trb& event) REQUIRES(g_lock);
    void deliver_report(Device& k, const Trb& event) REQUIRES(g_lock);
    void hub_changed(Device& hub, const Trb& event) REQUIRES(g_lock);
    void handle_root_port_changes() REQUIRES(g_lock);
    void handle_hub_port_changes(Device& hub) REQUIRES(g_lock);

    // Pops every event and handles it; then writes ERDP (which clears
    // Event Handler Busy) if any was popped, or always with `acknowledge`.
    void drain_events(bool acknowledge) REQUIRES(g_lock);
    // What the events noted: port changes, hubs' changes, stalled endpoints.
    void handle_noted_changes() REQUIRES(g_lock);
    void take_events_after_interrupt() REQUIRES(g_lock);
    void check_waiting_events() REQUIRES(g_lock);
    void repeat_keys() REQUIRES(g_lock);

    volatile uint8_t* m_capabilities GUARDED_BY(g_lock) = nullptr;
    volatile uint8_t* m_operational GUARDED_BY(g_lock) = nullptr;
    volatile uint8_t* m_runtime GUARDED_BY(g_lock) = nullptr;
    volatile uint8_t* m_doorbells GUARDED_BY(g_lock) = nullptr;
    unsigned m_slots GUARDED_BY(g_lock) = 0;
    unsigned m_ports GUARDED_BY(g_lock) = 0;
    unsigned m_context_bytes = 32;  // set once by start_locked, before any reader
    bool m_dma64 = false;           // likewise
    uint64_t* m_context_array PT_GUARDED_BY(g_lock) = nullptr;
    usb::ProducerRing* m_commands PT_GUARDED_BY(g_lock) = nullptr;
    usb::EventRing* m_events PT_GUARDED_BY(g_lock) = nullptr;
    Device* m_devices[kMaxDevices] GUARDED_BY(g_lock) = {};
    // Root ports with a change to look at (bit N: port N), and those whose
    // connection changed (a device went, or went and came back).
    uint64_t m_root_changed[4] GUARDED_BY(g_lock) = {};
    uint64_t m_root_reconnected[4] GUARDED_BY(g_lock) = {};
    bool m_hub_work GUARDED_BY(g_lock) = false;

    // Interrupt mode: events are taken by the interrupt; the tick repeats
    // keys and looks for events left waiting (since m_waiting_since_ns,
    // 0 when none, with m_runs_then interrupts taken by then).
    bool m_interrupts GUARDED_BY(g_lock) = false;
    uint64_t m_interrupt_runs GUARDED_BY(g_lock) = 0;
    uint64_t m_waiting_since_ns GUARDED_BY(g_lock) = 0;
    uint64_t m_runs_then GUARDED_BY(g_lock) = 0;
    bool m_lost_reported GUARDED_BY(g_lock) = false;
};

// One controller is driven (the first found); poll() runs from the timer on
// one CPU at a time: the lock keeps a second caller out, and init()
// publishes the controller only once it is ready.
Controller* g_controller PT_GUARDED_BY(g_lock) = nullptr;

Device::~Device() {
    if (slot) {
        auto disabled = controller.disable_slot_locked(slot);
        if (!disabled.ok()) {
            // The controller may still write to the contexts and rings.
            kprintf("usb: slot %u: not disabled (%s); its %s memory is kept\n", unsigned(slot),
                    error_name(disabled.error()), "DMA");
            output.leak();
            input.leak();
            buffer.leak();
            report.leak();
            led.leak();
            if (control) control->page.leak();
            if (interrupt) interrupt->page.leak();
        }
    }
    delete control;
    delete interrupt;
}

// Owns a Device while it is attached: a failure on the way deletes it,
// which disables its slot and frees all it holds.
class AttachingDevice {
public:
    explicit AttachingDevice(Device* d) : m_device(d) {}
    ~AttachingDevice() REQUIRES(g_lock) { delete m_device; }
    AttachingDevice(const AttachingDevice&) = delete;
    AttachingDevice& operator=(const AttachingDevice&) = delete;
    Device* get() const { return m_device; }
    // NOTE: the controller's device table takes it; detach() deletes it.
    Device* release() {
        Device* d = m_device;
        m_device = nullptr;
        return d;
    }

private:
    Device* m_device;
};

bool Controller::wait_for(uint32_t offset, uint32_t mask, uint32_t want, uint64_t timeout) {
    const uint64_t deadline = arch::monotonic_ns() + timeout;
    while ((read32(m_operational, offset) & mask) != want) {
        if (arch::monotonic_ns() > deadline) return false;
        __builtin_ia32_pause();
    }
    return true;
}

// The BIOS/OS handoff: firmware that emulates a PS/2 keyboard from USB
// owns the controller until the OS asks for it.
void Controller::take_from_firmware() {
    uint32_t pointer = (read32(m_capabilities, kHccParams1) >> 16) * 4;
    for (int guard = 0; pointer && guard < 64; ++guard) {
        uint32_t capability = read32(m_capabilities, pointer);
        if ((capability & 0xff) == kLegacySupportId) {
            if (capability & kBiosOwned) {
                write32(m_capabilities, pointer, capability | kOsOwned);
                const uint64_t deadline = arch::monotonic_ns() + kTimeoutNs;
                while (read32(m_capabilities, pointer) & kBiosOwned) {
                    if (arch::monotonic_ns() > deadline) {
                        kprintf("xhci: firmware kept the controller; taking it anyway\n");
                        write32(m_capabilities, pointer,
                                (read32(m_capabilities, pointer) & ~kBiosOwned) | kOsOwned);
                        break;
                    }
                    __builtin_ia32_pause();
                }
            }
            // No more SMIs from USB events: the firmware's emulation stops.
            write32(m_capabilities, pointer + 4, read32(m_capabilities, pointer + 4) & 0xffff1fee);
            return;
        }
        uint32_t next = (capability >> 8) & 0xff;
        pointer = next ? pointer + next * 4 : 0;
    }
}

// The controller's own memory (context array, scratchpads, command and event
// rings) lives as long as the kernel: once the controller is told about a
// frame it is never freed, even when start_locked fails after (the device
// may still use it).
struct KeptFrame {
    uint8_t* virt;
    uint64_t phys;
};
Result<KeptFrame> keep(Result<DmaFrame> frame) {
    if (!frame.ok()) return frame.error();
    KeptFrame kept{frame.value().bytes(), frame.value().phys()};
    frame.value().leak();  // NOTE: owned by the controller for good (see above)
    return kept;
}

bool Controller::start_locked(volatile uint8_t* mmio) {
    m_capabilities = mmio;
    m_operational = mmio + (read32(mmio, kCapLength) & 0xff);
    m_runtime = mmio + (read32(mmio, kRuntimeOffset) & ~0x1fu);
    m_doorbells = mmio + (read32(mmio, kDoorbellOffset) & ~0x3u);
    const uint32_t structural = read32(mmio, kHcsParams1);
    const uint32_t capabilities = read32(mmio, kHccParams1);
    m_slots = structural & 0xff;
    m_ports = structural >> 24;
    m_context_bytes = (capabilities & (1u << 2)) ? 64 : 32;
    m_dma64 = capabilities & 1;
    if (m_ports > kMaxRootPorts) m_ports = kMaxRootPorts;

    take_from_firmware();
    // Stop, then reset (4.2): the firmware may have left it running.
    write32(m_operational, kUsbCommand, read32(m_operational, kUsbCommand) & ~kCommandRun);
    if (!wait_for(kUsbStatus, kStatusHalted, kStatusHalted, kTimeoutNs)) {
        kprintf("xhci: the controller does not halt; giving it up\n");
        return false;
    }
    write32(m_operational, kUsbCommand, kCommandReset);
    if (!wait_for(kUsbCommand, kCommandReset, 0, kTimeoutNs) ||
        !wait_for(kUsbStatus, kStatusNotReady, 0, kTimeoutNs)) {
        kprintf("xhci: the controller does not come out of reset; giving it up\n");
        return false;
    }

    // The device context array, with the scratchpad buffers the controller
    // asks for in its entry 0.
    auto array = keep(dma_frame());
    if (!array.ok()) return false;
    m_context_array = reinterpret_cast<uint64_t*>(array.value().virt);
    const uint32_t structural2 = read32(mmio, kHcsParams2);
    const size_t scratchpads = ((structural2 >> 21) & 0x1f) << 5 | (structural2 >> 27);
    if (scratchpads > kMaxScratchpads) {
        kprintf("xhci: %lu scratchpad buffers asked for; giving it up\n", scratchpads);
        return false;
    }
    if (scratchpads) {
        auto list = keep(dma_frame());
        if (!list.ok()) return false;
        auto* entries = reinterpret_cast<uint64_t*>(list.value().virt);
        for (size_t i = 0; i < scratchpads; ++i) {
            auto page = keep(dma_frame());
            if (!page.ok()) return false;
            entries[i] = page.value().phys;
        }
        m_context_array[0] = list.value().phys;
    }
    write64(m_operational, kContextArray, array.value().phys);
    write32(m_operational, kConfigure, m_slots);

    auto command_page = keep(dma_frame());
    auto event_page = keep(dma_frame());
    auto table_page = keep(dma_frame());
    if (!command_page.ok() || !event_page.ok() || !table_page.ok()) return false;
    auto commands = usb::ProducerRing::try_create(reinterpret_cast<Trb*>(command_page.value().virt),
                                                  command_page.value().phys, kRingTrbs);
    auto events = usb::EventRing::try_create(reinterpret_cast<Trb*>(event_page.value().virt),
                                             event_page.value().phys, kRingTrbs);
    if (!commands.ok() || !events.ok()) return false;
    m_commands = new (std::nothrow) usb::ProducerRing(commands.value());
    m_events = new (std::nothrow) usb::EventRing(events.value());
    if (!m_commands || !m_events) return false;
    write64(m_operational, kCommandRingControl, m_commands->dequeue_pointer_for_controller());
    auto* table = reinterpret_cast<usb::EventRingSegmentTableEntry*>(table_page.value().virt);
    table[0] = m_events->segment_table_entry();
    write32(m_runtime, kEventRingTableSize, 1);
    write64(m_runtime, kEventRingDequeue, m_events->dequeue_phys());
    write64(m_runtime, kEventRingTableBase, table_page.value().phys);  // last: it arms the ring

    // Polled until start_interrupts (USBCMD.INTE stays off): boot attaches
    // the devices present by waiting on the event ring.
    write32(m_operational, kUsbCommand, kCommandRun);
    if (!wait_for(kUsbStatus, kStatusHalted, 0, kTimeoutNs)) {
        kprintf("xhci: the controller does not run; giving it up\n");
        return false;
    }
    kprintf("xhci: %u ports, %u slots, %u-byte contexts%s\n", m_ports, m_slots, m_context_bytes,
            scratchpads ? ", scratchpads" : "");
    return true;
}

// The next event of `type` naming one of the `count` TRBs at `trbs`,
// handling the others on the way (a keyboard's report; a port change is only
// noted). kTimedOut after a second.
Result<Trb> Controller::wait_event(uint8_t type, const uint64_t* trbs, size_t count) {
    const uint64_t deadline = arch::monotonic_ns() + kTimeoutNs;
    for (;;) {
        Trb event;
        if (m_events->try_pop(event)) {
            acknowledge_events();
            bool named = false;
            for (size_t i = 0; i < count; ++i) named = named || event.parameter == trbs[i];
            if (event.type() == type && named) return event;
            handle_event(event);
            continue;
        }
        if (arch::monotonic_ns() > deadline) return Error::kTimedOut;
        __builtin_ia32_pause();
    }
}

Result<Trb> Controller::command(Trb trb) {
    uint64_t at = TRY(m_commands->try_enqueue(trb));
    ring_doorbell(0, 0);
    auto event = wait_event(usb::trb_type::kCommandCompletionEvent, &at, 1);
    if (!event.ok()) return event.error();  // the TRB stays in flight: the ring is given up
    (void)m_commands->try_complete(at);
    if (event.value().completion_code() != usb::completion_code::kSuccess) return Error::kIo;
    return event.value();
}

Result<void> Controller::disable_slot_locked(uint8_t slot) {
    Trb disable{};
    disable.control = usb::trb_type_bits(usb::trb_type::kDisableSlot) | uint32_t(slot) << 24;
    TRY(command(disable));
    m_context_array[slot] = 0;
    return {};
}

// A control transfer on endpoint 0 (xHCI 4.11.2.2): Setup, an optional
// Data stage (`data`'s first `length` bytes), Status. With `wait`, returns
// once it completed; without, its completion is taken when it arrives. A
// stage that fails (a stall) ends the wait with kIo: the endpoint is then
// halted and the caller drops the device.
Result<void> Controller::control(Device& d, uint8_t request_type, uint8_t request, uint16_t value,
                                 uint16_t index, uint16_t length, const DmaFrame* data, bool wait) {
    using namespace usb::trb_control;
    usb::ProducerRing& ring = d.control->ring;
    if (ring.free_trbs() < 3) return Error::kAgain;
    const bool in = request_type & kFromDevice;
    Trb setup{};
    setup.parameter = uint64_t(request_type) | uint64_t(request) << 8 | uint64_t(value) << 16 |
                      uint64_t(index) << 32 | uint64_t(length) << 48;
    setup.status = 8;
    setup.control = usb::trb_type_bits(usb::trb_type::kSetupStage) | kImmediateData |
                    (length ? (in ? 3u : 2u) : 0u) << 16;
    uint64_t stages[3];
    size_t stage_count = 0;
    stages[stage_count++] = TRY(ring.try_enqueue(setup));
    if (length) {
        Trb stage{};
        stage.parameter = data->phys();
        stage.status = length;
        stage.control = usb::trb_type_bits(usb::trb_type::kDataStage) | (in ? 1u << 16 : 0u);
        stages[stage_count++] = TRY(ring.try_enqueue(stage));
    }
    Trb status{};
    status.control = usb::trb_type_bits(usb::trb_type::kStatusStage) | kInterruptOnCompletion |
                     (length && in ? 0u : 1u << 16);
    stages[stage_count++] = TRY(ring.try_enqueue(status));
    ring_doorbell(d.slot, 1);
    if (!wait) return {};
    Trb event = TRY(wait_event(usb::trb_type::kTransferEvent, stages, stage_count));
    (void)ring.try_complete(event.parameter);
    uint8_t code = event.completion_code();
    if (code == usb::completion_code::kStallError) {
        // The device refused the request: endpoint 0 is halted until reset.
        if (!recover_control_endpoint(d).ok()) return Error::kIo;
        return Error::kNotSupported;
    }
    if (code != usb::completion_code::kSuccess && code != usb::completion_code::kShortPacket)
        return Error::kIo;
    return {};
}

// Endpoint 0 halted on a stall (xHCI 4.6.8, 4.6.10): Reset Endpoint, then
// the dequeue pointer moved past what is left of the refused transfer, so
// the next request runs. Commands wait for events, so this is never called
// from handle_event (a request without a waiter is marked and recovered
// from poll()).
Result<void> Controller::recover_control_endpoint(Device& d) {
    constexpr uint32_t kEndpointZero = 1u << 16;  // the Endpoint ID field: endpoint 0 is 1
    Trb reset{};
    reset.control =
        usb::trb_type_bits(usb::trb_type::kResetEndpoint) | uint32_t(d.slot) << 24 | kEndpointZero;
    TRY(command(reset));
    usb::ProducerRing& ring = d.control->ring;
    ring.abandon_in_flight();
    Trb dequeue{};
    dequeue.parameter = ring.dequeue_pointer_at_enqueue();
    dequeue.control = usb::trb_type_bits(usb::trb_type::kSetTrDequeuePointer) |
                      uint32_t(d.slot) << 24 | kEndpointZero;
    TRY(command(dequeue));
    d.control_halted = false;
    return {};
}

// After a failed attach, whose owner gave back its slot and memory.
void report_not_attached(const usb::DeviceRoute& route, Error error) {
    if (error == Error::kNoEntry) {
        kprintf("usb: port %s: not used, dma_frames=%lu\n", Location(route).text,
                dma_frames_in_use());
    } else {
        kprintf("usb: port %s: device dropped (%s), dma_frames=%lu\n", Location(route).text,
                error_name(error), dma_frames_in_use());
    }
}

Device* Controller::device_at(uint8_t parent_slot, uint8_t parent_port) {
    for (Device* d : m_devices) {
        if (d && d->parent_slot == parent_slot && d->parent_port == parent_port) return d;
    }
    return nullptr;
}

Device* Controller::device_in_slot(uint8_t slot) {
    for (Device* d : m_devices) {
        if (d && d->slot == slot) return d;
    }
    return nullptr;
}

void Controller::attach_root_ports_locked() {
    for (unsigned port = 1; port <= m_ports; ++port) {
        if (read32(port_register(port), 0) & kPortConnected) attach_root_port(port);
    }
    // The controller may report the connections found at reset as changes
    // (before or during the attach): they are not new devices. A port whose
    // device is attached and still there forgets them; one that lost its
    // device meanwhile keeps them, for poll() to drop it.
    Trb event;
    while (m_events->try_pop(event)) handle_event(event);
    acknowledge_events();
    for (unsigned port = 1; port <= m_ports; ++port) {
        const uint64_t bit = 1ull << (port % 64);
        const bool connected = read32(port_register(port), 0) & kPortConnected;
        if (connected && device_at(0, uint8_t(port))) {
            m_root_changed[port / 64] &= ~bit;
            m_root_reconnected[port / 64] &= ~bit;
        }
    }
}

// A device on a root port: reset the port (a USB 2 port enables only
// then; a USB 3 port is enabled by its link training already), then
// address the device and look for a boot keyboard or a hub.
void Controller::attach_root_port(unsigned port) {
    volatile uint8_t* portsc = port_register(port);
    uint32_t state = read32(portsc, 0);
    if (!(state & kPortEnabled)) {
        write32(portsc, 0, (state & kPortKept) | kPortReset);
        const uint64_t deadline = arch::monotonic_ns() + kPortResetTimeoutNs;
        while (!(read32(portsc, 0) & kPortResetChange)) {
            if (arch::monotonic_ns() > deadline) {
                kprintf("usb: port %u: reset does not finish; skipped\n", port);
                return;
            }
            __builtin_ia32_pause();
        }
        state = read32(portsc, 0);
    }
    write32(portsc, 0, (state & kPortKept) | (state & kPortChanges));  // clear the changes
    if (!(state & kPortEnabled)) {
        kprintf("usb: port %u: not enabled after reset; skipped\n", port);
        return;
    }
    usb::SlotFields fields;
    fields.route = usb::root_route(port, m_ports).value();
    fields.speed_id = uint8_t((state >> 10) & 0xf);
    auto attached = attach_device(fields, 0, uint8_t(port));
    if (!attached.ok()) {
        report_not_attached(fields.route, attached.error());
        return;
    }
    if (attached.value()->kind == Device::Kind::kHub) scan_hub_ports(*attached.value());
}

Result<Device*> Controller::attach_device(const usb::SlotFields& fields, uint8_t parent_slot,
                                          uint8_t parent_port) {
    size_t free_entry = kMaxDevices;
    for (size_t i = 0; i < kMaxDevices; ++i) {
        if (!m_devices[i]) free_entry = i;
    }
    if (free_entry == kMaxDevices) {
        kprintf("usb: port %s: %lu devices already; left alone\n", Location(fields.route).text,
                kMaxDevices);
        return Error::kNoEntry;
    }
    auto* made = new (std::nothrow) Device(*this);
    if (!made) return Error::kNoMemory;
    AttachingDevice owner(made);
    Device& d = *made;
    d.fields = fields;
    d.parent_slot = parent_slot;
    d.parent_port = parent_port;
    TRY(address_device(d));

    // The device descriptor, then the configuration bundle (its first 9
    // bytes say how long it is).
    TRY(control(d, kFromDevice, kGetDescriptor, kDeviceDescriptor, 0, 18, &d.buffer, true));
    const usb::DeviceDescriptor device = TRY(usb::parse_device_descriptor(d.buffer.bytes(), 18));
    d.vendor_id = device.vendor_id;
    d.product_id = device.product_id;
    TRY(control(d, kFromDevice, kGetDescriptor, kConfigurationDescriptor, 0, 9, &d.buffer, true));
    const usb::ConfigurationDescriptor configuration =
        TRY(usb::parse_configuration_descriptor(d.buffer.bytes(), 9));
    const uint16_t total = configuration.total_length < 4096 ? configuration.total_length : 4096;
    TRY(control(d, kFromDevice, kGetDescriptor, kConfigurationDescriptor, 0, total, &d.buffer,
                true));

    const Location where(fields.route);
    if (device.is_hub()) {
        if (fields.route.depth > 0) {
            kprintf("usb: port %s: a hub behind a hub is not supported; left alone\n", where.text);
            return Error::kNoEntry;
        }
        if (fields.speed_id == usb::kSpeedSuper) {
            // Its ports speak the USB 3 port status (link states, no speed
            // bits) and it wants SET_HUB_DEPTH: not done. A USB 3 hub is also
            // a USB 2 hub on the USB 2 port of the same connector, which is
            // used.
            kprintf("usb: port %s: a SuperSpeed hub is not supported; left alone\n", where.text);
            return Error::kNoEntry;
        }
        TRY(configure_hub(d, total));
    } else {
        auto configured = configure_keyboard(d, total);
        if (!configured.ok()) {
            if (configured.error() == Error::kNoEntry)
                kprintf(
                    "usb: port %s: %04x:%04x is neither a boot keyboard nor a hub; left alone\n",
                    where.text, device.vendor_id, device.product_id);
            return configured.error();
        }
    }
    m_devices[free_entry] = owner.release();
    if (d.kind == Device::Kind::kHub) {
        kprintf("usb: port %s: hub %04x:%04x with %u ports (slot %u), dma_frames=%lu\n", where.text,
                device.vendor_id, device.product_id, unsigned(d.hub_ports), unsigned(d.slot),
                dma_frames_in_use());
    } else {
        kprintf("usb: port %s: keyboard %04x:%04x (slot %u, endpoint %u), dma_frames=%lu\n",
                where.text, device.vendor_id, device.product_id, unsigned(d.slot),
                unsigned(d.endpoint), dma_frames_in_use());
    }
    return &d;
}

// A slot, endpoint 0's ring, the output context, and an input context that
// describes the slot and endpoint 0 for Address Device (4.3.3); then
// endpoint 0's real packet size.
Result<void> Controller::address_device(Device& d) {
    Trb enable{};
    enable.control = usb::trb_type_bits(usb::trb_type::kEnableSlot);
    const uint8_t slot = TRY(command(enable)).slot_id();
    if (slot == 0 || slot > m_slots) return Error::kIo;
    d.slot = slot;  // from here on, deleting the device disables the slot

    d.output = TRY(dma_frame());
    d.input = TRY(dma_frame());
    d.buffer = TRY(dma_frame());
    d.control = TRY(TransferRing::try_create(m_dma64));
    m_context_array[slot] = d.output.phys();

    // Endpoint 0's packet size until the device says: 8 at low and full
    // speed, 64 at high, 512 at super.
    const uint8_t speed = d.fields.speed_id;
    const uint16_t first_packet = speed == usb::kSpeedSuper  ? 512
                                  : speed == usb::kSpeedHigh ? 64
                                                             : 8;
    auto* input_control = reinterpret_cast<uint32_t*>(context(d.input, 0));
    auto* slot_context = reinterpret_cast<uint32_t*>(context(d.input, 1));
    auto* ep0_context = reinterpret_cast<uint32_t*>(context(d.input, 2));
    input_control[1] = (1u << 0) | (1u << 1);  // add: slot, endpoint 0
    d.fields.context_entries = 1;
    TRY(usb::encode_slot_context(d.fields, slot_context));
    const uint64_t ep0_ring = d.control->ring.dequeue_pointer_for_controller();
    ep0_context[1] = (3u << 1) | (kEndpointControl << 3) | (uint32_t(first_packet) << 16);
    ep0_context[2] = uint32_t(ep0_ring);
    ep0_context[3] = uint32_t(ep0_ring >> 32);
    ep0_context[4] = 8;  // average TRB length of control transfers
    Trb address{};
    address.parameter = d.input.phys();
    address.control = usb::trb_type_bits(usb::trb_type::kAddressDevice) | uint32_t(slot) << 24;
    TRY(command(address));

    TRY(control(d, kFromDevice, kGetDescriptor, kDeviceDescriptor, 0, 8, &d.buffer, true));
    const uint16_t packet = TRY(usb::parse_ep0_max_packet_size(d.buffer.bytes(), 8));
    if (packet != first_packet) {
        // Evaluate Context with endpoint 0's real packet size (4.6.7).
        input_control[0] = 0;
        input_control[1] = 1u << 1;
        ep0_context[1] = (3u << 1) | (kEndpointControl << 3) | (uint32_t(packet) << 16);
        Trb evaluate{};
        evaluate.parameter = d.input.phys();
        evaluate.control = usb::trb_type_bits(usb::trb_type::kEvaluateContext) | uint32_t(slot)
                                                                                     << 24;
        TRY(command(evaluate));
    }
    return {};
}

// The interrupt-IN endpoint: its ring, report buffer and Configure Endpoint
// (4.6.6) with the slot context as d.fields says (a hub's fields included).
Result<void> Controller::configure_interrupt_endpoint(Device& d,
                                                      const usb::EndpointDescriptor& endpoint) {
    d.endpoint = endpoint.xhci_context_index();
    d.interrupt = TRY(TransferRing::try_create(m_dma64));
    d.report = TRY(dma_frame());
    const uint32_t max_packet = endpoint.max_packet_size;
    auto* input_control = reinterpret_cast<uint32_t*>(context(d.input, 0));
    auto* slot_context = reinterpret_cast<uint32_t*>(context(d.input, 1));
    auto* endpoint_context = reinterpret_cast<uint32_t*>(context(d.input, d.endpoint + 1));
    for (unsigned i = 0; i < m_context_bytes / 4; ++i) endpoint_context[i] = 0;
    input_control[0] = 0;
    input_control[1] = (1u << 0) | (1u << d.endpoint);
    d.fields.context_entries = d.endpoint;
    TRY(usb::encode_slot_context(d.fields, slot_context));
    const uint64_t ring = d.interrupt->ring.dequeue_pointer_for_controller();
    endpoint_context[0] =
        uint32_t(usb::xhci_endpoint_interval(endpoint, usb::usb_speed(d.fields.speed_id))) << 16;
    endpoint_context[1] = (3u << 1) | (kEndpointInterruptIn << 3) | (max_packet << 16);
    endpoint_context[2] = uint32_t(ring);
    endpoint_context[3] = uint32_t(ring >> 32);
    endpoint_context[4] = 8 | (max_packet << 16);  // average TRB length, max ESIT payload
    Trb configure{};
    configure.parameter = d.input.phys();
    configure.control = usb::trb_type_bits(usb::trb_type::kConfigureEndpoint) | uint32_t(d.slot)
                                                                                    << 24;
    TRY(command(configure));
    return {};
}

// Queues one transfer on the interrupt endpoint (a report, or a hub's
// change bitmap); its event re-arms it.
Result<void> Controller::listen(Device& d) {
    Trb normal{};
    normal.parameter = d.report.phys();
    normal.status = d.interrupt_length;
    normal.control =
        usb::trb_type_bits(usb::trb_type::kNormal) | usb::trb_control::kInterruptOnCompletion;
    TRY(d.interrupt->ring.try_enqueue(normal));
    d.listening = true;
    ring_doorbell(d.slot, d.endpoint);
    return {};
}

Result<void> Controller::configure_keyboard(Device& d, size_t total) {
    const usb::BootInterface keyboard =
        TRY(usb::find_boot_interface(d.buffer.bytes(), total, usb::BootProtocol::kKeyboard));
    d.interface = keyboard.interface_number;
    TRY(control(d, kToDevice, kSetConfiguration, keyboard.configuration_value, 0, 0, nullptr,
                true));
    TRY(control(d, kToInterface, kHidSetProtocol, 0, d.interface, 0, nullptr, true));
    // SET_IDLE may be refused by a keyboard that does not support it: the
    // stall is recovered from (control) and the keyboard used anyway.
    (void)control(d, kToInterface, kHidSetIdle, 0, d.interface, 0, nullptr, true);
    d.led = TRY(dma_frame());
    TRY(configure_interrupt_endpoint(d, keyboard.endpoint));
    d.kind = Device::Kind::kKeyboard;
    d.interrupt_length = 8;
    // Set the LEDs (Num Lock starts on), then listen for the first report:
    // last, because a report that came while the attach still waited would
    // find the device not yet in the table, and nothing would re-arm it.
    d.led.bytes()[0] = d.hid.led_report();
    (void)control(d, kToInterface, kHidSetReport, 0x0200, d.interface, 1, &d.led, true);
    TRY(listen(d));
    return {};
}

// A USB 2 hub (USB 2.0, 11.24): configured, its descriptor read, the slot
// made a hub's (port count, TT think time), its ports powered. Its ports
// are scanned once it is in the device table (scan_hub_ports).
Result<void> Controller::configure_hub(Device& d, size_t total) {
    const usb::HubInterface hub = TRY(usb::find_hub_interface(d.buffer.bytes(), total));
    d.interface = hub.interface_number;
    TRY(control(d, kToDevice, kSetConfiguration, hub.configuration_value, 0, 0, nullptr, true));
    const uint16_t type = usb::descriptor_type::kHub;  // a USB 2 hub's (see attach_device)
    // The longest a USB 2 hub descriptor gets: 7 bytes and two bitmaps of
    // 32 bytes for 255 ports.
    constexpr uint16_t kHubDescriptorRead = 71;
    for (uint16_t i = 0; i < kHubDescriptorRead; ++i) d.buffer.bytes()[i] = 0;
    TRY(control(d, kFromHubDevice, kGetDescriptor, uint16_t(type << 8), 0, kHubDescriptorRead,
                &d.buffer, true));
    const usb::HubDescriptor descriptor =
        TRY(usb::parse_hub_descriptor(d.buffer.bytes(), kHubDescriptorRead));
    if (descriptor.port_count > usb::DeviceRoute::kMaxHubPort)
        kprintf("usb: port %s: hub has %u ports; the first 15 are used\n",
                Location(d.fields.route).text, unsigned(descriptor.port_count));
    d.hub_ports = descriptor.port_count < usb::DeviceRoute::kMaxHubPort
                      ? descriptor.port_count
                      : uint8_t(usb::DeviceRoute::kMaxHubPort);
    d.power_good_ns = uint64_t(descriptor.power_on_to_power_good_ms) * kMillisecondNs;
    if (d.power_good_ns > kMaxPowerGoodNs) d.power_good_ns = kMaxPowerGoodNs;
    d.fields.hub_ports = d.hub_ports;
    if (d.fields.speed_id == usb::kSpeedHigh) d.fields.tt_think_time = descriptor.tt_think_time();
    TRY(configure_interrupt_endpoint(d, hub.status_change));
    d.kind = Device::Kind::kHub;
    d.interrupt_length = uint16_t(usb::hub_change_bitmap_size(descriptor.port_count));
    if (d.interrupt_length > hub.status_change.max_packet_size)
        d.interrupt_length = hub.status_change.max_packet_size;
    for (unsigned port = 1; port <= d.hub_ports; ++port)
        TRY(control(d, kToHubPort, kSetFeature, usb::hub_feature::kPortPower, uint16_t(port), 0,
                    nullptr, true));
    return {};
}

Result<usb::HubPortStatus> Controller::hub_port_status(Device& hub, unsigned port) {
    TRY(control(hub, kFromHubPort, kGetStatus, 0, uint16_t(port), usb::kHubPortStatusSize,
                &hub.buffer, true));
    return usb::parse_hub_port_status(hub.buffer.bytes(), usb::kHubPortStatusSize);
}

// After the ports were powered: attach what is plugged in already, then
// listen for changes.
void Controller::scan_hub_ports(Device& hub) {
    busy_wait(hub.power_good_ns);
    for (unsigned port = 1; port <= hub.hub_ports; ++port) {
        auto status = hub_port_status(hub, port);
        if (status.ok() && status.value().connected()) attach_hub_port(hub, port);
    }
    hub.hub_changed = 0;
    if (!listen(hub).ok())
        kprintf("usb: port %s: hub does not listen for changes\n", Location(hub.fields.route).text);
}

// A device on a hub's port: the port's changes cleared, a reset (the hub
// enables the port once it ends), then the device attached below the hub.
void Controller::attach_hub_port(Device& hub, unsigned port) {
    auto route = hub.fields.route.child(port);
    if (!route.ok()) return;
    const Location where(route.value());
    auto fail = [&](const char* why) { kprintf("usb: port %s: %s; skipped\n", where.text, why); };
    if (!control(hub, kToHubPort, kClearFeature, usb::hub_feature::kPortConnectionChange,
                 uint16_t(port), 0, nullptr, true)
             .ok() ||
        !control(hub, kToHubPort, kSetFeature, usb::hub_feature::kPortReset, uint16_t(port), 0,
                 nullptr, true)
             .ok())
        return fail("the hub refused the reset");
    const uint64_t deadline = arch::monotonic_ns() + kHubResetTimeoutNs;
    usb::HubPortStatus status{};
    for (;;) {
        auto now = hub_port_status(hub, port);
        if (!now.ok()) return fail("the hub does not say how the port is");
        status = now.value();
        if (status.reset_changed() && !status.resetting()) break;
        if (arch::monotonic_ns() > deadline) return fail("reset does not finish");
        busy_wait(kMillisecondNs);
    }
    (void)control(hub, kToHubPort, kClearFeature, usb::hub_feature::kPortResetChange,
                  uint16_t(port), 0, nullptr, true);
    if (!status.connected() || !status.enabled()) return fail("not enabled after reset");
    busy_wait(kResetRecoveryNs);

    usb::SlotFields fields;
    fields.route = route.value();
    fields.speed_id = usb::speed_id(status.speed());
    usb::inherit_transaction_translator(hub.fields, hub.slot, port, fields);
    auto attached = attach_device(fields, hub.slot, uint8_t(port));
    if (!attached.ok()) report_not_attached(fields.route, attached.error());
}

void Controller::detach(Device* d, const char* why) {
    if (d->kind == Device::Kind::kHub) {
        for (Device* child : m_devices) {
            if (child && child->parent_slot == d->slot) detach(child, "its hub went");
        }
    }
    for (Device*& entry : m_devices) {
        if (entry == d) entry = nullptr;
    }
    const Location where(d->fields.route);
    const char* kind = d->kind == Device::Kind::kHub ? "hub" : "keyboard";
    const uint16_t vendor = d->vendor_id, product = d->product_id;
    const unsigned slot = d->slot;
    delete d;  // disables the slot, frees its memory
    kprintf("usb: port %s: %s %04x:%04x detached (%s; slot %u disabled), dma_frames=%lu\n",
            where.text, kind, vendor, product, why, slot, dma_frames_in_use());
}

void Controller::deliver_report(Device& k, const Trb& event) {
    // An event for a TRB that is not in flight (stale, from a slot's earlier
    // device) is ignored, and nothing is re-armed for it.
    if (!k.interrupt->ring.try_complete(event.parameter).ok()) return;
    k.listening = false;
    const uint8_t code = event.completion_code();
    if (code != usb::completion_code::kSuccess && code != usb::completion_code::kShortPacket) {
        kprintf("usb: keyboard slot %u: transfer failed (code %u); it stops\n", unsigned(k.slot),
                unsigned(code));
        return;
    }
    const size_t got = 8 - (event.transfer_length() < 8 ? event.transfer_length() : 8);
    auto out = k.hid.feed_report(k.report.bytes(), got, arch::monotonic_ns());
    if (out.ok()) {
        for (size_t i = 0; i < out.value().size; ++i)
            console_input::push(console_input::Source::kKeyboard, out.value().bytes[i]);
        if (out.value().leds_changed) {
            k.led.bytes()[0] = k.hid.led_report();
            (void)control(k, kToInterface, kHidSetReport, 0x0200, k.interface, 1, &k.led, false);
        }
    }
    (void)listen(k);
}

// A hub's status-change endpoint reported: note the ports; they are looked
// at (control transfers that wait) once the event ring is drained, and the
// endpoint is re-armed then.
void Controller::hub_changed(Device& hub, const Trb& event) {
    if (!hub.interrupt->ring.try_complete(event.parameter).ok()) return;
    hub.listening = false;
    const uint8_t code = event.completion_code();
    if (code != usb::completion_code::kSuccess && code != usb::completion_code::kShortPacket) {
        kprintf("usb: hub slot %u: status transfer failed (code %u); it stops\n",
                unsigned(hub.slot), unsigned(code));
        return;
    }
    const uint32_t left = event.transfer_length();
    const size_t got = left < hub.interrupt_length ? hub.interrupt_length - left : 0;
    hub.hub_changed |= usb::hub_changed_ports(hub.report.bytes(), got, hub.hub_ports);
    m_hub_work = true;
}

void Controller::handle_event(const Trb& event) {
    if (event.type() == usb::trb_type::kTransferEvent) {
        Device* d = device_in_slot(event.slot_id());
        if (!d) return;  // a device already dropped
        if (event.endpoint_id() == 1) {
            (void)d->control->ring.try_complete(event.parameter);  // an LED update done
            if (event.completion_code() == usb::completion_code::kStallError)
                d->control_halted = true;
        } else if (d->interrupt && event.endpoint_id() == d->endpoint) {
            if (d->kind == Device::Kind::kKeyboard) deliver_report(*d, event);
            if (d->kind == Device::Kind::kHub) hub_changed(*d, event);
        }
    } else if (event.type() == usb::trb_type::kPortStatusChangeEvent) {
        const unsigned port = event.port_id();
        if (port < 1 || port > m_ports) return;
        volatile uint8_t* portsc = port_register(port);
        const uint32_t state = read32(portsc, 0);
        write32(portsc, 0, (state & kPortKept) | (state & kPortChanges));
        m_root_changed[port / 64] |= 1ull << (port % 64);
        if (state & kPortConnectChange) m_root_reconnected[port / 64] |= 1ull << (port % 64);
    }
}

// A root port changed: a device that went (or went and came back) is
// dropped, and one that is there and not attached is attached.
void Controller::handle_root_port_changes() {
    for (unsigned port = 1; port <= m_ports; ++port) {
        const uint64_t bit = 1ull << (port % 64);
        if (!(m_root_changed[port / 64] & bit)) continue;
        const bool reconnected = m_root_reconnected[port / 64] & bit;
        m_root_changed[port / 64] &= ~bit;
        m_root_reconnected[port / 64] &= ~bit;
        const bool connected = read32(port_register(port), 0) & kPortConnected;
        Device* present = device_at(0, uint8_t(port));
        if (present && (!connected || reconnected)) {
            detach(present, "unplugged");
            present = nullptr;
        }
        if (connected && !present) {
            attach_root_port(port);
            // The reset's own change events must not look like a new
            // connection.
            m_root_changed[port / 64] &= ~bit;
            m_root_reconnected[port / 64] &= ~bit;
        }
    }
}

void Controller::handle_hub_port_changes(Device& hub) {
    const uint16_t changed = hub.hub_changed;
    hub.hub_changed = 0;
    const uint8_t hub_slot = hub.slot;
    for (unsigned port = 1; port <= hub.hub_ports; ++port) {
        if (!(changed & (1u << port))) continue;
        auto status = hub_port_status(hub, port);
        if (!status.ok()) continue;
        uint16_t features[5];
        const size_t count = status.value().changes_to_clear(features);
        for (size_t i = 0; i < count; ++i)
            (void)control(hub, kToHubPort, kClearFeature, features[i], uint16_t(port), 0, nullptr,
                          true);
        Device* present = device_at(hub_slot, uint8_t(port));
        if (present && (!status.value().connected() || status.value().connection_changed())) {
            detach(present, "unplugged");
            present = nullptr;
        }
        if (status.value().connected() && !present) attach_hub_port(hub, port);
    }
    if (!hub.listening) (void)listen(hub);
}

void Controller::drain_events(bool acknowledge) {
    Trb event;
    bool any = false;
    while (m_events->try_pop(event)) {
        any = true;
        handle_event(event);
    }
    if (any || acknowledge) acknowledge_events();
}

void Controller::handle_noted_changes() {
    // Attaching waits for commands and transfers: it runs here, after the
    // ring is drained, and never from inside a wait (handle_event only
    // notes what changed).
    handle_root_port_changes();
    // A hub that reports the same change again and again gets a few rounds
    // per tick, not the whole tick.
    for (int round = 0; m_hub_work && round < 4; ++round) {
        m_hub_work = false;
        for (Device* d : m_devices) {
            if (d && d->kind == Device::Kind::kHub && d->hub_changed) handle_hub_port_changes(*d);
        }
    }
    for (Device* d : m_devices) {
        if (!d || !d->control_halted) continue;
        d->control_halted = false;  // one attempt: a failure is not retried every tick
        if (!recover_control_endpoint(*d).ok())
            kprintf("usb: slot %u: endpoint 0 does not recover from a stall\n", unsigned(d->slot));
    }
}

void Controller::repeat_keys() {
    const uint64_t now = arch::monotonic_ns();
    for (Device* d : m_devices) {
        if (!d || d->kind != Device::Kind::kKeyboard) continue;
        char bytes[kMaxKeyBytes];
        size_t n = d->hid.poll_repeat(now, bytes);
        for (size_t j = 0; j < n; ++j)
            console_input::push(console_input::Source::kKeyboard, bytes[j]);
    }
}

void Controller::take_events_after_interrupt() {
    // IMAN.IP and USBSTS.EINT are write-1-to-clear (IE is written back
    // on), and cleared before the ring is read: an event written after
    // that raises them again rather than being taken silently.
    write32(m_runtime, kInterrupterManagement, kInterruptEnable | kInterruptPending);
    write32(m_operational, kUsbStatus, kStatusEventInterrupt);
    // The ERDP write always: the controller set Event Handler Busy when it
    // interrupted and asserts nothing more until it is cleared; with events
    // still unread behind the new dequeue pointer it interrupts again.
    drain_events(true);
    handle_noted_changes();
}

void Controller::enable_interrupts_locked() {
    write32(m_runtime, kInterrupterModeration, kModerationInterval);
    write32(m_runtime, kInterrupterManagement, kInterruptEnable | kInterruptPending);
    write32(m_operational, kUsbCommand, read32(m_operational, kUsbCommand) | kCommandInterrupts);
    m_interrupts = true;
    // The controller sets Event Handler Busy with every event, interrupts
    // on or off, and interrupts only once it is clear: what came since the
    // last poll is taken now, which clears it.
    take_events_after_interrupt();
}

void Controller::interrupt_locked() {
    ++m_interrupt_runs;
    take_events_after_interrupt();
}

// An interrupt that never came (a message lost on the way, a controller
// that does not send it) must not leave a keyboard dead: events waiting
// kLostInterruptNs with no interrupt taken meanwhile are taken here, and
// the first time is reported.
void Controller::check_waiting_events() {
    if (!m_events->has_event()) {
        m_waiting_since_ns = 0;
        return;
    }
    const uint64_t now = arch::monotonic_ns();
    if (m_waiting_since_ns == 0 || m_runs_then != m_interrupt_runs) {
        m_waiting_since_ns = now;
        m_runs_then = m_interrupt_runs;
        return;
    }
    if (now - m_waiting_since_ns < kLostInterruptNs) return;
    if (!m_lost_reported) {
        kprintf("xhci: events waited %lu ms with no interrupt; the timer takes them\n",
                (now - m_waiting_since_ns) / kMillisecondNs);
        m_lost_reported = true;
    }
    m_waiting_since_ns = 0;
    take_events_after_interrupt();
}

void Controller::poll_locked() {
    if (m_interrupts) {
        check_waiting_events();
    } else {
        drain_events(false);
        handle_noted_changes();
    }
    repeat_keys();
}

}  // namespace

bool init(volatile uint8_t* mmio) {
    auto* controller = new (std::nothrow) Controller;
    if (!controller) return false;
    // Boot CPU only, before the controller is published: nothing contends
    // for the lock, which is taken for the analysis's sake and for what the
    // enumeration asserts.
    sync::NoInterruptsGuard lock(g_lock);
    if (!controller->start_locked(mmio)) return false;  // its memory stays: the device may use it
    // What the controller itself holds: every device's frames come on top
    // of this and go back when it is dropped.
    kprintf("xhci: running, dma_frames=%lu\n", dma_frames_in_use());
    controller->attach_root_ports_locked();
    __atomic_store_n(&g_controller, controller, __ATOMIC_RELEASE);
    return true;
}

namespace {

// Set by the interrupt's handler when its work could not run (on a CPU
// other than the boot CPU, or with the lock taken): the next tick does it.
bool g_interrupt_deferred = false;  // atomic
// proc's runner for work on the device poll stack (set before the vector
// is bound, read by the handler after the vector table's lock).
bool (*g_run_on_device_stack)(void (*work)()) = nullptr;

// The interrupt's work, on the device poll stack (an attach runs deep).
// Only the boot CPU runs it and the tick's poll, both with interrupts off,
// so the try_lock finds the lock free; a failure would be a holder on
// another CPU, which must not be waited for with interrupts off.
void interrupt_work() {
    Controller* controller = __atomic_load_n(&g_controller, __ATOMIC_ACQUIRE);
    if (!controller) return;
    if (!g_lock.try_lock()) {
        __atomic_store_n(&g_interrupt_deferred, true, __ATOMIC_RELEASE);
        return;
    }
    controller->interrupt_locked();
    g_lock.unlock();
}

void on_interrupt(void*) {
    if (!g_run_on_device_stack(interrupt_work))
        __atomic_store_n(&g_interrupt_deferred, true, __ATOMIC_RELEASE);
}

bool polling_forced() {
    char value[8];
    return cmdline_value("xhci.poll", value, sizeof(value)) && strcmp(value, "1") == 0;
}

}  // namespace

void start_interrupts(const pci::Device& device, bool (*run_on_device_stack)(void (*work)())) {
    Controller* controller = __atomic_load_n(&g_controller, __ATOMIC_ACQUIRE);
    if (!controller) return;
    if (polling_forced()) {
        kprintf("xhci: interrupts polled (xhci.poll=1)\n");
        return;
    }
    g_run_on_device_stack = run_on_device_stack;
    auto vector = arch::allocate_device_vector(on_interrupt, nullptr, "xhci");
    if (!vector.ok()) {
        kprintf("xhci: interrupts polled (no vector: %s)\n", error_name(vector.error()));
        return;
    }
    const arch::DeviceVector aimed = vector.value();
    auto routed = pci::route_interrupt(device, aimed.apic_id, aimed.vector);
    if (!routed.ok()) {
        (void)arch::free_device_vector(aimed.vector);  // nothing sends it
        if (routed.error() == Error::kNotSupported)
            kprintf("xhci: interrupts polled (no msi)\n");
        else
            kprintf("xhci: interrupts polled (msi: %s)\n", error_name(routed.error()));
        return;
    }
    {
        // Interrupts off on this CPU, the one the vector is aimed at: the
        // first interrupt comes once the switch is complete.
        sync::NoInterruptsGuard lock(g_lock);
        controller->enable_interrupts_locked();
    }
    kprintf("xhci: interrupts %s vector 0x%x cpu %u\n", pci::interrupt_kind_name(routed.value()),
            aimed.vector, aimed.cpu);
}

void poll() {
    Controller* controller = __atomic_load_n(&g_controller, __ATOMIC_ACQUIRE);
    if (!controller) return;
    if (!g_lock.try_lock()) return;
    if (__atomic_exchange_n(&g_interrupt_deferred, false, __ATOMIC_ACQUIRE))
        controller->interrupt_locked();
    controller->poll_locked();
    g_lock.unlock();
}

}  // namespace nyanos::xhci
