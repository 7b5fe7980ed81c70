// NyanOS's system-call table and one handler per call. The ABI (numbers,
// errno values, wait status) is include/nyanos/abi/syscall.h, shared with
// user/.
// Every handler returns a value or a negative errno; user pointers go only
// through syscall/user_memory.h.
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/timer.h"
#include "dev/framebuffer_console.h"
#include "dev/power.h"
#include "fs/files.h"
#include "fs/open.h"
#include "lib/console.h"
#include "lib/heap_ptr.h"
#include "mm/heap.h"
#include "mm/physical_memory.h"
#include "mm/tlb_shootdown.h"
#include "mm/vmm.h"
#include "nyanos/abi/syscall.h"
#include "proc/lifecycle.h"
#include "proc/scheduler.h"
#include "proc/system_info.h"
#include "proc/user_layout.h"
#include "syscall/file_support.h"
#include "syscall/linux_process.h"
#include "syscall/nyanos_syscalls.h"
#include "syscall/syscall_frame.h"
#include "syscall/user_memory.h"

namespace nyanos::sys {

namespace {

constexpr size_t kMaxPath = fs::Ramdisk::kMaxPath + 1;

// read and write go through the caller's descriptors like every other
// personality's (syscall/file_support.h): fd 0 is whatever the parent gave,
// for init and the shell's programs the console.
int64_t sys_read(SyscallFrame& f) {
    return result_of(read_fd(int(f.rdi), f.rsi, f.rdx));
}

int64_t sys_write(SyscallFrame& f) {
    return result_of(write_fd(int(f.rdi), f.rsi, f.rdx));
}

// Any process may clear the console: writing ESC [2J ESC [H to fd 1, which
// every process may do, has the same effect on both consoles.
int64_t sys_clear(SyscallFrame&) {
    fbcon::clear();
    console::write("\033[2J\033[H", 7);
    return 0;
}

// Only a process that controls the console (init, the foreground and the
// chain that handed it the console) may take the machine down: a background
// job or an orphan may not (Linux asks for CAP_SYS_BOOT).
int64_t sys_reboot(SyscallFrame&) {
    if (!proc::controls_console()) return errno_of(Error::kPermission);
    power::reboot();
}

int64_t sys_list_files(SyscallFrame& f) {
    char dir[kMaxPath];
    if (f.rdi) {
        auto r = copy_string_from_user(dir, f.rdi, sizeof(dir));
        if (!r.ok()) return errno_of(r.error());
    } else {
        dir[0] = '/', dir[1] = '\0';
    }
    // The root tree's names in `dir` (not /dev's or /proc's), in listing order.
    auto found = fs::vfs().resolve(lookup_context(), fs::Node{}, dir, true);
    if (!found.ok()) return errno_of(found.error());
    const fs::Node& node = found.value();
    if (!fs::vfs().is_directory(node)) return errno_of(Error::kNotDirectory);
    if (!node.inode) return errno_of(Error::kNoEntry);
    uint64_t buf = f.rsi;
    size_t capacity = f.rdx;
    // The entry's name buffer is large: on the heap, not the small kernel stack.
    HeapPtr<fs::DirectoryEntry> held(new (std::nothrow) fs::DirectoryEntry);
    if (!held.get()) return errno_of(Error::kNoMemory);
    fs::DirectoryEntry& entry = *held.get();
    size_t written = 0;
    uint64_t cookie = 0;
    while (fs::vfs().tree().entry_from(node.inode.get(), cookie, entry, entry.name_text,
                                       sizeof(entry.name_text), cookie)) {
        ++cookie;
        size_t n = strlen(entry.name) + 1;
        if (written + n > capacity) break;
        auto r = copy_to_user(buf + written, entry.name, n);
        if (!r.ok()) return errno_of(r.error());
        written += n;
    }
    return int64_t(written);
}

// The argument vector copied into the kernel: pointers and strings in one
// heap block, so the new process never sees the caller's memory.
struct ArgCopy {
    size_t max_args;   // capacity of argv, without the terminating NULL
    size_t max_bytes;  // capacity of strings
    const char** argv;
    char* strings;
};

void* allocate_arg_copy(ArgCopy& copy, size_t max_args, size_t max_bytes) {
    size_t pointer_bytes = (max_args + 1) * sizeof(const char*);
    void* block = kmalloc(pointer_bytes + max_bytes);
    if (!block) return nullptr;
    copy = ArgCopy{max_args, max_bytes, static_cast<const char**>(block),
                   static_cast<char*>(block) + pointer_bytes};
    return block;
}

// Copies a NULL-terminated user argv. kRange means "does not fit this
// copy's capacity" (the caller retries with the full limits); E2BIG is the
// real limit.
Result<size_t> copy_args(ArgCopy& copy, uint64_t user_argv) {
    size_t argc = 0, used = 0;
    if (!user_argv) return argc;
    for (;; ++argc) {
        uint64_t pointer;
        TRY(copy_from_user(&pointer, user_argv + argc * 8, 8));
        if (!pointer) return argc;
        bool full_limits = copy.max_args == proc::kMaxArgs;
        if (argc == copy.max_args || used >= copy.max_bytes)
            return full_limits ? Error::kArgListTooBig : Error::kRange;
        auto n = copy_string_from_user(copy.strings + used, pointer, copy.max_bytes - used);
        if (!n.ok()) {
            if (n.error() != Error::kNameTooLong) return n.error();
            return full_limits ? Error::kArgListTooBig : Error::kRange;
        }
        copy.argv[argc] = copy.strings + used;
        used += n.value() + 1;
    }
}

// exec(path, argv). Most argument lists are short: they are copied into a
// small block first, and only a list that does not fit is copied again
// into one sized for the full limits (kMaxArgs, kMaxArgBytes).
int64_t sys_exec(SyscallFrame& f) {
    char path[kMaxPath];
    auto p = copy_string_from_user(path, f.rdi, sizeof(path));
    if (!p.ok()) return errno_of(p.error());

    ArgCopy copy;
    // 8 pointers and 184 bytes: a 256-byte block, which the heap serves
    // from its 288-byte slots (checked and poisoned whole on every
    // allocation and free, so a smaller slot is cheaper).
    void* block = allocate_arg_copy(copy, 8, 184);
    if (!block) return errno_of(Error::kNoMemory);
    auto first = copy_args(copy, f.rsi);
    Error failure = first.ok() ? Error{} : first.error();
    size_t n = first.ok() ? first.value() : 0;
    if (!first.ok() && failure == Error::kRange) {
        kfree(block);
        block = allocate_arg_copy(copy, proc::kMaxArgs, proc::kMaxArgBytes);
        if (!block) return errno_of(Error::kNoMemory);
        auto second = copy_args(copy, f.rsi);
        failure = second.ok() ? Error{} : second.error();
        n = second.ok() ? second.value() : 0;
    }
    int64_t result;
    if (failure != Error{}) {
        result = errno_of(failure);
    } else {
        // No argv at all: the program still gets its own name as argv[0].
        if (n == 0) copy.argv[n++] = path;
        copy.argv[n] = nullptr;
        proc::ProgramArgs args{copy.argv, n, nullptr, 0};
        result = result_of(proc::spawn(path, args));
    }
    kfree(block);
    return result;
}

int64_t sys_exit(SyscallFrame& f) {
    proc::exit_current(NYAN_W_EXITCODE(int(f.rdi)));
}

// Runs with the process table locked (nothing is reaped if it fails), so
// it makes one attempt and faults nothing in: sys_waitpid faulted the page
// in beforehand.
Result<void> store_status(void* ctx, int status) {
    uint64_t user = *static_cast<uint64_t*>(ctx);
    if (!user) return {};
    return copy_to_user_now(user, &status, sizeof(status));
}

int64_t sys_waitpid(SyscallFrame& f) {
    uint64_t status_ptr = f.rsi;
    if (status_ptr) {
        auto ready = prepare_user_write(status_ptr, sizeof(int));
        if (!ready.ok()) return errno_of(ready.error());
    }
    return result_of(proc::wait_child(int(f.rdi), int(f.rdx), store_status, &status_ptr));
}

// open(path, flags): NyanOS's open has always ignored its flags and opened
// for reading; a device (/dev/null) opens for reading and writing, as the
// SDK's programs expect of it. A directory is EISDIR (NyanOS lists them
// with list_files).
int64_t sys_open(SyscallFrame& f) {
    UserPath path;
    auto p = path.copy_from(f.rdi);
    if (!p.ok()) return errno_of(p.error());
    const fs::Vfs& tree = fs::vfs();
    auto node = tree.resolve(lookup_context(), fs::Node{}, path.get(), true);
    if (!node.ok()) return errno_of(node.error());
    uint32_t flags;
    switch (tree.type(node.value())) {
        case fs::NodeType::kDirectory:
            return errno_of(Error::kIsDirectory);
        case fs::NodeType::kCharDevice:
            flags = fs::open_flags::kReadWrite;
            break;
        default:
            flags = fs::open_flags::kReadOnly;
            break;
    }
    auto file = fs::open_node(tree, node.value(), flags);
    if (!file.ok()) return errno_of(file.error());
    return result_of(current_files().install(file.release_value(), false, 0, fd_limit()));
}

int64_t sys_close(SyscallFrame& f) {
    return result_of(current_files().close(int(f.rdi)));
}

int64_t sys_sbrk(SyscallFrame& f) {
    return result_of(proc::sbrk(int64_t(f.rdi)));
}
int64_t sys_getpid(SyscallFrame&) {
    return proc::current_process()->pid;
}
int64_t sys_get_time(SyscallFrame&) {
    return int64_t(arch::uptime_ms());
}

int64_t sys_sleep(SyscallFrame& f) {
    proc::sleep_ms(f.rdi);
    return 0;
}

int64_t sys_yield(SyscallFrame&) {
    proc::yield();
    return 0;
}

int64_t sys_kill(SyscallFrame& f) {
    return result_of(proc::kill(int(f.rdi), NYAN_SIGKILL));
}

int64_t sys_meminfo(SyscallFrame& f) {
    // What the kernel keeps only for speed is free memory, so it goes back
    // before counting: the cached kernel stacks, and the heap's cached empty
    // slabs (one per size class, kept from the class's high-water mark on).
    // The free count then depends only on what is live: once every process
    // started since a reading is reaped, it is that reading again, exactly
    // (children that reaped themselves are freed first).
    proc::free_self_reaped();
    mm::reclaim_kernel_stacks();
    mm::kernel_heap_trim();
    mm::MemoryStats s = mm::physical_memory().stats();
    if (f.rdi) {
        nyan_meminfo info{s.total_frames, s.free_frames, s.page_table_frames, s.heap_frames};
        auto r = copy_to_user(f.rdi, &info, sizeof(info));
        if (!r.ok()) return errno_of(r.error());
    }
    return int64_t(s.free_frames);
}

int64_t sys_process_list(SyscallFrame& f) {
    if (!f.rdi) return int64_t(proc::process_count());
    constexpr size_t kBatch = 4;  // small: this runs on a small kernel stack
    nyan_process_info batch[kBatch];
    size_t max = f.rsi, done = 0;
    while (done < max) {
        size_t want = max - done < kBatch ? max - done : kBatch;
        size_t n = proc::fill_process_list(batch, done, want);
        if (n == 0) break;
        auto r = copy_to_user(f.rdi + done * sizeof(nyan_process_info), batch,
                              n * sizeof(nyan_process_info));
        if (!r.ok()) return errno_of(r.error());
        done += n;
        if (n < want) break;
    }
    return int64_t(done);
}

int64_t sys_poweroff(SyscallFrame& f) {
    if (!proc::controls_console()) return errno_of(Error::kPermission);
    power::power_off(uint32_t(f.rdi));
}

int64_t sys_stat(SyscallFrame& f) {
    UserPath path;
    auto p = path.copy_from(f.rdi);
    if (!p.ok()) return errno_of(p.error());
    const fs::Vfs& tree = fs::vfs();
    fs::LookupContext ctx = lookup_context();
    auto node = tree.resolve(ctx, fs::Node{}, path.get(), true);
    if (!node.ok()) return errno_of(node.error());
    fs::FileStat st;
    tree.stat(node.value(), st);
    nyan_stat out{uint64_t(st.size), tree.is_directory(node.value()) ? 1 : 0, 0};
    return result_of(copy_to_user(f.rsi, &out, sizeof(out)));
}

int64_t sys_kill_reason(SyscallFrame& f) {
    const char* reason = proc::last_kill_reason(int(f.rdi));
    if (!reason) return 0;
    size_t n = strlen(reason) + 1;
    if (n > f.rdx) return errno_of(Error::kRange);
    auto r = copy_to_user(f.rsi, reason, n);
    return r.ok() ? int64_t(n - 1) : errno_of(r.error());
}

int64_t sys_set_foreground(SyscallFrame& f) {
    return result_of(proc::set_foreground(int(f.rdi)));
}

int64_t sys_getcpu(SyscallFrame& f) {
    unsigned cpu = proc::this_cpu().index;
    unsigned online = proc::scheduler_cpu_count();
    if (f.rdi && !copy_to_user(f.rdi, &cpu, sizeof(cpu)).ok()) return errno_of(Error::kFault);
    if (f.rsi && !copy_to_user(f.rsi, &online, sizeof(online)).ok()) return errno_of(Error::kFault);
    return 0;
}

int64_t sys_system_info(SyscallFrame& f) {
    nyan_system_info info;
    proc::fill_system_info(info);
    return result_of(copy_to_user(f.rdi, &info, sizeof(info)));
}

int64_t sys_shootdown_stats(SyscallFrame& f) {
    mm::ShootdownStats s = mm::shootdown_stats();
    nyan_shootdown_stats out{s.requests, s.initiator_ticks, s.handled, s.handler_ticks};
    return result_of(copy_to_user(f.rdi, &out, sizeof(out)));
}

int64_t sys_missing(SyscallFrame&) {
    return errno_of(Error::kNoSys);
}

constexpr SyscallTable<kNyanosSyscallCount> make_table() {
    SyscallTable<kNyanosSyscallCount> t{};
    t.entries[SYS_READ] = sys_read;
    t.entries[SYS_WRITE] = sys_write;
    t.entries[SYS_CLEAR] = sys_clear;
    t.entries[SYS_REBOOT] = sys_reboot;
    t.entries[SYS_LIST_FILES] = sys_list_files;
    t.entries[SYS_EXEC] = sys_exec;
    t.entries[SYS_EXIT] = sys_exit;
    t.entries[SYS_WAITPID] = sys_waitpid;
    t.entries[SYS_OPEN] = sys_open;
    t.entries[SYS_CLOSE] = sys_close;
    t.entries[SYS_SBRK] = sys_sbrk;
    t.entries[SYS_GETPID] = sys_getpid;
    t.entries[SYS_GET_TIME] = sys_get_time;
    t.entries[SYS_SLEEP] = sys_sleep;
    t.entries[SYS_YIELD] = sys_yield;
    t.entries[SYS_KILL] = sys_kill;
    t.entries[SYS_MEMINFO] = sys_meminfo;
    t.entries[SYS_PROCESS_LIST] = sys_process_list;
    t.entries[SYS_POWEROFF] = sys_poweroff;
    t.entries[SYS_STAT] = sys_stat;
    t.entries[SYS_KILL_REASON] = sys_kill_reason;
    t.entries[SYS_SET_FOREGROUND] = sys_set_foreground;
    t.entries[SYS_SYSTEM_INFO] = sys_system_info;
    t.entries[SYS_GETCPU] = sys_getcpu;
    t.entries[SYS_SHOOTDOWN_STATS] = sys_shootdown_stats;
    t.entries[SYS_ARCH_PRCTL] = linux_arch_prctl;  // the same call, Linux's codes
    t.complete(sys_missing);
    return t;
}

}  // namespace

constinit const SyscallTable<kNyanosSyscallCount> g_nyanos_syscalls = make_table();

}  // namespace nyanos::sys
