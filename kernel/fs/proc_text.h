// The text of /proc's system-wide files (/proc/meminfo, uptime, loadavg,
// stat, cpuinfo, interrupts, version, mounts), laid out as Linux 6.1 lays them out
// (fs/proc/*.c, arch/x86/kernel/cpu/proc.c), from figures the kernel
// gathers when the file is opened (fs/proc_files.kernel.cpp). Portable, so
// the host tests check every format against Linux's.
//
// Programs parse these files by line and field name (busybox's free, top,
// ps and df, procps, glibc's get_nprocs through /proc/stat), so a field is
// only printed when the kernel has a true value for it: a figure the kernel
// does not keep (/proc/stat's interrupt counts, swap) is left out or, where Linux itself
// prints 0 for it on a machine like this one (no swap, no disk I/O), 0.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos::fs::proc_text {

// Text appended into a fixed buffer; too long is an overflow, not a
// truncation that a reader could mistake for the whole file.
class TextBuilder {
public:
    TextBuilder(char* buffer, size_t capacity) : m_buffer(buffer), m_capacity(capacity) {}

    void append(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
    const char* text() const { return m_buffer; }
    size_t length() const { return m_length; }
    // True if something did not fit: the text is incomplete.
    bool overflowed() const { return m_overflowed; }

private:
    char* m_buffer;
    size_t m_capacity;
    size_t m_length = 0;
    bool m_overflowed = false;
};

// Memory in KiB, from the frame allocator's counts.
struct MemoryFigures {
    uint64_t total_kb = 0;
    uint64_t free_kb = 0;
    uint64_t available_kb = 0;  // free plus what the kernel gives back on demand
    uint64_t user_kb = 0;       // user pages (anonymous and copy-on-write): AnonPages
    uint64_t kernel_stack_kb = 0;
    uint64_t page_tables_kb = 0;
    uint64_t heap_kb = 0;  // the kernel heap: Slab (all of it unreclaimable)
};
void meminfo(const MemoryFigures& figures, TextBuilder& out);

// Seconds since boot and the CPUs' idle time summed, both in nanoseconds.
void uptime(uint64_t up_ns, uint64_t idle_ns, TextBuilder& out);

// The three load averages in fixed point with `fraction_bits` bits, the
// threads running or ready, all threads, and the last pid handed out.
void loadavg(const uint64_t averages[3], unsigned fraction_bits, uint64_t runnable,
             uint64_t threads, int last_pid, TextBuilder& out);

// One CPU's time in clock ticks of USER_HZ (1/100 s).
struct CpuTimes {
    uint32_t index = 0;
    uint64_t user = 0;
    uint64_t system = 0;
    uint64_t idle = 0;
};
struct SystemCounts {
    // intr: every interrupt taken (device vectors, timer ticks, strays),
    // then one count per interrupt number below `irq_numbers` (the numbers
    // /proc/interrupts shows: IDT vectors), from `irq_counts` (nullptr: 0s).
    uint64_t interrupts = 0;
    const uint64_t* irq_counts = nullptr;
    size_t irq_numbers = 0;
    uint64_t context_switches = 0;  // ctxt
    uint64_t boot_time = 0;         // btime: seconds since the epoch at boot
    uint64_t processes = 0;         // processes created since boot (forks, spawns, threads)
    uint64_t running = 0;           // threads running or ready
    uint64_t blocked = 0;           // threads blocked on I/O (disk I/O: none here)
};
// `cpus` lists the online CPUs in index order.
void stat(const CpuTimes* cpus, size_t count, const SystemCounts& counts, TextBuilder& out);

// What CPUID says of the CPU (every CPU of a machine reports the same, so
// one reading serves all).
struct CpuIdentity {
    char vendor[13] = {};      // "GenuineIntel", "AuthenticAMD"
    char model_name[49] = {};  // the brand string, leading spaces dropped
    uint32_t max_leaf = 0;
    uint32_t family = 0, model = 0, stepping = 0;  // display values (extended fields added)
    uint32_t leaf1_edx = 0, leaf1_ecx = 0;
    uint32_t leaf7_ebx = 0, leaf7_ecx = 0, leaf7_edx = 0;
    uint32_t ext1_edx = 0, ext1_ecx = 0;  // CPUID 0x80000001
    uint32_t physical_bits = 0, virtual_bits = 0;
    uint32_t clflush_bytes = 0;
    // The TSC's frequency in kHz (0: unknown), which Linux shows as the
    // CPU's ("cpu MHz") and from which it derives its delay loop's
    // calibration ("bogomips": loops per jiffy, from the TSC).
    uint32_t tsc_khz = 0;
};
// Decodes the raw CPUID leaves into `out`: leaf 0 (vendor), 1, (7,0),
// 0x80000000..0x80000004 (brand) and 0x80000008 (address sizes). `read`
// returns {eax, ebx, ecx, edx} of (leaf, subleaf).
using CpuidReader = void (*)(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);
void identify_cpu(CpuidReader read, CpuIdentity& out);
// One block per online CPU (`indexes`, in order), as x86 Linux prints it.
void cpuinfo(const CpuIdentity& cpu, const uint32_t* indexes, size_t count, TextBuilder& out);

// One process, for /proc/<pid>/stat, status and comm. Times in USER_HZ
// ticks; memory in bytes and pages.
struct ProcessFigures {
    int32_t pid = 0, ppid = 0, pgid = 0, sid = 0;
    // A thread's view (pid is then the thread's id): its process; 0: pid.
    int32_t tgid = 0;
    // The session's controlling terminal (Linux's encoding of its device
    // number; 0: none) and its foreground group (-1: none).
    uint32_t tty_nr = 0;
    int32_t tpgid = -1;
    char state = 'S';  // R running or ready, S sleeping, T stopped, Z zombie
    char name[32] = {};
    int32_t nice = 0;
    uint32_t umask = 0;
    uint32_t uid[4] = {}, gid[4] = {};  // real, effective, saved, filesystem
    uint64_t utime = 0, stime = 0, cutime = 0, cstime = 0;
    int32_t threads = 0;
    uint64_t start_time = 0;     // since boot
    uint64_t virtual_bytes = 0;  // every mapping's length (VmSize)
    uint64_t resident_pages = 0;
    uint64_t rss_limit = ~0ull;  // RLIMIT_RSS, bytes
    uint64_t start_brk = 0;
    uint64_t arg_start = 0, arg_end = 0;
    int32_t exit_signal = 0;
    int32_t exit_code = 0;  // a zombie's wait status, else 0
    // Signal sets (bit n - 1 is signal n), as status shows them: pending
    // for the thread and for the process, the thread's mask, and the
    // signals the process ignores and catches.
    uint64_t sig_pending = 0, sig_shared_pending = 0, sig_blocked = 0, sig_ignored = 0,
             sig_caught = 0;
    // SigQ: the signals queued against RLIMIT_SIGPENDING, and that limit.
    uint64_t sig_queued = 0, sig_queue_limit = 0;

    // Whether it has memory (not a zombie): Linux prints status's Vm lines
    // and statm's figures only then.
    bool has_memory = false;
    // Its memory by kind, in bytes, from its regions (Linux's task_mem):
    // the program's executable segments (text), other executable read-only
    // mappings (lib), private writable ones but the stack (data), and the
    // stack. Resident pages split into the anonymous ones it owns and the
    // file pages it maps (part of resident_pages); its page tables' bytes.
    uint64_t text_bytes = 0, lib_bytes = 0, data_bytes = 0, stack_bytes = 0;
    uint64_t anon_pages = 0, file_pages = 0;
    uint64_t page_table_bytes = 0;
    // FDSize (linux_fd_size of the slots its descriptor table has now).
    uint32_t fd_slots = 0;
    // The supplementary groups, in order (the caller keeps them alive).
    const uint32_t* groups = nullptr;
    uint32_t group_count = 0;
    // Cpus_allowed: the affinity's bits among the first `cpu_ids` CPUs
    // (Linux's nr_cpu_ids, which sets the mask's width).
    uint64_t cpus_allowed = 0;
    uint32_t cpu_ids = 1;
    uint64_t voluntary_switches = 0, involuntary_switches = 0;
};
// The size Linux's descriptor table has when it holds `slots` (FDSize):
// 64 (NR_OPEN_DEFAULT) at first, then grown by alloc_fdtable's rule, a
// power of two times 128.
uint32_t linux_fd_size(uint32_t slots);
void process_stat(const ProcessFigures& p, TextBuilder& out);
void process_status(const ProcessFigures& p, TextBuilder& out);
// /proc/<pid>/statm: size resident shared text lib data dt, in pages.
void process_statm(const ProcessFigures& p, TextBuilder& out);
// A CPU mask as Linux's %*pb (hex, 32-bit groups split by commas, `bits`
// wide) and %*pbl (ranges: "0-3,6").
void cpu_mask_hex(uint64_t mask, uint32_t bits, TextBuilder& out);
void cpu_mask_list(uint64_t mask, uint32_t bits, TextBuilder& out);
void process_comm(const ProcessFigures& p, TextBuilder& out);

// One line of /proc/<pid>/maps: a region's range, protection (PROT_*
// bits), sharing, file offset, device, inode, and its name (a path,
// "[heap]", "[stack]"; nullptr: none).
struct MapLine {
    uint64_t start = 0, end = 0;
    uint8_t prot = 0;
    bool shared = false;
    uint64_t offset = 0;
    uint32_t major = 0, minor = 0;
    uint64_t inode = 0;
    const char* name = nullptr;
};
void map_line(const MapLine& line, TextBuilder& out);

// One device interrupt vector for /proc/interrupts: its number, the CPU
// it is aimed at (where every one of its interrupts arrives), how many it
// took, and the driver's name.
struct InterruptLine {
    uint32_t vector = 0;
    uint32_t cpu = 0;
    uint64_t count = 0;
    const char* name = "";
};
// /proc/interrupts in Linux's layout (kernel/irq/proc.c,
// arch/x86/kernel/irq.c), in three parts so that the caller can gather one
// line at a time: a header of CPU columns (`cpus`: the online CPUs, in
// order); per interrupt its number (the IDT vector here), one count column
// per CPU and its name; then LOC, the local timer interrupts per CPU
// (`timer_ticks`, in the order of `cpus`), and ERR, device vectors that
// arrived with no handler.
void interrupts_header(const uint32_t* cpus, size_t cpu_count, TextBuilder& out);
void interrupt_line(const uint32_t* cpus, size_t cpu_count, const InterruptLine& line,
                    TextBuilder& out);
void interrupts_footer(const uint64_t* timer_ticks, size_t cpu_count, uint64_t errors,
                       TextBuilder& out);

void version(const char* release, const char* build, TextBuilder& out);
// /proc/filesystems: the kinds of file system this kernel has, in the
// order Linux registers them ("nodev": none needs a block device).
void filesystems(TextBuilder& out);
// One /proc/sys value: a string or a number on a line of its own.
void sys_string(const char* value, TextBuilder& out);
void sys_number(int64_t value, TextBuilder& out);
void mounts(TextBuilder& out);
// /proc/<pid>/mountinfo: the same mounts with their IDs and devices (the
// root tree's, /dev's and /proc's: major and minor each), as Linux's
// show_mountinfo lays them out.
struct MountDevices {
    uint32_t root[2] = {}, dev[2] = {}, proc[2] = {};
};
void mountinfo(const MountDevices& devices, TextBuilder& out);

// /proc/<pid>/limits: the 16 resource limits in RLIMIT_* order (soft and
// hard; ~0: unlimited), in Linux's table.
struct LimitPair {
    uint64_t soft = ~0ull, hard = ~0ull;
};
inline constexpr size_t kLimitCount = 16;
void limits(const LimitPair (&l)[kLimitCount], TextBuilder& out);

}  // namespace nyanos::fs::proc_text
