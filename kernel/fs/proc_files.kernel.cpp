// /proc's system-wide text files: the kernel's figures gathered when one
// is opened, laid out by fs/proc_text.h, and served from a snapshot the
// description owns (a reader sees one consistent text however it reads).
#include <new>

#include "arch/x86_64/io.h"
#include "arch/x86_64/timer.h"
#include "fs/open.h"
#include "fs/proc_text.h"
#include "fs/tree_files.h"
#include "lib/heap_ptr.h"
#include "lib/load_average.h"
#include "lib/wall_clock.h"
#include "mm/heap.h"
#include "mm/physical_memory.h"
#include "mm/vmm.h"
#include "proc/cpu.h"
#include "proc/lifecycle.h"
#include "proc/scheduler.h"
#include "syscall/linux_system_abi.h"

namespace nyanos::fs {

namespace {

using namespace proc_text;

constexpr uint64_t kUserHz = 100;  // USER_HZ: /proc/stat's clock ticks
constexpr uint64_t kKbPerFrame = paging::kPageSize / 1024;

void read_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]) {
    arch::CpuidResult r = arch::cpuid(leaf, subleaf);
    regs[0] = r.eax;
    regs[1] = r.ebx;
    regs[2] = r.ecx;
    regs[3] = r.edx;
}

// The online CPUs' indexes, in order; returns how many.
size_t online_cpus(uint32_t (&indexes)[proc::kMaxCpus]) {
    uint64_t mask = proc::online_cpu_mask();
    size_t count = 0;
    for (uint32_t i = 0; i < proc::kMaxCpus; ++i) {
        if (mask >> i & 1) indexes[count++] = i;
    }
    return count;
}

void write_meminfo(TextBuilder& out) {
    // As sysinfo: what the kernel keeps only for speed goes back first, so
    // MemFree depends only on what is live.
    proc::free_self_reaped();
    mm::reclaim_kernel_stacks();
    mm::kernel_heap_trim();
    mm::MemoryStats s = mm::physical_memory().stats();
    MemoryFigures m;
    m.total_kb = s.total_frames * kKbPerFrame;
    m.free_kb = s.free_frames * kKbPerFrame;
    m.available_kb = m.free_kb;
    m.user_kb = s.user_frames * kKbPerFrame;
    m.kernel_stack_kb = s.kernel_stack_frames * kKbPerFrame;
    m.page_tables_kb = s.page_table_frames * kKbPerFrame;
    m.heap_kb = s.heap_frames * kKbPerFrame;
    meminfo(m, out);
}

void write_uptime(TextBuilder& out) {
    uint32_t indexes[proc::kMaxCpus];
    size_t count = online_cpus(indexes);
    uint64_t idle_ticks = 0;
    for (size_t i = 0; i < count; ++i) idle_ticks += proc::cpu_tick_counts(indexes[i]).idle;
    uptime(arch::monotonic_ns(), idle_ticks * (1'000'000'000 / arch::kTimerHz), out);
}

void write_loadavg(TextBuilder& out) {
    uint64_t averages[3];
    for (unsigned i = 0; i < 3; ++i) averages[i] = proc::load_average(i);
    proc::TableCounts table = proc::table_counts();
    loadavg(averages, LoadAverage::kFractionBits, proc::runnable_threads(), table.threads,
            table.last_pid, out);
}

void write_stat(TextBuilder& out) {
    uint32_t indexes[proc::kMaxCpus];
    size_t count = online_cpus(indexes);
    CpuTimes times[proc::kMaxCpus];
    constexpr uint64_t kTicksPerUserHz = arch::kTimerHz / kUserHz;
    for (size_t i = 0; i < count; ++i) {
        proc::CpuTickCounts t = proc::cpu_tick_counts(indexes[i]);
        times[i] = CpuTimes{indexes[i], t.user / kTicksPerUserHz, t.system / kTicksPerUserHz,
                            t.idle / kTicksPerUserHz};
    }
    proc::TableCounts table = proc::table_counts();
    SystemCounts counts;
    counts.boot_time = wall_clock().realtime_ns(0) / 1'000'000'000;
    counts.processes = table.pids_handed_out;
    counts.running = proc::runnable_threads();
    stat(times, count, counts, out);
}

void write_cpuinfo(TextBuilder& out) {
    uint32_t indexes[proc::kMaxCpus];
    size_t count = online_cpus(indexes);
    CpuIdentity cpu;
    identify_cpu(read_cpuid, cpu);
    // What the kernel leaves off is not a feature a program may use, as
    // Linux clears the bits it disables: FSGSBASE (CR4.FSGSBASE stays
    // clear; AT_HWCAP2 says so too) and PKU (CR4.PKE stays clear).
    cpu.leaf7_ebx &= ~(1u << 0);
    cpu.leaf7_ecx &= ~(1u << 3);
    cpuinfo(cpu, indexes, count, out);
}

// What the text of `s` usually fits in; a larger one is made again in
// twice the room.
size_t first_capacity(Special s) {
    if (s == Special::kProcCpuinfo) return 2048 * size_t(proc::scheduler_cpu_count());
    if (s == Special::kProcStat) return 512 + 96 * size_t(proc::scheduler_cpu_count());
    return 2048;
}

void write_text(const Vfs&, Special s, TextBuilder& out) {
    switch (s) {
        case Special::kProcMeminfo:
            return write_meminfo(out);
        case Special::kProcUptime:
            return write_uptime(out);
        case Special::kProcLoadavg:
            return write_loadavg(out);
        case Special::kProcStat:
            return write_stat(out);
        case Special::kProcCpuinfo:
            return write_cpuinfo(out);
        case Special::kProcVersion:
            return version(sys::linux_abi::kUtsname.release, sys::linux_abi::kUtsname.version, out);
        case Special::kProcMounts:
            return mounts(out);
        default:
            return;
    }
}

}  // namespace

Result<DescriptionRef> open_proc_text(const Vfs& vfs, Node node, uint32_t flags) {
    if (!is_proc_text(node.special)) return Error::kNoEntry;
    for (size_t capacity = first_capacity(node.special);; capacity *= 2) {
        HeapPtr<char[]> buffer(new (std::nothrow) char[capacity]);
        if (!buffer.get()) return Error::kNoMemory;
        TextBuilder out(buffer.get(), capacity);
        write_text(vfs, node.special, out);
        if (!out.overflowed())
            return BytesFile::try_create_owning(vfs, node, flags, buffer, out.length());
    }
}

}  // namespace nyanos::fs
