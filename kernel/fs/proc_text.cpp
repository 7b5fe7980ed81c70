#include "fs/proc_text.h"

#include <stdarg.h>
#include <string.h>

#include "lib/format.h"

namespace nyanos::fs::proc_text {

void TextBuilder::append(const char* fmt, ...) {
    if (m_overflowed) return;
    va_list args;
    va_start(args, fmt);
    size_t room = m_capacity - m_length;
    size_t needed = vformat(m_buffer + m_length, room, fmt, args);
    va_end(args);
    if (needed >= room) {
        m_overflowed = true;
        return;
    }
    m_length += needed;
}

namespace {

// Linux's show_val_kb: the name and its colon in 16 columns, the value
// right-aligned in 8.
void kb_line(TextBuilder& out, const char* name, uint64_t kb) {
    char label[24];
    format(label, sizeof(label), "%s:", name);
    out.append("%-16s%8lu kB\n", label, kb);
}

// A status field in kB: Linux's name, a tab, the value right-aligned in 8.
void kb_field(TextBuilder& out, const char* name, uint64_t kb) {
    out.append("%s:\t%8lu kB\n", name, kb);
}

// Seconds and hundredths of a nanosecond count, as uptime prints them.
void seconds(TextBuilder& out, uint64_t ns) {
    out.append("%lu.%02lu", ns / 1'000'000'000, ns % 1'000'000'000 / 10'000'000);
}

// The ten time columns of a cpu line, in USER_HZ ticks. nice, iowait,
// irq, softirq, steal, guest, guest_nice: not kept apart here (interrupt
// time is charged to what it interrupted, as without
// CONFIG_IRQ_TIME_ACCOUNTING), so 0.
void cpu_columns(TextBuilder& out, uint64_t user, uint64_t system, uint64_t idle) {
    out.append(" %lu 0 %lu %lu 0 0 0 0 0 0\n", user, system, idle);
}

// CPUID feature bits by the names Linux gives them in /proc/cpuinfo
// (arch/x86/include/asm/cpufeatures.h), in Linux's order.
enum Reg : uint8_t { kLeaf1Edx, kLeaf1Ecx, kExt1Edx, kExt1Ecx, kLeaf7Ebx, kLeaf7Ecx, kLeaf7Edx };
struct Flag {
    Reg reg;
    uint8_t bit;
    const char* name;
};
constexpr Flag kFlags[] = {
    {kLeaf1Edx, 0, "fpu"},
    {kLeaf1Edx, 1, "vme"},
    {kLeaf1Edx, 2, "de"},
    {kLeaf1Edx, 3, "pse"},
    {kLeaf1Edx, 4, "tsc"},
    {kLeaf1Edx, 5, "msr"},
    {kLeaf1Edx, 6, "pae"},
    {kLeaf1Edx, 7, "mce"},
    {kLeaf1Edx, 8, "cx8"},
    {kLeaf1Edx, 9, "apic"},
    {kLeaf1Edx, 11, "sep"},
    {kLeaf1Edx, 12, "mtrr"},
    {kLeaf1Edx, 13, "pge"},
    {kLeaf1Edx, 14, "mca"},
    {kLeaf1Edx, 15, "cmov"},
    {kLeaf1Edx, 16, "pat"},
    {kLeaf1Edx, 17, "pse36"},
    {kLeaf1Edx, 19, "clflush"},
    {kLeaf1Edx, 23, "mmx"},
    {kLeaf1Edx, 24, "fxsr"},
    {kLeaf1Edx, 25, "sse"},
    {kLeaf1Edx, 26, "sse2"},
    {kLeaf1Edx, 27, "ss"},
    {kLeaf1Edx, 28, "ht"},
    {kExt1Edx, 11, "syscall"},
    {kExt1Edx, 20, "nx"},
    {kExt1Edx, 22, "mmxext"},
    {kExt1Edx, 25, "fxsr_opt"},
    {kExt1Edx, 26, "pdpe1gb"},
    {kExt1Edx, 27, "rdtscp"},
    {kExt1Edx, 29, "lm"},
    {kLeaf1Ecx, 0, "pni"},
    {kLeaf1Ecx, 1, "pclmulqdq"},
    {kLeaf1Ecx, 3, "monitor"},
    {kLeaf1Ecx, 5, "vmx"},
    {kLeaf1Ecx, 9, "ssse3"},
    {kLeaf1Ecx, 12, "fma"},
    {kLeaf1Ecx, 13, "cx16"},
    {kLeaf1Ecx, 17, "pcid"},
    {kLeaf1Ecx, 19, "sse4_1"},
    {kLeaf1Ecx, 20, "sse4_2"},
    {kLeaf1Ecx, 21, "x2apic"},
    {kLeaf1Ecx, 22, "movbe"},
    {kLeaf1Ecx, 23, "popcnt"},
    {kLeaf1Ecx, 24, "tsc_deadline_timer"},
    {kLeaf1Ecx, 25, "aes"},
    {kLeaf1Ecx, 26, "xsave"},
    {kLeaf1Ecx, 28, "avx"},
    {kLeaf1Ecx, 29, "f16c"},
    {kLeaf1Ecx, 30, "rdrand"},
    {kLeaf1Ecx, 31, "hypervisor"},
    {kExt1Ecx, 0, "lahf_lm"},
    {kExt1Ecx, 1, "cmp_legacy"},
    {kExt1Ecx, 2, "svm"},
    {kExt1Ecx, 4, "cr8_legacy"},
    {kExt1Ecx, 5, "abm"},
    {kExt1Ecx, 6, "sse4a"},
    {kExt1Ecx, 7, "misalignsse"},
    {kExt1Ecx, 8, "3dnowprefetch"},
    {kLeaf7Ebx, 0, "fsgsbase"},
    {kLeaf7Ebx, 3, "bmi1"},
    {kLeaf7Ebx, 4, "hle"},
    {kLeaf7Ebx, 5, "avx2"},
    {kLeaf7Ebx, 7, "smep"},
    {kLeaf7Ebx, 8, "bmi2"},
    {kLeaf7Ebx, 9, "erms"},
    {kLeaf7Ebx, 10, "invpcid"},
    {kLeaf7Ebx, 11, "rtm"},
    {kLeaf7Ebx, 16, "avx512f"},
    {kLeaf7Ebx, 17, "avx512dq"},
    {kLeaf7Ebx, 18, "rdseed"},
    {kLeaf7Ebx, 19, "adx"},
    {kLeaf7Ebx, 20, "smap"},
    {kLeaf7Ebx, 21, "avx512ifma"},
    {kLeaf7Ebx, 23, "clflushopt"},
    {kLeaf7Ebx, 24, "clwb"},
    {kLeaf7Ebx, 28, "avx512cd"},
    {kLeaf7Ebx, 29, "sha_ni"},
    {kLeaf7Ebx, 30, "avx512bw"},
    {kLeaf7Ebx, 31, "avx512vl"},
    {kLeaf7Ecx, 1, "avx512vbmi"},
    {kLeaf7Ecx, 2, "umip"},
    {kLeaf7Ecx, 3, "pku"},
    {kLeaf7Ecx, 6, "avx512_vbmi2"},
    {kLeaf7Ecx, 8, "gfni"},
    {kLeaf7Ecx, 9, "vaes"},
    {kLeaf7Ecx, 10, "vpclmulqdq"},
    {kLeaf7Ecx, 11, "avx512_vnni"},
    {kLeaf7Ecx, 12, "avx512_bitalg"},
    {kLeaf7Ecx, 14, "avx512_vpopcntdq"},
    {kLeaf7Ecx, 22, "rdpid"},
    {kLeaf7Edx, 4, "fsrm"},
    {kLeaf7Edx, 10, "md_clear"},
    {kLeaf7Edx, 26, "ibrs"},
    {kLeaf7Edx, 27, "stibp"},
    {kLeaf7Edx, 28, "flush_l1d"},
    {kLeaf7Edx, 29, "arch_capabilities"},
    {kLeaf7Edx, 31, "ssbd"},
};

uint32_t reg_value(const CpuIdentity& cpu, Reg reg) {
    switch (reg) {
        case kLeaf1Edx:
            return cpu.leaf1_edx;
        case kLeaf1Ecx:
            return cpu.leaf1_ecx;
        case kExt1Edx:
            return cpu.ext1_edx;
        case kExt1Ecx:
            return cpu.ext1_ecx;
        case kLeaf7Ebx:
            return cpu.leaf7_ebx;
        case kLeaf7Ecx:
            return cpu.leaf7_ecx;
        case kLeaf7Edx:
            return cpu.leaf7_edx;
    }
    return 0;
}

}  // namespace

void meminfo(const MemoryFigures& m, TextBuilder& out) {
    kb_line(out, "MemTotal", m.total_kb);
    kb_line(out, "MemFree", m.free_kb);
    kb_line(out, "MemAvailable", m.available_kb);
    // No block devices and no page cache: the root tree's files are memory
    // the kernel keeps for their whole life, counted as used.
    kb_line(out, "Buffers", 0);
    kb_line(out, "Cached", 0);
    kb_line(out, "SwapCached", 0);
    kb_line(out, "Active", m.user_kb);
    kb_line(out, "Inactive", 0);
    kb_line(out, "SwapTotal", 0);
    kb_line(out, "SwapFree", 0);
    kb_line(out, "Dirty", 0);
    kb_line(out, "Writeback", 0);
    kb_line(out, "AnonPages", m.user_kb);
    kb_line(out, "Mapped", 0);
    kb_line(out, "Shmem", 0);
    kb_line(out, "KReclaimable", 0);
    kb_line(out, "Slab", m.heap_kb);
    kb_line(out, "SReclaimable", 0);
    kb_line(out, "SUnreclaim", m.heap_kb);
    kb_line(out, "KernelStack", m.kernel_stack_kb);
    kb_line(out, "PageTables", m.page_tables_kb);
}

void uptime(uint64_t up_ns, uint64_t idle_ns, TextBuilder& out) {
    seconds(out, up_ns);
    out.append(" ");
    seconds(out, idle_ns);
    out.append("\n");
}

void loadavg(const uint64_t averages[3], unsigned fraction_bits, uint64_t runnable,
             uint64_t threads, int last_pid, TextBuilder& out) {
    const uint64_t one = uint64_t(1) << fraction_bits;
    for (unsigned i = 0; i < 3; ++i) {
        // Rounded to the hundredth, as Linux's get_avenrun(.., FIXED_1/200, ..).
        uint64_t v = averages[i] + one / 200;
        out.append("%lu.%02lu ", v >> fraction_bits, ((v & (one - 1)) * 100) >> fraction_bits);
    }
    out.append("%lu/%lu %d\n", runnable, threads, last_pid);
}

void stat(const CpuTimes* cpus, size_t count, const SystemCounts& counts, TextBuilder& out) {
    uint64_t user = 0, system = 0, idle = 0;
    for (size_t i = 0; i < count; ++i) {
        user += cpus[i].user;
        system += cpus[i].system;
        idle += cpus[i].idle;
    }
    out.append("cpu ");
    cpu_columns(out, user, system, idle);
    for (size_t i = 0; i < count; ++i) {
        out.append("cpu%u", cpus[i].index);
        cpu_columns(out, cpus[i].user, cpus[i].system, cpus[i].idle);
    }
    // Linux 6.1's show_stat: intr, ctxt, btime, processes, procs_running,
    // procs_blocked, then softirq with its ten kinds (none run here: 0s).
    out.append("intr %lu", counts.interrupts);
    for (size_t i = 0; i < counts.irq_numbers; ++i)
        out.append(" %lu", counts.irq_counts ? counts.irq_counts[i] : 0ul);
    out.append("\nctxt %lu\nbtime %lu\nprocesses %lu\nprocs_running %lu\nprocs_blocked %lu\n",
               counts.context_switches, counts.boot_time, counts.processes, counts.running,
               counts.blocked);
    out.append("softirq 0 0 0 0 0 0 0 0 0 0 0\n");
}

void identify_cpu(CpuidReader read, CpuIdentity& out) {
    out = CpuIdentity{};
    uint32_t r[4];
    read(0, 0, r);
    out.max_leaf = r[0];
    memcpy(out.vendor, &r[1], 4);  // "Genu" "ineI" "ntel": ebx, edx, ecx
    memcpy(out.vendor + 4, &r[3], 4);
    memcpy(out.vendor + 8, &r[2], 4);
    if (out.max_leaf >= 1) {
        read(1, 0, r);
        uint32_t base_family = (r[0] >> 8) & 0xf, base_model = (r[0] >> 4) & 0xf;
        out.family = base_family == 0xf ? base_family + ((r[0] >> 20) & 0xff) : base_family;
        out.model = base_family >= 6 ? base_model | (((r[0] >> 16) & 0xf) << 4) : base_model;
        out.stepping = r[0] & 0xf;
        out.clflush_bytes = ((r[1] >> 8) & 0xff) * 8;
        out.leaf1_ecx = r[2];
        out.leaf1_edx = r[3];
    }
    if (out.max_leaf >= 7) {
        read(7, 0, r);
        out.leaf7_ebx = r[1];
        out.leaf7_ecx = r[2];
        out.leaf7_edx = r[3];
    }
    read(0x80000000, 0, r);
    uint32_t max_ext = r[0];
    if (max_ext >= 0x80000001) {
        read(0x80000001, 0, r);
        out.ext1_ecx = r[2];
        out.ext1_edx = r[3];
    }
    if (max_ext >= 0x80000004) {
        char brand[49] = {};
        for (uint32_t i = 0; i < 3; ++i) {
            read(0x80000002 + i, 0, r);
            memcpy(brand + 16 * i, r, 16);
        }
        const char* start = brand;
        while (*start == ' ') ++start;
        memcpy(out.model_name, start, strlen(start) + 1);
    }
    if (max_ext >= 0x80000008) {
        read(0x80000008, 0, r);
        out.physical_bits = r[0] & 0xff;
        out.virtual_bits = (r[0] >> 8) & 0xff;
    }
}

void cpuinfo(const CpuIdentity& cpu, const uint32_t* indexes, size_t count, TextBuilder& out) {
    for (size_t i = 0; i < count; ++i) {
        out.append("processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n",
                   indexes[i], cpu.vendor, cpu.family, cpu.model);
        out.append("model name\t: %s\nstepping\t: %u\n",
                   cpu.model_name[0] ? cpu.model_name : "unknown", cpu.stepping);
        const bool tsc = (cpu.leaf1_edx >> 4 & 1) && cpu.tsc_khz;
        if (tsc) out.append("cpu MHz\t\t: %u.%03u\n", cpu.tsc_khz / 1000, cpu.tsc_khz % 1000);
        const char* fpu = (cpu.leaf1_edx & 1) ? "yes" : "no";
        out.append("fpu\t\t: %s\nfpu_exception\t: %s\ncpuid level\t: %u\nwp\t\t: yes\nflags\t\t:",
                   fpu, fpu, cpu.max_leaf);
        for (const Flag& f : kFlags) {
            if (reg_value(cpu, f.reg) >> f.bit & 1) out.append(" %s", f.name);
        }
        out.append("\n");
        // Linux's loops_per_jiffy from the TSC is tsc_khz * 1000 / HZ, and
        // bogomips lpj / (500000 / HZ) with two decimals: tsc_khz / 500
        // whatever HZ is.
        if (tsc) out.append("bogomips\t: %u.%02u\n", cpu.tsc_khz / 500, cpu.tsc_khz / 5 % 100);
        out.append("clflush size\t: %u\ncache_alignment\t: %u\n", cpu.clflush_bytes,
                   cpu.clflush_bytes);
        out.append("address sizes\t: %u bits physical, %u bits virtual\npower management:\n\n",
                   cpu.physical_bits, cpu.virtual_bits);
    }
}

void process_stat(const ProcessFigures& p, TextBuilder& out) {
    // Linux 6.1's do_task_stat, field by field. What the kernel does not
    // keep is 0, as Linux prints it where it does not report a field: the
    // flags, fault counts, the code, stack and
    // data addresses, kstkesp/kstkeip, the obsolete signal masks (the
    // status file is their place), wchan, swap counts, the CPU last run on,
    // scheduling policy (SCHED_OTHER: the priority is 20 + nice), I/O
    // delay, guest time.
    out.append("%d (%s) %c %d %d %d %u %d 0 0 0 0 0 %lu %lu %lu %lu %d %d %d 0 %lu %lu %lu %lu ",
               p.pid, p.name, p.state, p.ppid, p.pgid, p.sid, p.tty_nr, p.tpgid, p.utime, p.stime,
               p.cutime, p.cstime, 20 + p.nice, p.nice, p.threads, p.start_time, p.virtual_bytes,
               p.resident_pages, p.rss_limit);
    out.append("0 0 0 0 0 0 0 0 0 0 0 0 %d 0 0 0 0 0 0 0 0 %lu %lu %lu 0 0 %d\n", p.exit_signal,
               p.start_brk, p.arg_start, p.arg_end, p.exit_code);
}

void process_status(const ProcessFigures& p, TextBuilder& out) {
    const char* state = p.state == 'R'   ? "R (running)"
                        : p.state == 'T' ? "T (stopped)"
                        : p.state == 'Z' ? "Z (zombie)"
                                         : "S (sleeping)";
    // The umask in four octal digits (the formatter has no %o).
    char umask[5] = {char('0' + (p.umask >> 9 & 7)), char('0' + (p.umask >> 6 & 7)),
                     char('0' + (p.umask >> 3 & 7)), char('0' + (p.umask & 7)), '\0'};
    out.append(
        "Name:\t%s\nUmask:\t%s\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n"
        "TracerPid:\t0\n",
        p.name, umask, state, p.tgid ? p.tgid : p.pid, p.pid, p.ppid);
    out.append("Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n", p.uid[0], p.uid[1], p.uid[2],
               p.uid[3], p.gid[0], p.gid[1], p.gid[2], p.gid[3]);
    out.append("FDSize:\t%u\nGroups:\t", p.fd_slots);
    for (uint32_t i = 0; i < p.group_count; ++i) out.append(i ? " %u" : "%u", p.groups[i]);
    // Linux ends the list with a space, even an empty one; then one PID
    // namespace's IDs.
    const int32_t tgid = p.tgid ? p.tgid : p.pid;
    out.append(" \nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", tgid, p.pid, p.pgid, p.sid);
    if (p.has_memory) {
        // Linux's task_mem. No figure is kept for a peak or locked or pinned
        // memory, nor for swap or huge pages: a peak is the current figure
        // (Linux's is never below it), the others 0.
        const uint64_t rss_kb = p.resident_pages * 4;
        kb_field(out, "VmPeak", p.virtual_bytes / 1024);
        kb_field(out, "VmSize", p.virtual_bytes / 1024);
        kb_field(out, "VmLck", 0);
        kb_field(out, "VmPin", 0);
        kb_field(out, "VmHWM", rss_kb);
        kb_field(out, "VmRSS", rss_kb);
        kb_field(out, "RssAnon", p.anon_pages * 4);
        kb_field(out, "RssFile", p.file_pages * 4);
        kb_field(out, "RssShmem", 0);
        kb_field(out, "VmData", p.data_bytes / 1024);
        kb_field(out, "VmStk", p.stack_bytes / 1024);
        kb_field(out, "VmExe", p.text_bytes / 1024);
        kb_field(out, "VmLib", p.lib_bytes / 1024);
        kb_field(out, "VmPTE", p.page_table_bytes / 1024);
        kb_field(out, "VmSwap", 0);
        kb_field(out, "HugetlbPages", 0);
        // No transparent huge pages here.
        out.append("CoreDumping:\t0\nTHP_enabled:\t0\n");
    }
    out.append("Threads:\t%d\nSigQ:\t%lu/%lu\n", p.threads, p.sig_queued, p.sig_queue_limit);
    out.append(
        "SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\nSigIgn:\t%016lx\nSigCgt:\t%016lx\n",
        p.sig_pending, p.sig_shared_pending, p.sig_blocked, p.sig_ignored, p.sig_caught);
    // Capabilities, seccomp and speculation lines are left out; then the
    // affinity and the context switches.
    out.append("Cpus_allowed:\t");
    cpu_mask_hex(p.cpus_allowed, p.cpu_ids, out);
    out.append("\nCpus_allowed_list:\t");
    cpu_mask_list(p.cpus_allowed, p.cpu_ids, out);
    out.append("\nvoluntary_ctxt_switches:\t%lu\nnonvoluntary_ctxt_switches:\t%lu\n",
               p.voluntary_switches, p.involuntary_switches);
}

uint32_t linux_fd_size(uint32_t slots) {
    if (slots <= 64) return 64;
    uint32_t blocks = (slots - 1) / 128 + 1, size = 1;
    while (size < blocks) size <<= 1;
    return size * 128;
}

void process_statm(const ProcessFigures& p, TextBuilder& out) {
    // Linux's task_statm: shared is the file-backed resident pages, data
    // the data and stack mappings; lib and dt are always 0.
    if (!p.has_memory) {
        out.append("0 0 0 0 0 0 0\n");
        return;
    }
    constexpr uint64_t kPage = 4096;
    out.append("%lu %lu %lu %lu 0 %lu 0\n", p.virtual_bytes / kPage, p.resident_pages, p.file_pages,
               (p.text_bytes + kPage - 1) / kPage, (p.data_bytes + p.stack_bytes) / kPage);
}

void cpu_mask_hex(uint64_t mask, uint32_t bits, TextBuilder& out) {
    if (bits == 0) bits = 1;
    if (bits > 64) bits = 64;
    if (bits < 64) mask &= (uint64_t(1) << bits) - 1;
    // The top group holds what is left over 32-bit groups, in as many hex
    // digits as its bits need; the others are 8 digits wide.
    uint32_t groups = (bits + 31) / 32;
    for (uint32_t g = groups; g-- > 0;) {
        uint32_t value = uint32_t(mask >> (32 * g));
        if (g == groups - 1) {
            uint32_t top_bits = bits - 32 * g;
            char digits[9];
            uint32_t width = (top_bits + 3) / 4;
            for (uint32_t i = 0; i < width; ++i)
                digits[i] = "0123456789abcdef"[value >> (4 * (width - 1 - i)) & 0xf];
            digits[width] = '\0';
            out.append("%s", digits);
        } else {
            out.append(",%08x", value);
        }
    }
}

void cpu_mask_list(uint64_t mask, uint32_t bits, TextBuilder& out) {
    if (bits > 64) bits = 64;
    bool first = true;
    for (uint32_t i = 0; i < bits;) {
        if (!(mask >> i & 1)) {
            ++i;
            continue;
        }
        uint32_t end = i;
        while (end + 1 < bits && (mask >> (end + 1) & 1)) ++end;
        out.append(first ? "" : ",");
        if (end == i)
            out.append("%u", i);
        else
            out.append("%u-%u", i, end);
        first = false;
        i = end + 1;
    }
}

void process_comm(const ProcessFigures& p, TextBuilder& out) {
    // Linux's comm holds 15 bytes.
    char comm[16] = {};
    for (size_t i = 0; i < 15 && p.name[i]; ++i) comm[i] = p.name[i];
    out.append("%s\n", comm);
}

void map_line(const MapLine& l, TextBuilder& out) {
    char header[128];
    size_t n =
        format(header, sizeof(header), "%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu ", l.start, l.end,
               (l.prot & 1) ? 'r' : '-', (l.prot & 2) ? 'w' : '-', (l.prot & 4) ? 'x' : '-',
               l.shared ? 's' : 'p', l.offset, l.major, l.minor, l.inode);
    out.append("%s", header);
    if (l.name) {
        // Linux pads the header to 73 columns, then a space and the name.
        constexpr size_t kNameColumn = 73;
        char pad[kNameColumn + 1] = {};
        for (size_t i = n; i < kNameColumn; ++i) pad[i - n] = ' ';
        out.append("%s %s", pad, l.name);
    }
    out.append("\n");
}

// Linux's first column is 3 wide while there are fewer than 1000 interrupt
// numbers, as IDT vectors always are; the header pads it and ": " with 8
// more (its "%*s" of prec + 8, spelled out: the formatter takes no '*').
void interrupts_header(const uint32_t* cpus, size_t cpu_count, TextBuilder& out) {
    out.append("%11s", "");
    for (size_t i = 0; i < cpu_count; ++i) out.append("CPU%-8u", cpus[i]);
    out.append("\n");
}

void interrupt_line(const uint32_t* cpus, size_t cpu_count, const InterruptLine& line,
                    TextBuilder& out) {
    out.append("%3u: ", line.vector);
    for (size_t i = 0; i < cpu_count; ++i)
        out.append("%10lu ", cpus[i] == line.cpu ? line.count : 0ul);
    // A message-signalled vector: an edge at the local APIC.
    out.append(" %8s  %s\n", "MSI-edge", line.name);
}

void interrupts_footer(const uint64_t* timer_ticks, size_t cpu_count, uint64_t errors,
                       TextBuilder& out) {
    out.append("LOC: ");
    for (size_t i = 0; i < cpu_count; ++i) out.append("%10lu ", timer_ticks[i]);
    out.append("  Local timer interrupts\n");
    out.append("ERR: %10lu\n", errors);
}

void version(const char* release, const char* build, TextBuilder& out) {
    out.append("Linux version %s (nyanos@nyanos) (g++) %s\n", release, build);
}

void filesystems(TextBuilder& out) {
    // The root tree and /dev are tmpfs and devtmpfs, /proc is proc, pipes
    // live on pipefs (statfs reports each by its magic number).
    out.append("nodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tpipefs\n");
}

void sys_string(const char* value, TextBuilder& out) {
    out.append("%s\n", value);
}

void sys_number(int64_t value, TextBuilder& out) {
    out.append("%ld\n", value);
}

namespace {

// The root is a tmpfs filled from the ramdisk, as Linux's initramfs; /dev
// and /proc are the kernel's.
struct Mount {
    const char* source;
    const char* point;
    const char* type;
};
// A limit's value as the table shows it: "unlimited" for RLIM_INFINITY.
void limit_value(char* text, size_t size, uint64_t value) {
    if (value == ~0ull)
        format(text, size, "unlimited");
    else
        format(text, size, "%lu", value);
}

constexpr Mount kMounts[] = {
    {"rootfs", "/", "rootfs"}, {"devtmpfs", "/dev", "devtmpfs"}, {"proc", "/proc", "proc"}};

}  // namespace

void mounts(TextBuilder& out) {
    for (const Mount& m : kMounts) out.append("%s %s %s rw 0 0\n", m.source, m.point, m.type);
}

void mountinfo(const MountDevices& devices, TextBuilder& out) {
    // ID, parent ID (the root's own: it is the namespace's root), device,
    // root within the file system, mount point, mount options, no optional
    // fields, then after " - " the type, source and super-block options.
    const uint32_t* device[] = {devices.root, devices.dev, devices.proc};
    for (size_t i = 0; i < sizeof(kMounts) / sizeof(kMounts[0]); ++i) {
        const Mount& m = kMounts[i];
        out.append("%zu 1 %u:%u / %s rw - %s %s rw\n", i + 1, device[i][0], device[i][1], m.point,
                   m.type, m.source);
    }
}

void limits(const LimitPair (&l)[kLimitCount], TextBuilder& out) {
    // Linux's proc_pid_limits: names and units by RLIMIT_* number.
    static constexpr const char* kNames[kLimitCount][2] = {
        {"Max cpu time", "seconds"},        {"Max file size", "bytes"},
        {"Max data size", "bytes"},         {"Max stack size", "bytes"},
        {"Max core file size", "bytes"},    {"Max resident set", "bytes"},
        {"Max processes", "processes"},     {"Max open files", "files"},
        {"Max locked memory", "bytes"},     {"Max address space", "bytes"},
        {"Max file locks", "locks"},        {"Max pending signals", "signals"},
        {"Max msgqueue size", "bytes"},     {"Max nice priority", nullptr},
        {"Max realtime priority", nullptr}, {"Max realtime timeout", "us"},
    };
    out.append("%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
    for (size_t i = 0; i < kLimitCount; ++i) {
        char soft[24], hard[24];
        limit_value(soft, sizeof(soft), l[i].soft);
        limit_value(hard, sizeof(hard), l[i].hard);
        out.append("%-25s %-20s %-20s ", kNames[i][0], soft, hard);
        if (kNames[i][1])
            out.append("%-10s\n", kNames[i][1]);
        else
            out.append("\n");
    }
}

}  // namespace nyanos::fs::proc_text
