# The cases of the Linux ABI suite (user/linux/abi-test) that the Linux
# personality passes, run by busybox's shell as init.
# Exits non-zero if any case failed, or if the kernel's free memory after
# a run is not exactly what it was before it (--check-memory: every frame
# came back).
/bin/linux-abi-test --check-memory \
  --case cow-global --case cow-heap --case cow-mmap-private --case cow-stack \
  --case mmap-shared-anon-fork --case vfork-exec-releases-parent --case posix-spawn \
  --case vfork-shares-memory --case system-exit-status --case exec-shebang-sh \
  --case exec-args-env-auxv --case exec-enoent --case exec-enoexec --case exec-enotdir \
  --case exec-eacces \
  --case exec-efault --case exec-e2big --case exec-failure-keeps-caller \
  --case exec-shebang-args --case exec-cloexec \
  --case mmap-einval --case mmap-fixed-noreplace --case mmap-prot-none-then-mprotect \
  --case munmap-middle-splits --case munmap-unmapped-ok --case mprotect-hole-enomem \
  --case segv-accerr-maperr --case madvise-dontneed-zeroes --case mmap-unaligned-length \
  --case mmap-large-lazy --case brk-grow-shrink --case mremap-grow-move \
  --case file-mmap-private --case file-mmap-past-eof-sigbus --case file-mmap-errors \
  --case file-mmap-shared-readonly --case file-mmap-private-fork --case file-mmap-dev-zero \
  --case pipe-eof-last-writer --case pipe-sigpipe-kills --case pipe-epipe \
  --case pipe-blocking --case pipe-nonblock-eagain --case pipe-capacity-64k \
  --case pipe-1mib-transfer --case pipe-espipe --case pipe-poll \
  --case fd-dup-family --case fd-fcntl --case fd-ebadf --case fd-readv-writev \
  --case fd-pread-pipe-espipe \
  --case fd-ioctl-enotty --case fd-tiocsctty-needs-read --case fd-dev-null --case fd-dev-zero --case fd-dev-urandom \
  --case fd-getdents64 --case fd-fstat-empty-path --case fd-cwd --case fd-access \
  --case fd-readlink-proc-self-exe --case fd-proc-self
first=$?
/bin/linux-abi-test --check-memory \
  --case sig-handler-runs --case sig-siginfo --case sig-resethand --case sig-nodefer-and-mask \
  --case sig-mask-pending --case sig-rt-queue-limit --case sig-altstack-overflow \
  --case sig-sigchld-ignored --case sig-alarm --case sig-itimer-real --case sig-itimer-cpu \
  --case sig-itimer-fork-exec --case sig-sigtimedwait \
  --case sig-sigsuspend --case sig-wait-mask --case sig-altstack --case sig-eintr-and-restart --case sig-sigchld \
  --case sig-segv-null-write --case sig-ill-ud2 --case sig-fpe-div0 --case sig-trap-int3 \
  --case sig-handler-stack-alignment --case sig-bus-mmap-eof \
  --case sigframe-forged-valid --case sigframe-bad-cs --case sigframe-bad-ss \
  --case sigframe-bad-rip --case sigframe-iopl-ignored --case sigframe-bad-fpu-state \
  --case sigframe-bad-frame-pointer
second=$?
/bin/linux-abi-test --check-memory \
  --case proc-ids --case proc-pgid-session --case proc-kill-pgroup --case proc-wait4 \
  --case proc-waitid --case proc-uname --case proc-uid-gid --case proc-rlimits \
  --case proc-getrusage-times --case proc-sysinfo --case proc-clocks --case proc-nanosleep \
  --case proc-getrandom --case proc-enosys \
  --case prctl-name --case prctl-pdeathsig --case prctl-subreaper --case prctl-flags \
  --case reboot-checks --case sched-nice --case syslog-read-all \
  --case efault-read-write --case efault-pipe --case efault-wait --case efault-time \
  --case efault-info --case efault-paths --case efault-signals --case efault-timers \
  --case efault-fd-calls --case efault-threads \
  --case exit-codes --case exit-signal-status --case exit-stop-continue --case exit-stop-signals \
  --case exit-nocldwait --case exit-orphaned-stopped \
  --case thread-create-join-ids --case thread-mutex-counter --case thread-futex \
  --case thread-condvar --case thread-clear-tid --case thread-signals --case thread-exit-group \
  --case thread-munmap-seen --case thread-fork-from-thread --case thread-stop-continue \
  --case thread-futex-shared-mapping --case thread-proc-task
third=$?
/bin/linux-abi-test --check-memory \
  --case fs-create-mode --case fs-create-excl --case fs-open-trunc --case fs-open-append \
  --case fs-open-errors --case fs-name-max --case fs-symlink-loop --case fs-file-offsets \
  --case fs-rw-holes --case fs-seek-data-hole --case fs-rw-large --case fs-ftruncate-grow \
  --case fs-ftruncate-shrink --case fs-truncate-errors --case fs-unlink-open \
  --case fs-stat-fields --case fs-statx --case fs-times-write --case fs-utimensat --case fs-chmod-umask \
  --case fs-chown --case fs-fsync --case fs-mmap-shared --case fs-mmap-private \
  --case fs-mmap-sigbus \
  --case fs-etxtbsy --case fs-efault --case fs-statfs --case fs-enospc --case fs-dirfd \
  --case fs-mkdir --case fs-mkdir-nlink --case fs-rmdir --case fs-rmdir-busy --case fs-unlink \
  --case fs-link --case fs-symlink --case fs-readlink --case fs-symlink-walk \
  --case fs-rename-file --case fs-rename-dir --case fs-rename-same --case fs-renameat2 \
  --case fs-getdents --case fs-getdents-many --case fs-fifo --case fs-mknod-char \
  --case fs-flock \
  --case fs-record-locks --case fs-record-lock-wait --case fs-record-locks-ofd \
  --case fs-record-lock-wakeups \
  --case fs-error-order
fourth=$?
/bin/linux-abi-test --check-memory \
  --case events-eventfd --case events-timerfd --case events-signalfd \
  --case events-epoll-errors --case events-epoll-triggers --case events-epoll-kinds \
  --case misc-preadv-pwritev --case misc-memfd-create --case misc-fallocate \
  --case misc-mincore --case misc-mlock --case misc-personality --case misc-capabilities \
  --case ptimer-basic --case ptimer-ids --case ptimer-periodic --case ptimer-handler \
  --case ptimer-sigev-none --case ptimer-thread-abstime --case ptimer-errors --case ptimer-fork-exec --case ptimer-cpu \
  --case more-groups --case more-timerslack --case more-ioprio --case more-membarrier \
  --case more-chroot
fifth=$?
/bin/linux-abi-test --check-memory \
  --case sock-pair-stream --case sock-pair-dgram --case sock-pair-flags --case sock-pair-close \
  --case sock-shutdown --case sock-poll --case sock-blocking --case sock-waitall \
  --case sock-errors --case sock-bind-path --case sock-connect-errors --case sock-abstract \
  --case sock-backlog --case sock-dgram-named --case sock-options --case sock-timeouts --case sock-peercred \
  --case sock-scm-rights --case sock-scm-truncated --case sock-scm-gc --case sock-scm-deep-chain --case sock-inet --case sock-epoll
sixth=$?
echo "linux-abi: first $first second $second third $third fourth $fourth fifth $fifth sixth $sixth"
[ $first = 0 ] && [ $second = 0 ] && [ $third = 0 ] && [ $fourth = 0 ] && [ $fifth = 0 ] && [ $sixth = 0 ]
