#!/bin/sh
# The Linux benchmarks of `make bench`, run inside the guest by busybox's
# shell as init (scripts/bench.py stages this file as /bench/linux.sh; the
# same script runs on Linux 6.1 for its figures: docs/benchmarks.md). Each
# figure is one /bin/linux-bench workload timed by /bin/linux-timeit (TSC
# ticks = guest instructions under -icount shift=0, the median of 3 runs)
# at two counts; the difference over the difference of the counts is one
# operation's cost, without linux-bench's own fork, exec, set-up and exit.
# Prints `bench: NAME VALUE instructions` lines; exits 1 if a run failed.
failed=0

# ticks ARGS...: the median ticks of `linux-bench ARGS...`, or `failed`
# (linux-timeit said why on stderr).
ticks() {
  command_ticks /bin/linux-bench "$@"
}

# command_ticks PROGRAM ARGS...: the same for any program.
command_ticks() {
  /bin/linux-timeit 3 "$@" || echo failed
}

# report NAME TICKS_LOW TICKS_HIGH OPERATIONS
report() {
  case "$2 $3" in
    *failed*) failed=1; echo "linux-bench: $1: a run failed" >&2 ;;
    *) echo "bench: $1 $(( ($3 - $2) / $4 )) instructions" ;;
  esac
}

# fork + _exit + wait of linux-bench itself (a small musl program).
report linux_fork_exit_wait "$(ticks fork-exit-wait 10)" "$(ticks fork-exit-wait 60)" 50
# The same with 4 MiB of private memory written before: the child reads one
# byte of each of its 1,024 pages (shared copy-on-write, nothing copied).
report linux_fork_touch_4mib "$(ticks fork-touch 2 4)" "$(ticks fork-touch 12 4)" 10
# One fork whose child writes all 4 MiB (1,024 copy-on-write breaks), then
# checks them, exits and is reaped (and the parent checks its own bytes):
# cow-break 4 less mmap-touch-munmap 4 1 (the same 4 MiB written once by
# the parent, without the fork).
report linux_cow_break_4mib "$(ticks mmap-touch-munmap 4 1)" "$(ticks cow-break 4)" 1
# One one-byte round trip between two processes over two pipes.
report linux_pipe_pingpong "$(ticks pipe-pingpong 1000)" "$(ticks pipe-pingpong 6000)" 5000
# fork + execve /bin/busybox true + wait.
report linux_fork_exec_busybox_true "$(ticks fork-exec-busybox-true 2)" \
  "$(ticks fork-exec-busybox-true 12)" 10
# mmap 1 MiB anonymous, write each of its 256 pages, munmap.
report linux_mmap_touch_munmap_1mib "$(ticks mmap-touch-munmap 1 2)" \
  "$(ticks mmap-touch-munmap 1 22)" 20
# One getppid call, and one sched_yield switch between two processes (each
# of the pair's N calls switches once): the figures page-table isolation
# costs most, compared with NyanOS's null_syscall and yield_switch_oneway.
report linux_null_syscall "$(ticks null-syscall 1000)" "$(ticks null-syscall 11000)" 10000
report linux_sched_yield_oneway "$(ticks sched-yield 500)" "$(ticks sched-yield 3000)" 5000
# busybox's shell at work (the same busybox binary as on Linux): a
# pipeline `echo hello | cat >/dev/null` and a command substitution
# `x=$(echo $i)` per loop iteration; `seq 1 3000 | sort -rn | md5sum` and a
# 2,000-iteration arithmetic loop as a whole (each less an empty shell).
shell_loop() {  # ITERATIONS BODY
  command_ticks /bin/sh -c "i=0; while [ \$i -lt $1 ]; do $2; i=\$((i + 1)); done"
}
report linux_sh_pipeline "$(shell_loop 5 'echo hello | cat >/dev/null')" \
  "$(shell_loop 25 'echo hello | cat >/dev/null')" 20
report linux_sh_substitution "$(shell_loop 5 'x=$(echo $i)')" \
  "$(shell_loop 45 'x=$(echo $i)')" 40
report linux_sh_seq_sort_md5sum "$(command_ticks /bin/sh -c ':')" \
  "$(command_ticks /bin/sh -c 'seq 1 3000 | sort -rn | md5sum >/dev/null')" 1
report linux_sh_arith_loop_2000 "$(shell_loop 0 ':')" "$(shell_loop 2000 ':')" 1
exit $failed
