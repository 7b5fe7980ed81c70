#include "fs/kernel_hooks.h"

#include "fs/files.h"
#include "proc/lifecycle.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "proc/signal_hooks.h"

namespace nyanos::fs {

bool io_checkpoint() {
    proc::yield_if_needed();
    return proc::interrupt_pending_here();
}

uint64_t file_size_limit() {
    return proc::current_process()->resources.limit(rlimit::kFsize).soft;
}

void file_size_limit_exceeded() {
    proc::raise_sigxfsz_for_current();
}

void*& socket_messages_to_free() {
    return proc::current_thread()->words().socket_messages_to_free;
}

bool process_exists(int32_t pid) {
    return proc::process_listed(pid);
}

void unmap_file_from_processes(uint32_t inode, uint64_t size) {
    // Every process's space, one at a time (threads and vfork children
    // share one: it is visited again, harmlessly).
    for (int32_t pid = proc::first_listed_process_from(1); pid > 0;
         pid = proc::first_listed_process_from(pid + 1)) {
        auto memory = proc::memory_of(pid);
        if (!memory.ok() || !memory.value()) continue;
        proc::MemorySpace* space = memory.value();
        {
            proc::MemoryGuard guard(*space);
            space->memory.unmap_file_past(inode, size);
        }
        proc::MemorySpace::release(space);
    }
}

bool thread_exists(int32_t pid, int32_t tid) {
    return proc::thread_listed(pid, tid);
}

int32_t first_thread_from(int32_t pid, int32_t from) {
    return proc::first_listed_thread_from(pid, from);
}

int32_t thread_group_of(int32_t tid) {
    return proc::thread_group_of(tid);
}

int32_t first_process_from(int32_t from) {
    return proc::first_listed_process_from(from);
}

RefPtr<Inode> process_program(int32_t pid) {
    return proc::program_of(pid);
}

Result<uint32_t> process_cwd(int32_t pid) {
    return proc::working_directory_of(pid);
}

Result<DescriptionRef> process_file(int32_t pid, int32_t fd) {
    FdTable* files = TRY(proc::files_of(pid));
    auto file = files->get(fd);
    files->release_ref();
    return file;
}

int32_t first_fd_from(int32_t pid, int32_t from) {
    auto files = proc::files_of(pid);
    if (!files.ok()) return -1;
    int32_t fd = files.value()->first_open_from(from);
    files.value()->release_ref();
    return fd;
}

}  // namespace nyanos::fs
