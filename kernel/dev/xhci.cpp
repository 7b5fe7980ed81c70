#include "dev/xhci.h"

#include <new>

#include "arch/x86_64/timer.h"
#include "dev/console_input.h"
#include "lib/console.h"
#include "mm/physical_memory.h"
#include "sync/spinlock.h"
#include "usb/boot_interface.h"
#include "usb/descriptors.h"
#include "usb/hid_keyboard.h"
#include "usb/xhci_event_ring.h"
#include "usb/xhci_producer_ring.h"

namespace nyanos::xhci {

namespace {

using usb::Trb;

// Capability registers (xHCI 1.2, section 5.3).
constexpr uint32_t kCapLength = 0x00, kHcsParams1 = 0x04, kHcsParams2 = 0x08, kHccParams1 = 0x10,
                   kDoorbellOffset = 0x14, kRuntimeOffset = 0x18;
// Operational registers (5.4), from the capability length on.
constexpr uint32_t kUsbCommand = 0x00, kUsbStatus = 0x04, kCommandRingControl = 0x18,
                   kContextArray = 0x30, kConfigure = 0x38, kPortBase = 0x400;
constexpr uint32_t kCommandRun = 1u << 0, kCommandReset = 1u << 1;
constexpr uint32_t kStatusHalted = 1u << 0, kStatusNotReady = 1u << 11;
// PORTSC (5.4.8). Writing 1 to PED disables the port and to a change bit
// clears it, so a write starts from the bits that keep their value
// (Linux's xhci_port_state_to_neutral).
constexpr uint32_t kPortConnected = 1u << 0, kPortEnabled = 1u << 1, kPortReset = 1u << 4;
constexpr uint32_t kPortResetChange = 1u << 21;
constexpr uint32_t kPortChanges = 0x7fu << 17;
constexpr uint32_t kPortKept = (1u << 0) | (1u << 3) | (0xfu << 10) | (1u << 30) | (0xfu << 5) |
                               (1u << 9) | (0x3u << 14) | (0x7u << 25);
// Interrupter 0 (5.5.2), in the runtime registers.
constexpr uint32_t kEventRingTableSize = 0x28, kEventRingTableBase = 0x30, kEventRingDequeue = 0x38;
constexpr uint64_t kEventHandlerBusy = 1u << 3;
// USB Legacy Support extended capability (7.1): the firmware hands over.
constexpr uint32_t kLegacySupportId = 1, kBiosOwned = 1u << 16, kOsOwned = 1u << 24;

constexpr uint64_t kTimeoutNs = 1'000'000'000;
constexpr uint64_t kPortResetTimeoutNs = 200'000'000;
constexpr size_t kRingTrbs = 4096 / sizeof(Trb);  // one page
constexpr size_t kMaxKeyboards = 4;
constexpr size_t kMaxScratchpads = 256;  // as many as one page of pointers holds

// Endpoint types of an Endpoint Context (6.2.3).
constexpr uint32_t kEndpointControl = 4, kEndpointInterruptIn = 7;
// Standard and HID class requests (USB 2.0, 9.4; HID 1.11, 7.2).
constexpr uint8_t kGetDescriptor = 6, kSetConfiguration = 9;
constexpr uint8_t kHidSetReport = 0x09, kHidSetIdle = 0x0a, kHidSetProtocol = 0x0b;
constexpr uint8_t kToDevice = 0x00, kFromDevice = 0x80, kToInterface = 0x21;
constexpr uint16_t kDeviceDescriptor = 0x0100, kConfigurationDescriptor = 0x0200;

struct DmaPage {
    void* virt = nullptr;
    uint64_t phys = 0;
    uint8_t* bytes() const { return static_cast<uint8_t*>(virt); }
};

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

// A device with a boot keyboard interface, configured and listening.
struct Keyboard {
    uint8_t slot = 0;
    uint8_t endpoint = 0;  // the interrupt-IN endpoint's context index
    uint8_t interface = 0;
    usb::ProducerRing* control = nullptr;  // endpoint 0's ring
    usb::ProducerRing* reports = nullptr;  // the interrupt endpoint's
    DmaPage report;                        // where reports land
    DmaPage led;                           // the LED byte SET_REPORT sends
    usb::HidKeyboard hid;
};

class Controller {
public:
    bool start(volatile uint8_t* mmio);
    void attach_ports();
    void poll();

private:
    Result<DmaPage> dma_page();
    void take_from_firmware();
    bool wait_for(uint32_t offset, uint32_t mask, uint32_t want, uint64_t timeout);
    void ring_doorbell(uint8_t slot, uint8_t target) {
        write32(m_doorbells, uint32_t(slot) * 4, target);
    }
    volatile uint8_t* port_register(unsigned port) {
        return m_operational + kPortBase + 0x10 * (port - 1);
    }
    void acknowledge_events() {
        write64(m_runtime, kEventRingDequeue, m_events->dequeue_phys() | kEventHandlerBusy);
    }
    Result<Trb> wait_event(uint8_t type, uint64_t trb_phys);
    Result<Trb> command(Trb trb);
    Result<void> control(uint8_t slot, usb::ProducerRing& ring, uint8_t request_type,
                         uint8_t request, uint16_t value, uint16_t index, uint16_t length,
                         const DmaPage* data, bool wait);
    uint8_t* context(const DmaPage& page, unsigned index) const {
        return page.bytes() + index * m_context_bytes;
    }
    void attach(unsigned port);
    Result<void> attach_keyboard(unsigned port, unsigned speed);
    void handle_event(const Trb& event);
    void deliver_report(Keyboard& k, const Trb& event);

    volatile uint8_t* m_capabilities = nullptr;
    volatile uint8_t* m_operational = nullptr;
    volatile uint8_t* m_runtime = nullptr;
    volatile uint8_t* m_doorbells = nullptr;
    unsigned m_slots = 0, m_ports = 0;
    unsigned m_context_bytes = 32;
    bool m_dma64 = false;
    uint64_t* m_context_array = nullptr;
    usb::ProducerRing* m_commands = nullptr;
    usb::EventRing* m_events = nullptr;
    Keyboard* m_keyboards[kMaxKeyboards] = {};
    size_t m_keyboard_count = 0;
};

// One controller is driven (the first found); poll() runs from the timer on
// one CPU at a time: the lock keeps a second caller out, and init()
// publishes the controller only once it is ready.
sync::SpinLock g_lock;
Controller* g_controller = nullptr;

Result<DmaPage> Controller::dma_page() {
    auto frame = mm::physical_memory().allocate_zeroed_frame(mm::FrameUse::kDma);
    if (!frame.ok()) return Error::kNoMemory;
    // Without 64-bit addressing (HCCPARAMS1.AC64) the controller sees only
    // the low 4 GiB.
    if (!m_dma64 && (frame.value() >> 32)) {
        mm::physical_memory().free_frame(frame.value(), mm::FrameUse::kDma);
        return Error::kNoMemory;
    }
    return DmaPage{mm::physical_memory().frame_to_virt(frame.value()), frame.value()};
}

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

bool Controller::start(volatile uint8_t* mmio) {
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
    if (m_slots > 255) m_slots = 255;

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
    auto array = dma_page();
    if (!array.ok()) return false;
    m_context_array = static_cast<uint64_t*>(array.value().virt);
    const uint32_t structural2 = read32(mmio, kHcsParams2);
    const size_t scratchpads = ((structural2 >> 21) & 0x1f) << 5 | (structural2 >> 27);
    if (scratchpads > kMaxScratchpads) {
        kprintf("xhci: %lu scratchpad buffers asked for; giving it up\n", scratchpads);
        return false;
    }
    if (scratchpads) {
        auto list = dma_page();
        if (!list.ok()) return false;
        auto* entries = static_cast<uint64_t*>(list.value().virt);
        for (size_t i = 0; i < scratchpads; ++i) {
            auto page = dma_page();
            if (!page.ok()) return false;
            entries[i] = page.value().phys;
        }
        m_context_array[0] = list.value().phys;
    }
    write64(m_operational, kContextArray, array.value().phys);
    write32(m_operational, kConfigure, m_slots);

    auto command_page = dma_page();
    auto event_page = dma_page();
    auto table_page = dma_page();
    if (!command_page.ok() || !event_page.ok() || !table_page.ok()) return false;
    auto commands = usb::ProducerRing::try_create(static_cast<Trb*>(command_page.value().virt),
                                                  command_page.value().phys, kRingTrbs);
    auto events = usb::EventRing::try_create(static_cast<Trb*>(event_page.value().virt),
                                             event_page.value().phys, kRingTrbs);
    if (!commands.ok() || !events.ok()) return false;
    m_commands = new (std::nothrow) usb::ProducerRing(commands.value());
    m_events = new (std::nothrow) usb::EventRing(events.value());
    if (!m_commands || !m_events) return false;
    write64(m_operational, kCommandRingControl, m_commands->dequeue_pointer_for_controller());
    auto* table = static_cast<usb::EventRingSegmentTableEntry*>(table_page.value().virt);
    table[0] = m_events->segment_table_entry();
    write32(m_runtime, kEventRingTableSize, 1);
    write64(m_runtime, kEventRingDequeue, m_events->dequeue_phys());
    write64(m_runtime, kEventRingTableBase, table_page.value().phys);  // last: it arms the ring

    write32(m_operational, kUsbCommand, kCommandRun);  // polled: no interrupts
    if (!wait_for(kUsbStatus, kStatusHalted, 0, kTimeoutNs)) {
        kprintf("xhci: the controller does not run; giving it up\n");
        return false;
    }
    kprintf("xhci: %u ports, %u slots, %u-byte contexts%s\n", m_ports, m_slots, m_context_bytes,
            scratchpads ? ", scratchpads" : "");
    return true;
}

// The next event of `type` naming `trb_phys`, handling the others on the
// way (a keyboard's report, a port change). kTimedOut after a second.
Result<Trb> Controller::wait_event(uint8_t type, uint64_t trb_phys) {
    const uint64_t deadline = arch::monotonic_ns() + kTimeoutNs;
    for (;;) {
        Trb event;
        if (m_events->try_pop(event)) {
            acknowledge_events();
            if (event.type() == type && event.parameter == trb_phys) return event;
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
    auto event = wait_event(usb::trb_type::kCommandCompletionEvent, at);
    if (!event.ok()) return event.error();  // the TRB stays in flight: the ring is given up
    (void)m_commands->try_complete(at);
    if (event.value().completion_code() != usb::completion_code::kSuccess) return Error::kIo;
    return event.value();
}

// A control transfer on endpoint 0 (xHCI 4.11.2.2): Setup, an optional
// Data stage (`data`'s first `length` bytes), Status. With `wait`, returns
// once it completed; without, its completion is taken when it arrives.
Result<void> Controller::control(uint8_t slot, usb::ProducerRing& ring, uint8_t request_type,
                                 uint8_t request, uint16_t value, uint16_t index, uint16_t length,
                                 const DmaPage* data, bool wait) {
    using namespace usb::trb_control;
    if (ring.free_trbs() < 3) return Error::kAgain;
    const bool in = request_type & kFromDevice;
    Trb setup{};
    setup.parameter = uint64_t(request_type) | uint64_t(request) << 8 | uint64_t(value) << 16 |
                      uint64_t(index) << 32 | uint64_t(length) << 48;
    setup.status = 8;
    setup.control = usb::trb_type_bits(usb::trb_type::kSetupStage) | kImmediateData |
                    (length ? (in ? 3u : 2u) : 0u) << 16;
    TRY(ring.try_enqueue(setup));
    if (length) {
        Trb stage{};
        stage.parameter = data->phys;
        stage.status = length;
        stage.control = usb::trb_type_bits(usb::trb_type::kDataStage) | (in ? 1u << 16 : 0u);
        TRY(ring.try_enqueue(stage));
    }
    Trb status{};
    status.control = usb::trb_type_bits(usb::trb_type::kStatusStage) | kInterruptOnCompletion |
                     (length && in ? 0u : 1u << 16);
    uint64_t at = TRY(ring.try_enqueue(status));
    ring_doorbell(slot, 1);
    if (!wait) return {};
    Trb event = TRY(wait_event(usb::trb_type::kTransferEvent, at));
    (void)ring.try_complete(at);
    uint8_t code = event.completion_code();
    if (code != usb::completion_code::kSuccess && code != usb::completion_code::kShortPacket)
        return Error::kIo;
    return {};
}

void Controller::attach_ports() {
    for (unsigned port = 1; port <= m_ports; ++port) {
        if (read32(port_register(port), 0) & kPortConnected) attach(port);
    }
}

// A device on a root port: reset the port (a USB 2 port enables only
// then; a USB 3 port is enabled by its link training already), then
// address the device and look for a boot keyboard.
void Controller::attach(unsigned port) {
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
    const unsigned speed = (state >> 10) & 0xf;
    auto attached = attach_keyboard(port, speed);
    if (!attached.ok() && attached.error() != Error::kNoEntry)
        kprintf("usb: port %u: device dropped (%s)\n", port, error_name(attached.error()));
}

Result<void> Controller::attach_keyboard(unsigned port, unsigned speed) {
    if (m_keyboard_count == kMaxKeyboards) return Error::kNoEntry;
    Trb enable{};
    enable.control = usb::trb_type_bits(usb::trb_type::kEnableSlot);
    const uint8_t slot = TRY(command(enable)).slot_id();
    if (slot == 0 || slot > m_slots) return Error::kIo;

    // Endpoint 0: its ring, the output context, and an input context that
    // describes the slot and endpoint 0 for Address Device (4.3.3).
    DmaPage output = TRY(dma_page());
    DmaPage input = TRY(dma_page());
    DmaPage ep0_page = TRY(dma_page());
    DmaPage buffer = TRY(dma_page());
    auto ep0 =
        usb::ProducerRing::try_create(static_cast<Trb*>(ep0_page.virt), ep0_page.phys, kRingTrbs);
    if (!ep0.ok()) return ep0.error();
    auto* control_ring = new (std::nothrow) usb::ProducerRing(ep0.value());
    if (!control_ring) return Error::kNoMemory;
    m_context_array[slot] = output.phys;
    // xHCI speed IDs: 1 full, 2 low, 3 high, 4 super. Endpoint 0's packet
    // size until the device says: 8 at low and full speed, 64 at high, 512 at super.
    const uint16_t first_packet = speed == 4 ? 512 : speed == 3 ? 64 : 8;
    auto* input_control = reinterpret_cast<uint32_t*>(context(input, 0));
    auto* slot_context = reinterpret_cast<uint32_t*>(context(input, 1));
    auto* ep0_context = reinterpret_cast<uint32_t*>(context(input, 2));
    input_control[1] = (1u << 0) | (1u << 1);      // add: slot, endpoint 0
    slot_context[0] = (speed << 20) | (1u << 27);  // one context entry
    slot_context[1] = port << 16;
    ep0_context[1] = (3u << 1) | (kEndpointControl << 3) | (uint32_t(first_packet) << 16);
    ep0_context[2] = uint32_t(control_ring->dequeue_pointer_for_controller());
    ep0_context[3] = uint32_t(control_ring->dequeue_pointer_for_controller() >> 32);
    ep0_context[4] = 8;  // average TRB length of control transfers
    Trb address{};
    address.parameter = input.phys;
    address.control = usb::trb_type_bits(usb::trb_type::kAddressDevice) | uint32_t(slot) << 24;
    TRY(command(address));

    TRY(control(slot, *control_ring, kFromDevice, kGetDescriptor, kDeviceDescriptor, 0, 8, &buffer,
                true));
    const uint16_t packet = TRY(usb::parse_ep0_max_packet_size(buffer.bytes(), 8));
    if (packet != first_packet) {
        // Evaluate Context with endpoint 0's real packet size (4.6.7).
        input_control[0] = 0;
        input_control[1] = 1u << 1;
        ep0_context[1] = (3u << 1) | (kEndpointControl << 3) | (uint32_t(packet) << 16);
        Trb evaluate{};
        evaluate.parameter = input.phys;
        evaluate.control = usb::trb_type_bits(usb::trb_type::kEvaluateContext) | uint32_t(slot)
                                                                                     << 24;
        TRY(command(evaluate));
    }
    TRY(control(slot, *control_ring, kFromDevice, kGetDescriptor, kDeviceDescriptor, 0, 18, &buffer,
                true));
    const usb::DeviceDescriptor device = TRY(usb::parse_device_descriptor(buffer.bytes(), 18));
    TRY(control(slot, *control_ring, kFromDevice, kGetDescriptor, kConfigurationDescriptor, 0, 9,
                &buffer, true));
    const usb::ConfigurationDescriptor configuration =
        TRY(usb::parse_configuration_descriptor(buffer.bytes(), 9));
    const uint16_t total = configuration.total_length < 4096 ? configuration.total_length : 4096;
    TRY(control(slot, *control_ring, kFromDevice, kGetDescriptor, kConfigurationDescriptor, 0,
                total, &buffer, true));
    auto found = usb::find_boot_interface(buffer.bytes(), total, usb::BootProtocol::kKeyboard);
    if (!found.ok()) {
        if (found.error() == Error::kNoEntry)
            kprintf("usb: port %u: %04x:%04x is not a boot keyboard; left alone\n", port,
                    device.vendor_id, device.product_id);
        return found.error();
    }
    const usb::BootInterface keyboard = found.value();

    TRY(control(slot, *control_ring, kToDevice, kSetConfiguration, keyboard.configuration_value, 0,
                0, nullptr, true));
    TRY(control(slot, *control_ring, kToInterface, kHidSetProtocol, 0, keyboard.interface_number, 0,
                nullptr, true));
    // SET_IDLE may be stalled by a keyboard that does not support it.
    (void)control(slot, *control_ring, kToInterface, kHidSetIdle, 0, keyboard.interface_number, 0,
                  nullptr, true);

    // The interrupt-IN endpoint: its ring and Configure Endpoint (4.6.6).
    auto* k = new (std::nothrow) Keyboard;
    if (!k) return Error::kNoMemory;
    k->slot = slot;
    k->endpoint = keyboard.endpoint.xhci_context_index();
    k->interface = keyboard.interface_number;
    k->control = control_ring;
    DmaPage ring_page = TRY(dma_page());
    k->report = TRY(dma_page());
    k->led = TRY(dma_page());
    auto reports =
        usb::ProducerRing::try_create(static_cast<Trb*>(ring_page.virt), ring_page.phys, kRingTrbs);
    if (!reports.ok()) return reports.error();
    k->reports = new (std::nothrow) usb::ProducerRing(reports.value());
    if (!k->reports) return Error::kNoMemory;
    const usb::UsbSpeed usb_speed = speed == 4   ? usb::UsbSpeed::kSuper
                                    : speed == 3 ? usb::UsbSpeed::kHigh
                                    : speed == 2 ? usb::UsbSpeed::kLow
                                                 : usb::UsbSpeed::kFull;
    const uint32_t max_packet = keyboard.endpoint.max_packet_size;
    auto* endpoint_context = reinterpret_cast<uint32_t*>(context(input, k->endpoint + 1));
    for (unsigned i = 0; i < m_context_bytes / 4; ++i) endpoint_context[i] = 0;
    input_control[0] = 0;
    input_control[1] = (1u << 0) | (1u << k->endpoint);
    slot_context[0] = (speed << 20) | (uint32_t(k->endpoint) << 27);
    endpoint_context[0] = uint32_t(usb::xhci_endpoint_interval(keyboard.endpoint, usb_speed)) << 16;
    endpoint_context[1] = (3u << 1) | (kEndpointInterruptIn << 3) | (max_packet << 16);
    endpoint_context[2] = uint32_t(k->reports->dequeue_pointer_for_controller());
    endpoint_context[3] = uint32_t(k->reports->dequeue_pointer_for_controller() >> 32);
    endpoint_context[4] = 8 | (max_packet << 16);  // average TRB length, max ESIT payload
    Trb configure{};
    configure.parameter = input.phys;
    configure.control = usb::trb_type_bits(usb::trb_type::kConfigureEndpoint) | uint32_t(slot)
                                                                                    << 24;
    TRY(command(configure));

    // Listen for the first report, and set the LEDs (Num Lock starts on).
    m_keyboards[m_keyboard_count++] = k;
    Trb normal{};
    normal.parameter = k->report.phys;
    normal.status = 8;
    normal.control =
        usb::trb_type_bits(usb::trb_type::kNormal) | usb::trb_control::kInterruptOnCompletion;
    TRY(k->reports->try_enqueue(normal));
    ring_doorbell(slot, k->endpoint);
    k->led.bytes()[0] = k->hid.led_report();
    (void)control(slot, *control_ring, kToInterface, kHidSetReport, 0x0200,
                  keyboard.interface_number, 1, &k->led, true);
    kprintf("usb: port %u: keyboard %04x:%04x (slot %u, endpoint %u)\n", port, device.vendor_id,
            device.product_id, unsigned(slot), unsigned(k->endpoint));
    return {};
}

void Controller::deliver_report(Keyboard& k, const Trb& event) {
    (void)k.reports->try_complete(event.parameter);
    const uint8_t code = event.completion_code();
    if (code == usb::completion_code::kSuccess || code == usb::completion_code::kShortPacket) {
        const size_t got = 8 - (event.transfer_length() < 8 ? event.transfer_length() : 8);
        auto out = k.hid.feed_report(k.report.bytes(), got, arch::monotonic_ns());
        if (out.ok()) {
            for (size_t i = 0; i < out.value().size; ++i)
                console_input::push(console_input::Source::kKeyboard, out.value().bytes[i]);
            if (out.value().leds_changed) {
                k.led.bytes()[0] = k.hid.led_report();
                (void)control(k.slot, *k.control, kToInterface, kHidSetReport, 0x0200, k.interface,
                              1, &k.led, false);
            }
        }
    } else {
        kprintf("usb: keyboard slot %u: transfer failed (code %u); it stops\n", unsigned(k.slot),
                unsigned(code));
        return;
    }
    Trb normal{};
    normal.parameter = k.report.phys;
    normal.status = 8;
    normal.control =
        usb::trb_type_bits(usb::trb_type::kNormal) | usb::trb_control::kInterruptOnCompletion;
    if (k.reports->try_enqueue(normal).ok()) ring_doorbell(k.slot, k.endpoint);
}

void Controller::handle_event(const Trb& event) {
    if (event.type() == usb::trb_type::kTransferEvent) {
        for (size_t i = 0; i < m_keyboard_count; ++i) {
            Keyboard& k = *m_keyboards[i];
            if (k.slot != event.slot_id()) continue;
            if (event.endpoint_id() == k.endpoint)
                deliver_report(k, event);
            else if (event.endpoint_id() == 1)
                (void)k.control->try_complete(event.parameter);  // an LED update done
            return;
        }
    } else if (event.type() == usb::trb_type::kPortStatusChangeEvent) {
        unsigned port = event.port_id();
        if (port >= 1 && port <= m_ports) {
            volatile uint8_t* portsc = port_register(port);
            uint32_t state = read32(portsc, 0);
            write32(portsc, 0, (state & kPortKept) | (state & kPortChanges));
        }
    }
}

void Controller::poll() {
    Trb event;
    bool any = false;
    while (m_events->try_pop(event)) {
        any = true;
        handle_event(event);
    }
    if (any) acknowledge_events();
    const uint64_t now = arch::monotonic_ns();
    for (size_t i = 0; i < m_keyboard_count; ++i) {
        char bytes[kMaxKeyBytes];
        size_t n = m_keyboards[i]->hid.poll_repeat(now, bytes);
        for (size_t j = 0; j < n; ++j)
            console_input::push(console_input::Source::kKeyboard, bytes[j]);
    }
}

}  // namespace

bool init(volatile uint8_t* mmio) {
    auto* controller = new (std::nothrow) Controller;
    if (!controller) return false;
    if (!controller->start(mmio)) return false;  // its memory stays: the device may still use it
    controller->attach_ports();
    sync::NoInterruptsGuard lock(g_lock);
    g_controller = controller;
    return true;
}

void poll() {
    if (!__atomic_load_n(&g_controller, __ATOMIC_ACQUIRE)) return;
    if (!g_lock.try_lock()) return;
    g_controller->poll();
    g_lock.unlock();
}

}  // namespace nyanos::xhci
