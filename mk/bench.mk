# `make bench`: the benchmarks (scripts/bench.py, docs/benchmarks.md). Boots
# QEMU with -icount shift=0 and /bin/bench as init from its own ESP images
# under build/bench/; prints `bench: NAME VALUE UNIT` lines.
# BENCH_ARGS="--repeat 3" also prints the run-to-run spread.
BENCH_ARGS ?=
.PHONY: bench
bench: $(BUILD)/BOOTX64.EFI $(BUILD)/kernel.elf $(BUILD)/initrd.tar
	@python3 scripts/bench.py $(BENCH_ARGS)
