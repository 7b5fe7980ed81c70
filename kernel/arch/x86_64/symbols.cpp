#include "arch/x86_64/symbols.h"

#include "arch/x86_64/page_probe.h"
#include "lib/console.h"

namespace {

struct KernelSymbol {
    uint64_t address;
    uint64_t size;  // 0 when unknown: extends to the next symbol
    const char* name;
};

}  // namespace

// Generated (mk/symbols.mk), sorted by address.
extern "C" const uint64_t kernel_symbol_count;
extern "C" const KernelSymbol kernel_symbol_table[];

namespace nyanos::arch {

namespace {
constexpr unsigned kMaxBacktraceDepth = 32;
}

SymbolLookup lookup_symbol(uint64_t address) {
    uint64_t count = kernel_symbol_count;
    if (count == 0 || address < kernel_symbol_table[0].address) return {nullptr, 0};
    // The last symbol whose start is <= address.
    uint64_t lo = 0, hi = count;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (kernel_symbol_table[mid].address <= address) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    const KernelSymbol& s = kernel_symbol_table[lo];
    uint64_t offset = address - s.address;
    if (s.size != 0 && offset >= s.size) return {nullptr, 0};
    // An unsized symbol (an assembly label) is trusted for a page at most.
    if (s.size == 0 && offset >= 4096) return {nullptr, 0};
    return {s.name, offset};
}

namespace {

void print_frame(unsigned index, uint64_t address, uint64_t lookup_address) {
    SymbolLookup sym = lookup_symbol(lookup_address);
    if (sym.name) {
        kprintf("  #%-2u 0x%016lx %s+0x%lx\n", index, address, sym.name,
                sym.offset + (address - lookup_address));
    } else {
        kprintf("  #%-2u 0x%016lx ?\n", index, address);
    }
}

bool frame_pointer_ok(uint64_t rbp) {
    // In the kernel half, 8-byte aligned, and both words readable.
    return rbp >= 0xffff800000000000ull && (rbp & 7) == 0 && rbp + 16 > rbp && is_mapped(rbp) &&
           is_mapped(rbp + 8);
}

}  // namespace

void print_backtrace(uint64_t rip, uint64_t rbp) {
    kprintf("backtrace:\n");
    print_frame(0, rip, rip);
    for (unsigned depth = 1; depth < kMaxBacktraceDepth && rbp; ++depth) {
        if (!frame_pointer_ok(rbp)) {
            kprintf("  (stopped: bad frame pointer 0x%lx)\n", rbp);
            return;
        }
        auto* frame = reinterpret_cast<const uint64_t*>(rbp);
        uint64_t next = frame[0];
        uint64_t return_address = frame[1];
        if (return_address == 0) return;
        // Name the call instruction, not whatever follows it.
        print_frame(depth, return_address, return_address - 1);
        // Frames grow upwards; anything else is a corrupt chain.
        if (next != 0 && next <= rbp) {
            kprintf("  (stopped: frame pointer 0x%lx does not grow)\n", next);
            return;
        }
        rbp = next;
    }
}

[[gnu::noinline]] void print_backtrace_here() {
    auto rbp = reinterpret_cast<uint64_t>(__builtin_frame_address(0));
    auto rip = reinterpret_cast<uint64_t>(__builtin_return_address(0));
    // Start at the caller: skip this function's own frame.
    print_backtrace(rip, *reinterpret_cast<const uint64_t*>(rbp));
}

}  // namespace nyanos::arch
