// /proc's system-wide text files: the kernel's figures gathered when one
// is opened, laid out by fs/proc_text.h, and served from a snapshot the
// description owns (a reader sees one consistent text however it reads).
#include <new>

#include "arch/x86_64/device_vectors.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/timer.h"
#include "dev/pci.h"
#include "fs/files.h"
#include "fs/open.h"
#include "fs/proc_text.h"
#include "fs/terminal.h"
#include "fs/tree_files.h"
#include "lib/heap_ptr.h"
#include "lib/load_average.h"
#include "lib/pci_text.h"
#include "lib/wall_clock.h"
#include "mm/heap.h"
#include "mm/physical_memory.h"
#include "mm/vmm.h"
#include "proc/cpu.h"
#include "proc/lifecycle.h"
#include "proc/memory_space.h"
#include "proc/scheduler.h"
#include "syscall/linux_system.h"
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

Result<void> write_stat(TextBuilder& out) {
    uint32_t indexes[proc::kMaxCpus];
    size_t count = online_cpus(indexes);
    // On the heap: 64 of them are 2 KiB, half of a NyanOS program's kernel
    // stack.
    HeapPtr<CpuTimes[]> times(new (std::nothrow) CpuTimes[count ? count : 1]);
    if (!times.get()) return Error::kNoMemory;
    constexpr uint64_t kTicksPerUserHz = arch::kTimerHz / kUserHz;
    SystemCounts counts;
    for (size_t i = 0; i < count; ++i) {
        proc::CpuTickCounts t = proc::cpu_tick_counts(indexes[i]);
        times.get()[i] = CpuTimes{indexes[i], t.user / kTicksPerUserHz, t.system / kTicksPerUserHz,
                                  t.idle / kTicksPerUserHz};
        counts.interrupts += t.user + t.system + t.idle;  // one a timer interrupt
        counts.context_switches += proc::context_switches(indexes[i]);
    }
    // One count per IDT vector, as /proc/interrupts numbers them.
    constexpr size_t kVectors = 256;
    HeapPtr<uint64_t[]> irqs(new (std::nothrow) uint64_t[kVectors]());
    if (!irqs.get()) return Error::kNoMemory;
    arch::DeviceVectorInfo vector;
    for (size_t n = 0; arch::device_vector_at(n, vector); ++n) {
        irqs.get()[vector.vector] += vector.count;
        counts.interrupts += vector.count;
    }
    counts.interrupts += arch::stray_device_interrupts();
    counts.irq_counts = irqs.get();
    counts.irq_numbers = kVectors;
    proc::TableCounts table = proc::table_counts();
    counts.boot_time = wall_clock().realtime_ns(0) / 1'000'000'000;
    counts.processes = table.pids_handed_out;
    counts.running = proc::runnable_threads();
    stat(times.get(), count, counts, out);
    return {};
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
    cpu.tsc_khz = uint32_t(arch::tsc_frequency_hz() / 1000);
    cpuinfo(cpu, indexes, count, out);
}

// Which of a process's strings to copy out of its memory.
enum class Strings { kNone, kArguments, kEnvironment };

// The figures of a process's memory, and up to `room` bytes of the strings
// `which` as they are in that memory now, into `text` (how many in `*copied`).
void read_memory_figures(proc::MemorySpace& space, ProcessFigures& figures, Strings which,
                         char* text, size_t room, size_t* copied) REQUIRES(space.lock) {
    figures.virtual_bytes = space.memory.mapped_bytes();
    figures.start_brk = space.memory.break_start();
    figures.arg_start = space.memory.arguments_start();
    figures.arg_end = space.memory.arguments_start() + space.memory.arguments_length();
    figures.has_memory = true;
    // By kind, as Linux's task_mem counts them (its VM_STACK, VM_EXEC and
    // VM_WRITE mappings).
    const mm::VmMap& regions = space.memory.regions();
    for (size_t i = 0; i < regions.count(); ++i) {
        const mm::Region& r = regions[i];
        if (r.kind == mm::RegionKind::kStack)
            figures.stack_bytes += r.length();
        else if (r.writable() && !r.shared())
            figures.data_bytes += r.length();
        else if (r.executable() && (r.flags & mm::Region::kImage))
            figures.text_bytes += r.length();
        else if (r.executable())
            figures.lib_bytes += r.length();
    }
    if (which == Strings::kNone) return;
    uint64_t start = which == Strings::kArguments ? space.memory.arguments_start()
                                                  : space.memory.environment_start();
    size_t length = which == Strings::kArguments ? space.memory.arguments_length()
                                                 : space.memory.environment_length();
    // Page by page, so a part unmapped since exec ends the text where it
    // starts (Linux's access_remote_vm does the same).
    size_t want = length < room ? length : room;
    size_t done = 0;
    while (done < want) {
        uint64_t at = start + done;
        size_t piece = paging::kPageSize - at % paging::kPageSize;
        if (piece > want - done) piece = want - done;
        if (!space.memory.space().copy_from(text + done, at, piece).ok()) break;
        done += piece;
    }
    *copied = done;
}

void write_map_lines(proc::MemorySpace& space, uint32_t program, TextBuilder& out)
    REQUIRES(space.lock) {
    const mm::VmMap& regions = space.memory.regions();
    // The root tree's device (kRootDevice), as major and minor.
    const uint32_t root_major = uint32_t(kRootDevice >> 8),
                   root_minor = uint32_t(kRootDevice & 0xff);
    char path[256];
    for (size_t i = 0; i < regions.count(); ++i) {
        const mm::Region& r = regions[i];
        MapLine line;
        line.start = r.start;
        line.end = r.end;
        line.prot = r.prot;
        line.shared = r.shared();
        uint32_t file = 0;
        if (r.kind == mm::RegionKind::kFile && r.file && r.file->inode) {
            file = r.file->inode;
            line.offset = r.offset;
        } else if (r.flags & mm::Region::kImage) {
            file = program;
        } else if (r.kind == mm::RegionKind::kHeap) {
            line.name = "[heap]";
        } else if (r.kind == mm::RegionKind::kStack) {
            line.name = "[stack]";
        }
        if (file) {
            // The mapping holds its file; the program image's is held too.
            Node node = vfs().node_of(file);
            if (node.valid() && vfs().path_of(node, path, sizeof(path)).ok()) line.name = path;
            line.major = root_major;
            line.minor = root_minor;
            line.inode = file;
        }
        map_line(line, out);
    }
}

// Process `pid`'s figures, the memory ones read under its memory lock
// (after the table lock: the memory lock comes first in the lock order, so
// the two are never held together), and the strings `which` (see above).
Result<ProcessFigures> gather_process(int32_t pid, Strings which = Strings::kNone,
                                      char* text = nullptr, size_t room = 0,
                                      size_t* copied = nullptr) {
    ProcessFigures figures;
    proc::MemorySpace* memory = TRY(proc::process_figures(pid, figures));
    if (const Terminal* t = session_terminal(figures.sid, figures.tpgid))
        figures.tty_nr = uint32_t(t->device());
    if (copied) *copied = 0;
    if (memory) {
        {
            proc::MemoryGuard guard(*memory);
            read_memory_figures(*memory, figures, which, text, room, copied);
        }
        proc::MemorySpace::release(memory);
    }
    return figures;
}

// /proc/<pid>/maps: one line per region, named as Linux names them (the
// program's segments after the program file, though at offset 0: the
// kernel does not keep a segment's file offset). A zombie's is empty.
Result<void> write_maps(int32_t pid, TextBuilder& out) {
    InodeRef held = proc::program_of(pid);
    const uint32_t program = held ? held->number : 0;
    proc::MemorySpace* memory = TRY(proc::memory_of(pid));
    if (!memory) return {};
    {
        proc::MemoryGuard guard(*memory);
        write_map_lines(*memory, program, out);
    }
    proc::MemorySpace::release(memory);
    return {};
}

// /proc/<pid>/status: the figures, with the descriptor table's size and
// the supplementary groups (a reference held while the text is made).
Result<void> write_status(Node node, TextBuilder& out) {
    ProcessFigures p = TRY(gather_process(node.pid));
    if (node.tid) TRY(proc::thread_figures(node.pid, node.tid, p));
    auto files = proc::files_of(node.pid);
    if (files.ok()) {
        p.fd_slots = linux_fd_size(uint32_t(files.value()->capacity()));
        files.value()->release_ref();
    }
    proc::GroupList* groups = proc::groups_of(node.pid);
    if (groups) {
        p.groups = groups->ids();
        p.group_count = groups->count();
    }
    process_status(p, out);
    proc::GroupList::release(groups);
    return {};
}

// /proc/<pid>/limits: its limit table.
Result<void> write_limits(int32_t pid, TextBuilder& out) {
    static_assert(kLimitCount == rlimit::kCount);
    rlimit::Table table = TRY(proc::limits_of(pid));
    LimitPair pairs[kLimitCount];
    for (uint32_t r = 0; r < rlimit::kCount; ++r) {
        rlimit::Limit l = table[rlimit::Resource(r)];
        pairs[r] = LimitPair{l.soft, l.hard};
    }
    limits(pairs, out);
    return {};
}

// /proc/<pid>/mountinfo: the mounts with the devices stat reports.
Result<void> write_mountinfo(int32_t pid, TextBuilder& out) {
    if (!proc::process_listed(pid)) return Error::kNoProcess;
    auto split = [](uint64_t device, uint32_t(&into)[2]) {
        into[0] = uint32_t(device >> 8 & 0xfff);
        into[1] = uint32_t((device & 0xff) | (device >> 12 & ~0xffull));
    };
    MountDevices devices;
    split(kRootDevice, devices.root);
    split(kDevDevice, devices.dev);
    split(kProcDevice, devices.proc);
    mountinfo(devices, out);
    return {};
}

// /proc/interrupts: the device vectors handed out, and the timer's ticks.
void write_interrupts(TextBuilder& out) {
    uint32_t indexes[proc::kMaxCpus];
    size_t count = online_cpus(indexes);
    interrupts_header(indexes, count, out);
    // One vector at a time: each line is a snapshot of its own.
    arch::DeviceVectorInfo vector;
    for (size_t n = 0; arch::device_vector_at(n, vector); ++n)
        interrupt_line(indexes, count,
                       InterruptLine{vector.vector, vector.cpu, vector.count, vector.name}, out);
    uint64_t ticks[proc::kMaxCpus];
    for (size_t i = 0; i < count; ++i) {
        proc::CpuTickCounts t = proc::cpu_tick_counts(indexes[i]);
        ticks[i] = t.user + t.system + t.idle;  // one of the three per timer interrupt
    }
    interrupts_footer(ticks, count, arch::stray_device_interrupts(), out);
}

// /proc/pci: the devices found at boot, one line each. The line buffer is
// on the heap: a NyanOS program's kernel stack is one page, and a 512-byte
// local under the formatting frames left too little for an interrupt that
// came at the deepest point (a double fault under `cat /proc/pci`).
Result<void> write_pci(TextBuilder& out) {
    constexpr size_t kLineBytes = 512;  // the longest line, six 64-bit BARs, is about 400
    HeapPtr<char[]> line(new (std::nothrow) char[kLineBytes]);
    if (!line.get()) return Error::kNoMemory;
    for (size_t i = 0; i < pci::device_count(); ++i) {
        const pci::Device& d = pci::device_at(i);
        pci::proc_line(d.function, d.bars, d.bar_count, line.get(), kLineBytes);
        out.append("%s", line.get());
    }
    return {};
}

// What the text of `s` usually fits in; a larger one is made again in
// twice the room.
size_t first_capacity(Special s) {
    if (s == Special::kProcCpuinfo) return 2048 * size_t(proc::scheduler_cpu_count());
    if (s == Special::kProcStat) return 1024 + 96 * size_t(proc::scheduler_cpu_count());
    if (s == Special::kProcPidMaps) return 4096;
    return 2048;
}

Result<void> write_text(Node node, TextBuilder& out) {
    if (node.special == Special::kProcPidMaps) return write_maps(node.pid, out);
    if (node.special == Special::kProcPidLimits) return write_limits(node.pid, out);
    if (node.special == Special::kProcPidMountinfo) return write_mountinfo(node.pid, out);
    if (node.special == Special::kProcPidStatus) return write_status(node, out);
    if (node.special == Special::kProcPidStat || node.special == Special::kProcPidStatm ||
        node.special == Special::kProcPidComm) {
        ProcessFigures p = TRY(gather_process(node.pid));
        // A thread's view: its own id, state and CPU time.
        if (node.tid) TRY(proc::thread_figures(node.pid, node.tid, p));
        if (node.special == Special::kProcPidStat) process_stat(p, out);
        if (node.special == Special::kProcPidStatm) process_statm(p, out);
        if (node.special == Special::kProcPidComm) process_comm(p, out);
        return {};
    }
    switch (node.special) {
        case Special::kProcMeminfo:
            write_meminfo(out);
            return {};
        case Special::kProcUptime:
            write_uptime(out);
            return {};
        case Special::kProcLoadavg:
            write_loadavg(out);
            return {};
        case Special::kProcStat:
            return write_stat(out);
        case Special::kProcCpuinfo:
            write_cpuinfo(out);
            return {};
        case Special::kProcInterrupts:
            write_interrupts(out);
            return {};
        case Special::kProcPci:
            return write_pci(out);
        case Special::kProcVersion:
            version(sys::linux_abi::kUtsname.release, sys::linux_abi::kUtsname.version, out);
            return {};
        case Special::kProcFilesystems:
            filesystems(out);
            return {};
        case Special::kProcSysOstype:
            sys_string(sys::linux_abi::kUtsname.sysname, out);
            return {};
        case Special::kProcSysOsrelease:
            sys_string(sys::linux_abi::kUtsname.release, out);
            return {};
        case Special::kProcSysVersion:
            sys_string(sys::linux_abi::kUtsname.version, out);
            return {};
        case Special::kProcSysHostname: {
            sys::linux_abi::Utsname uts = sys::current_uts_name();
            sys_string(uts.nodename, out);
            return {};
        }
        case Special::kProcSysPidMax:
            // Linux's pid_max is one past the largest pid; pids here go up
            // to kMaxPid itself.
            sys_number(int64_t(proc::ProcessTable::kMaxPid) + 1, out);
            return {};
        case Special::kProcPidMounts:
            // Every process sees the same mounts.
            if (!proc::process_listed(node.pid)) return Error::kNoProcess;
            mounts(out);
            return {};
        default:
            return {};
    }
}

}  // namespace

Result<DescriptionRef> open_proc_text(const Vfs& vfs, Node node, uint32_t flags) {
    if (!is_proc_text(node.special)) return Error::kNoEntry;
    if (node.special == Special::kProcPidCmdline || node.special == Special::kProcPidEnviron) {
        // The strings, with their NULs; a zombie's (no memory) are none.
        // At most Linux's ARG_MAX (RLIMIT_STACK / 4 of the default 8 MiB).
        // Linux 6.1 stops cmdline at the first NUL when the program has
        // overwritten its last one (setproctitle): that case is left out.
        constexpr size_t kMaxStrings = 2 << 20;
        HeapPtr<char[]> buffer(new (std::nothrow) char[kMaxStrings]);
        if (!buffer.get()) return Error::kNoMemory;
        Strings which =
            node.special == Special::kProcPidCmdline ? Strings::kArguments : Strings::kEnvironment;
        size_t bytes = 0;
        auto gathered = gather_process(node.pid, which, buffer.get(), kMaxStrings, &bytes);
        if (!gathered.ok())
            return gathered.error() == Error::kNoProcess ? Error::kNoEntry : gathered.error();
        return BytesFile::try_create_owning(vfs, node, flags, buffer, bytes);
    }
    for (size_t capacity = first_capacity(node.special);; capacity *= 2) {
        HeapPtr<char[]> buffer(new (std::nothrow) char[capacity]);
        if (!buffer.get()) return Error::kNoMemory;
        TextBuilder out(buffer.get(), capacity);
        // The process may be gone since the lookup: ENOENT, as on Linux
        // (ESRCH is what the table says).
        auto written = write_text(node, out);
        if (!written.ok())
            return written.error() == Error::kNoProcess ? Error::kNoEntry : written.error();
        if (!out.overflowed())
            return BytesFile::try_create_owning(vfs, node, flags, buffer, out.length());
    }
}

}  // namespace nyanos::fs
