/* Helpers the cases exec: `linux-abi-test --child MODE [ARG...]`, and the
 * #! probe `linux-abi-test --shebang-probe SCRIPT [ARG...]`. Each exits 0
 * (or the status its case expects) when what it checks holds; reasons go
 * to the runner's pipe if it is open, else to stderr. */
#include "suite.h"

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/time.h>

/* The ELF header of this executable, as the linker placed it. */
extern const Elf64_Ehdr __ehdr_start;

/* Expected by check-exec: see exec-args-env in cases_exec.c. */
#define LONG_ARG_LEN 100000

static int check_exec(int argc, char** argv, char** envp) {
    static const char* const want_env[] = {"A=1", "EMPTY=", "EQ=x=y", NULL};
    int bad = 0;
    if (argc != 7) return fail("check-exec: argc %d, expected 7", argc);
    if (strcmp(argv[0], "fake-argv0") || strcmp(argv[3], "one") || strcmp(argv[4], "") ||
        strcmp(argv[5], "three with spaces"))
        bad |= fail("check-exec: argv arrived as [%s, %s, %s, %s, %s, ...]", argv[0], argv[1],
                    argv[2], argv[3], argv[4]);
    if (strlen(argv[6]) != LONG_ARG_LEN || strspn(argv[6], "0123456789") != LONG_ARG_LEN)
        bad |= fail("check-exec: the %d-byte argument arrived with %zu bytes", LONG_ARG_LEN,
                    strlen(argv[6]));
    for (int i = 0; i < LONG_ARG_LEN; ++i)
        if (argv[6][i] != '0' + i % 10) {
            bad |= fail("check-exec: long argument differs at byte %d", i);
            break;
        }
    if (argv[argc] != NULL) bad |= fail("check-exec: argv[argc] is not NULL");
    /* envp: the three strings above, then EXPECT_EXECFN=path, nothing else. */
    int n = 0;
    while (envp[n]) ++n;
    if (n != 4) bad |= fail("check-exec: %d environment strings, expected 4", n);
    for (int i = 0; i < 3 && i < n; ++i)
        if (strcmp(envp[i], want_env[i]))
            bad |= fail("check-exec: envp[%d] = \"%s\", expected \"%s\"", i, envp[i], want_env[i]);
    const char* execfn = getenv("EXPECT_EXECFN");
    if (!execfn) return fail("check-exec: no EXPECT_EXECFN");
    /* The System V ABI: at _start, rsp points at argc, 16-byte aligned,
     * and argv follows it. */
    if (((uintptr_t)argv - 8) % 16) bad |= fail("check-exec: entry rsp %p not 16-byte aligned", (void*)((uintptr_t)argv - 8));
    /* The auxiliary vector follows envp's NULL. */
    Elf64_auxv_t* auxv = (Elf64_auxv_t*)(envp + n + 1);
    unsigned long seen[64] = {0};
    int count = 0;
    for (; auxv->a_type != AT_NULL && count < 64; ++auxv, ++count) {
        if (auxv->a_type < 64) seen[auxv->a_type] = auxv->a_un.a_val ? auxv->a_un.a_val : 1;
        if (getauxval(auxv->a_type) != auxv->a_un.a_val && auxv->a_type != AT_IGNORE)
            bad |= fail("check-exec: getauxval(%lu) = %#lx, auxv says %#lx",
                        (unsigned long)auxv->a_type, getauxval(auxv->a_type),
                        (unsigned long)auxv->a_un.a_val);
    }
    if (count == 64) return fail("check-exec: no AT_NULL in 64 auxv entries");
    if (getauxval(AT_PAGESZ) != 4096) bad |= fail("check-exec: AT_PAGESZ = %lu", getauxval(AT_PAGESZ));
    const unsigned char* rnd = (const unsigned char*)getauxval(AT_RANDOM);
    if (!rnd) {
        bad |= fail("check-exec: no AT_RANDOM");
    } else {
        int nonzero = 0;
        for (int i = 0; i < 16; ++i) nonzero |= rnd[i];
        if (!nonzero) bad |= fail("check-exec: AT_RANDOM's 16 bytes are all zero");
    }
    const Elf64_Ehdr* eh = &__ehdr_start;
    uintptr_t phdr = (uintptr_t)eh + eh->e_phoff;
    if (getauxval(AT_PHDR) != phdr)
        bad |= fail("check-exec: AT_PHDR = %#lx, the image's program headers are at %#lx",
                    getauxval(AT_PHDR), (unsigned long)phdr);
    if (getauxval(AT_PHNUM) != eh->e_phnum)
        bad |= fail("check-exec: AT_PHNUM = %lu, e_phnum = %u", getauxval(AT_PHNUM), eh->e_phnum);
    if (getauxval(AT_PHENT) != sizeof(Elf64_Phdr))
        bad |= fail("check-exec: AT_PHENT = %lu", getauxval(AT_PHENT));
    if (getauxval(AT_ENTRY) != eh->e_entry)
        bad |= fail("check-exec: AT_ENTRY = %#lx, e_entry = %#lx", getauxval(AT_ENTRY),
                    (unsigned long)eh->e_entry);
    /* The program headers describe the running image: some PT_LOAD holds
     * this very function. */
    const Elf64_Phdr* ph = (const Elf64_Phdr*)getauxval(AT_PHDR);
    int found = 0;
    for (unsigned i = 0; ph && i < getauxval(AT_PHNUM); ++i)
        if (ph[i].p_type == PT_LOAD && ph[i].p_vaddr <= (uintptr_t)check_exec &&
            (uintptr_t)check_exec < ph[i].p_vaddr + ph[i].p_memsz && (ph[i].p_flags & PF_X))
            found = 1;
    if (!found) bad |= fail("check-exec: no executable PT_LOAD in AT_PHDR holds the running code");
    const char* fn = (const char*)getauxval(AT_EXECFN);
    if (!fn || strcmp(fn, execfn))
        bad |= fail("check-exec: AT_EXECFN = \"%s\", expected \"%s\"", fn ? fn : "(null)", execfn);
    if (getauxval(AT_UID) != getuid() || getauxval(AT_EUID) != geteuid() ||
        getauxval(AT_GID) != getgid() || getauxval(AT_EGID) != getegid())
        bad |= fail("check-exec: AT_UID/AT_EUID/AT_GID/AT_EGID disagree with getuid() & co");
    if (!seen[AT_SECURE] || getauxval(AT_SECURE) != 0)
        bad |= fail("check-exec: AT_SECURE missing or not 0");
    return bad ? 1 : 0;
}

/* Closed (EBADF) descriptor A, open descriptor B without FD_CLOEXEC. */
static int check_fds(const char* a, const char* b) {
    int fa = atoi(a), fb = atoi(b);
    errno = 0;
    if (fcntl(fa, F_GETFD) != -1 || errno != EBADF)
        return fail("check-fds: fd %d (O_CLOEXEC) is still open after execve", fa);
    int flags = fcntl(fb, F_GETFD);
    if (flags != 0) return fail("check-fds: fd %d: F_GETFD = %d after execve, expected 0", fb, flags);
    return 0;
}

/* The #! probe: the kernel ran "#!INTERP --shebang-probe" for SCRIPT with
 * the arguments "a" "b", so argv must be INTERP --shebang-probe SCRIPT a b
 * (execve(2): "interpreter [optional-arg] pathname arg..."). */
static int shebang_probe(int argc, char** argv) {
    const char* script = getenv("EXPECT_SCRIPT");
    const char* interp = getenv("EXPECT_INTERP");
    if (!script || !interp) return fail("shebang-probe: EXPECT_SCRIPT/EXPECT_INTERP unset");
    if (argc != 5) return fail("shebang-probe: argc %d, expected 5", argc);
    if (strcmp(argv[0], interp) || strcmp(argv[2], script) || strcmp(argv[3], "a") ||
        strcmp(argv[4], "b"))
        return fail("shebang-probe: argv [%s, %s, %s, %s, %s], expected [%s, --shebang-probe, %s, a, b]",
                    argv[0], argv[1], argv[2], argv[3], argv[4], interp, script);
    return 42;
}

int child_main(int argc, char** argv, char** envp) {
    if (!strcmp(argv[1], "--shebang-probe")) return shebang_probe(argc, argv);
    const char* mode = argv[2];
    if (!strcmp(mode, "exit") && argc >= 4) return atoi(argv[3]);
    if (!strcmp(mode, "check-exec")) return check_exec(argc, argv, envp);
    if (!strcmp(mode, "check-fds") && argc >= 5) return check_fds(argv[3], argv[4]);
    if (!strcmp(mode, "check-itimer")) {
        /* execve kept the ITIMER_REAL its caller set (20 s) just before. */
        struct itimerval now;
        if (getitimer(ITIMER_REAL, &now)) return fail("check-itimer: getitimer failed");
        if (now.it_value.tv_sec < 18 || now.it_value.tv_sec > 20)
            return fail("check-itimer: %ld s left after execve, expected about 20",
                        (long)now.it_value.tv_sec);
        return 0;
    }
    if (!strcmp(mode, "check-membarrier")) {
        /* execve dropped the membarrier registrations of its caller. */
        if (syscall(SYS_membarrier, 8, 0, 0) != -1 || errno != EPERM)
            return fail("check-membarrier: still registered after execve");
        return 0;
    }
    if (!strcmp(mode, "check-no-ptimer") && argc >= 4) {
        /* execve dropped the POSIX timers its caller had. */
        long cur[4];
        if (syscall(SYS_timer_gettime, atoi(argv[3]), cur) != -1 || errno != EINVAL)
            return fail("check-no-ptimer: timer %s survived execve", argv[3]);
        return 0;
    }
    if (!strcmp(mode, "block-read") && argc >= 4) {
        /* Blocks until every writer of the pipe is gone. */
        char c;
        int fd = atoi(argv[3]);
        while (read(fd, &c, 1) > 0) {
        }
        return 0;
    }
    return fail("--child: unknown mode %s", mode), 2;
}
