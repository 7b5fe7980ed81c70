#include "proc/exec_image.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/io.h"
#include "boot_info.h"
#include "dev/random.h"
#include "fs/files.h"
#include "lib/console.h"
#include "lib/heap_ptr.h"
#include "lib/panic.h"
#include "mm/kernel_memory_context.h"
#include "proc/elf.h"
#include "proc/lifecycle.h"
#include "proc/linux_layout.h"
#include "proc/process.h"
#include "proc/scheduler.h"
#include "proc/signal_delivery.h"
#include "proc/scoped_cr3.h"
#include "proc/shebang.h"
#include "proc/user_layout.h"

namespace nyanos::proc {

namespace {

constexpr uint64_t kPage = 4096;

uint64_t page_down(uint64_t v) {
    return v & ~(kPage - 1);
}

// The lowest address a Linux program's stack region can reach: its top at
// the bottom of its random range, grown to its limit, and the guard gap.
constexpr uint64_t kLinuxImageLimit =
    kLinuxTaskSize - kLinuxStackRandomRange - kLinuxStackLimit - kLinuxStackGuardGap;

// Linux's first stack region (stack_guard_gap aside): 128 KiB, or what the
// arguments need if more.
constexpr uint64_t kLinuxInitialStack = 128 * 1024;

uint64_t random_below_for_layout(uint64_t bound) {
    return random_below(bound);
}

Result<void> load_file(const char* path, const char* execfn, const ProgramArgs& args,
                       ExecImage& out, int depth);

// `path` is a `#!` script: loads its interpreter with the script's name
// (and the line's argument) in front of the arguments.
Result<void> load_script(const char* path, const char* execfn, const ProgramArgs& args,
                         const Shebang& line, ExecImage& out, int depth) {
    if (depth >= kShebangMaxDepth) return Error::kLoop;
    if (!line.interpreter[0]) return Error::kNotExecutable;
    size_t extra = line.has_argument ? 3 : 2;
    size_t rest = args.argc ? args.argc - 1 : 0;
    HeapPtr<const char*[]> argv(new (std::nothrow) const char*[extra + rest + 1]);
    if (!argv.get()) return Error::kNoMemory;
    size_t n = 0;
    argv.get()[n++] = line.interpreter;
    if (line.has_argument) argv.get()[n++] = line.argument;
    argv.get()[n++] = path;
    for (size_t i = 0; i < rest; ++i) argv.get()[n++] = args.argv[i + 1];
    argv.get()[n] = nullptr;
    ProgramArgs script_args{argv.get(), n, args.envp, args.envc};
    return load_file(line.interpreter, execfn, script_args, out, depth + 1);
}

// The program file `path` names for the calling process: resolved in the
// file tree from its working directory, symbolic links followed
// (/proc/self/exe, /bin/sh), with Linux's lookup errors (ENOENT, ENOTDIR,
// ELOOP, ENAMETOOLONG). A directory is EISDIR (Linux's execve says
// EACCES); a device is EACCES, and so is a file without any execute bit
// (everyone is root, and Linux lets root execute a file only when some x
// bit is set: generic_permission; a script's interpreter too).
Result<fs::InodeRef> find_program(const char* path) {
    const fs::Vfs& tree = fs::vfs();
    fs::LookupContext ctx{};
    if (Process* self = current_process()) {
        ctx = fs::LookupContext::of_process(working_directory(self), root_directory(self),
                                            self->exe, self->pid);
    }
    fs::Node node = TRY(tree.resolve(ctx, fs::Node{}, path, true));
    if (!node.inode) return Error::kAccess;
    if (node.inode->type == fs::NodeType::kDirectory) return Error::kIsDirectory;
    if (node.inode->type != fs::NodeType::kRegular) return Error::kAccess;
    fs::FileStat st;
    tree.stat(node, st);
    if (!(st.mode & fs::mode_bits::kAnyExecute)) return Error::kAccess;
    return static_cast<fs::InodeRef&&>(node.inode);
}

Result<void> load_file(const char* path, const char* execfn, const ProgramArgs& args,
                       ExecImage& out, int depth) {
    fs::InodeRef inode = TRY(find_program(path));
    uint8_t* copied = nullptr;
    auto bytes = fs::vfs().tree().program_bytes(inode.get(), copied);
    HeapPtr<uint8_t[]> copy(copied);
    if (!bytes.ok()) return bytes.error();
    const fs::Tmpfs::ProgramBytes file = bytes.value();
    // A script (most files are not: no allocation for them).
    if (file.size >= 2 && file.data[0] == '#' && file.data[1] == '!') {
        HeapPtr<Shebang> line(new (std::nothrow) Shebang);
        if (!line.get()) return Error::kNoMemory;
        if (parse_shebang(file.data, file.size, *line.get()))
            return load_script(path, execfn, args, *line.get(), out, depth);
    }
    // The program's file stays unwritable while the image runs (ETXTBSY).
    fs::Inode* held = TRY(fs::hold_running(inode.get()));
    fs::drop_running(out.file);
    out.file = held;
    // The checked image is built in the image's own space for it
    // (guaranteed elision); the type is trivially destructible, so the
    // space needs no clean-up. A script has returned above, before its
    // interpreter's load_file uses the same space.
    static_assert(__has_trivial_destructor(elf::ValidationResult));
    const elf::UserRanges ranges{{kImageBase, kImageLimit}, {kLinuxMinAddress, kLinuxImageLimit}};
    elf::ValidationResult* checked = new (out.validation_space)
        elf::ValidationResult(elf::validate(file.data, file.size, ranges));
    if (!checked->ok) {
        // Why an ELF file was refused helps whoever built it; a file that
        // is no ELF at all (a shell script without "#!", which the shell
        // then runs itself) is ENOEXEC as on Linux, with nothing printed.
        if (file.size >= 4 && file.data[0] == 0x7f && file.data[1] == 'E' &&
            file.data[2] == 'L' && file.data[3] == 'F')
            kprintf("exec %s: %s\n", path, elf::reject_reason(checked->reason));
        return Error::kNotExecutable;
    }

    const elf::Image* image = &checked->image;
    StackSpec stack = nyanos_stack_spec();
    mm::MemoryLayout memory_layout = kNyanMemoryLayout;
    bool linux = image->personality == elf::Personality::kLinux;
    LinuxLayout layout{};
    if (linux) {
        out.personality = Personality::kLinux;
        layout = choose_linux_layout(randomize_maps(), random_below_for_layout);
        if (image->position_independent) {
            uint64_t lowest = page_down(image->lowest_vaddr);
            uint64_t bias = linux_pie_bias(layout, lowest, image->highest_vaddr_end - lowest);
            relocate_image(checked->image, bias);
        }
        stack = StackSpec{.top = layout.stack_top,
                          .shift = layout.stack_shift,
                          .max_arg_bytes = kLinuxMaxArgBytes,
                          .max_args = kLinuxMaxArgs,
                          .execfn = execfn,
                          .hwcap = arch::linux_hwcap(),
                          .hwcap2 = arch::linux_hwcap2(),
                          // The least stack a handler needs: Linux's
                          // figure for this CPU's FPU image (signal_frame.h).
                          .minsigstksz = linux_min_signal_stack(signal_fpu_layout())};
    }

    uint8_t random16[16];
    random_bytes(random16, sizeof(random16));

    mm::AddressSpace space = TRY(mm::AddressSpace::try_create(mm::kernel_memory_context()));
    LoadedProgram program;
    {
        // Load with the new space live, so the loader writes through user
        // addresses. The guard restores the caller's root on every path out
        // of this block.
        ScopedCr3 guard(space.cr3());
        program = TRY(load_program(space, *image, file.data, args, random16, stack, file.frames));
        // Loading a large program takes a while: let others run. A thread
        // switched away from here must come back on the guarded root. (No
        // kill here: this frame still owns the half-built space.)
        yield_if_needed();
        VERIFY(arch::read_cr3() == space.cr3());
    }
    out.entry = program.entry;
    out.stack_pointer = program.stack_pointer;
    if (linux) {
        // The stack region starts with what the arguments took, at least
        // Linux's first 128 KiB, and grows down to RLIMIT_STACK; the heap
        // may grow up to the mmap base.
        uint64_t used = layout.stack_top - page_down(program.stack_pointer);
        memory_layout = mm::MemoryLayout{
            .stack_top = layout.stack_top,
            .stack_size = used > kLinuxInitialStack ? used : kLinuxInitialStack,
            .stack_max = kLinuxStackLimit,
            .brk_start = linux_brk_start(layout, program.image_end, image->position_independent),
            .mmap_base = layout.mmap_base,
            .allow_write_execute = true};
    }
    out.memory =
        TRY(mm::ProcessMemory::try_create(static_cast<mm::AddressSpace&&>(space), memory_layout));
    TRY(record_image_regions(out.memory, *image));
    out.memory.set_arguments(program.args_start, program.args_end, program.env_end);
    return {};
}

}  // namespace

Result<void> load_exec_image(const char* path, const ProgramArgs& args, ExecImage& out) {
    return load_file(path, path, args, out, 0);
}

}  // namespace nyanos::proc
