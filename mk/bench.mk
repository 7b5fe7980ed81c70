# `make bench`: the benchmarks (scripts/bench.py, docs/benchmarks.md). Boots
# QEMU with -icount shift=0 and /bin/bench as init from its own ESP images
# under build/bench/ (one CPU, then 4 for the shootdown figures; the spawn
# scaling boots run without icount on multi-threaded TCG, -smp 1 and 2, and
# the kpti wall-clock ratios without icount, kpti=off and kpti=on), and
# once more on one CPU with busybox's shell running the Linux personality's
# benchmarks (scripts/linux-bench-guest.sh: /bin/linux-bench timed by
# /bin/linux-timeit); prints `bench: NAME VALUE UNIT` lines.
# BENCH_ARGS="--repeat 3" also prints the run-to-run spread; --no-scaling,
# --no-shootdown, --no-procs, --no-figures, --no-kpti, --no-kpti-wall,
# --no-linux skip a part; --cmdline "WORDS" adds kernel command-line words to every boot
# (e.g. mitigations=off, for what the speculation mitigations cost).
BENCH_ARGS ?=
.PHONY: bench
bench: $(BUILD)/BOOTX64.EFI $(BUILD)/kernel.elf $(BUILD)/initrd.tar scripts/linux-bench-guest.sh
	@python3 scripts/bench.py $(BENCH_ARGS)

# The same Linux benchmarks on Debian's Linux 6.1 in the same QEMU, for the
# figures NyanOS's are compared with (scripts/linux61-bench.sh; downloads the
# kernel package once, as make linux-abi-linux61 does).
.PHONY: bench-linux61
bench-linux61: $(LINUX_BINS) | $(DEPS_STAMP)
	@scripts/linux61-bench.sh $(BUILD)

# What page-table isolation costs Linux 6.1 on the same workloads:
# scripts/linux61-pti-cost.sh boots it with pti=off and pti=on, under
# icount and without (wall clock), and prints the ratios docs/kpti.md
# compares with NyanOS's kpti=on figures.
.PHONY: bench-linux61-pti
bench-linux61-pti: $(LINUX_BINS) | $(DEPS_STAMP)
	@scripts/linux61-pti-cost.sh $(BUILD)
