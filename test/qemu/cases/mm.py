"""Issue 4: the frame allocator is built from the memory map, and the live
frame allocator and kernel heap pass their boot-time self-test (`mm_selftest`).

`mm-procfill-128M`: memory filled with sleeping processes until exec fails
with ENOMEM, all of them killed and reaped, twice (/bin/procfill): meminfo's
free-frame count must come back exactly to the baseline read before the
first fill, with no warm-up (meminfo gives back the kernel's caches, its
kernel stacks and empty heap slabs, before counting)."""
import re

from harness import Test

BOOT_LINE = r'boot: path=uefi mem_usable_kib=(\d+) '
MM_LINE = r'mm: total_frames=(\d+) free_frames=(\d+)'
SELFTEST = r'mm: selftest ok free_frames=(\d+)'


def _frames_match_memory_map(result):
    usable_kib = int(result.matches[BOOT_LINE].group(1))
    total, free = (int(g) for g in result.matches[MM_LINE].groups())
    if not 0 < free <= total:
        return f"free_frames={free} total_frames={total}"
    # The allocator gets the usable memory above 1 MiB (the boot line also counts
    # boot-reclaimable memory, handed over later): most of it, never more.
    if total * 4 > usable_kib or total * 4 < usable_kib * 9 // 10:
        return f"total_frames={total} ({total * 4} KiB) does not match mem_usable_kib={usable_kib}"
    return None


def _selftest_leaks_nothing(result):
    free_at_boot = int(result.matches[MM_LINE].group(2))
    free_after = int(result.matches[SELFTEST].group(1))
    # Only the heap's own bookkeeping may differ (no slab stays cached after trim).
    return None if free_after == free_at_boot else f"free_frames {free_at_boot} -> {free_after}"


PROCFILL_ROUND = r"^procfill: round (\d+): (\d+) processes, free (\d+) -> (\d+) -> (\d+)"
PROCFILL_SUMMARY = r"procfill: free_frames baseline=(\d+)((?: round\d+=\d+)+)"


def _procfill_exact(result):
    rounds = re.findall(PROCFILL_ROUND, result.output, re.M)
    if len(rounds) < 2:
        return f"expected two fill-and-kill rounds, got {len(rounds)}"
    for number, processes, base, low, after in rounds:
        # 128 MiB holds thousands of minimal processes: fewer means the fill
        # stopped early, and the check below would prove little.
        if int(processes) < 1000 or int(low) > int(base) // 100:
            return f"round {number}: only {processes} processes, free {base} -> {low}"
        if after != base:
            return f"round {number}: free_frames {base} -> {after} (frames kept)"
    summary = re.search(PROCFILL_SUMMARY, result.output)
    if not summary:
        return "no summary line"
    counts = re.findall(r"=(\d+)", summary.group(2))
    if any(c != summary.group(1) for c in counts):
        return f"free_frames baseline={summary.group(1)} after each round={counts}"
    return None


def _procfill(name, smp=1, matrix_only=False):
    return Test(name, mem="128M", smp=smp, cmdline="init=/bin/procfill",
                expect=[PROCFILL_SUMMARY, r"procfill ok", r"init exited: 0"], exit_code=1,
                check=_procfill_exact, timeout=180, matrix_only=matrix_only)


TESTS = [
    Test("mm-frames", expect=[BOOT_LINE, MM_LINE], check=_frames_match_memory_map),
    Test("mm-selftest", cmdline="mm_selftest", expect=[MM_LINE, SELFTEST],
         check=_selftest_leaks_nothing),
    # 4 GiB on q35: RAM on both sides of the PCI hole, so the span has a hole.
    Test("mm-selftest-4G", cmdline="mm_selftest", mem="4G", expect=[BOOT_LINE, MM_LINE, SELFTEST],
         check=lambda r: _frames_match_memory_map(r) or _selftest_leaks_nothing(r)),
]

# The GRUB paths build the memory map from multiboot2 tags; the MBI and the
# ramdisk must not be handed out (the self-test writes to the lowest frames).
TESTS += [
    Test(f"mm-selftest-{boot}", boot=boot, cmdline="mm_selftest",
         expect=[MM_LINE, SELFTEST], check=_selftest_leaks_nothing)
    for boot in ("grub-bios", "grub-efi")
]

# Fill, kill and reap twice in 128 MiB; on four CPUs in the matrix.
TESTS += [
    _procfill("mm-procfill-128M"),
    _procfill("mm-procfill-smp4-128M", smp=4, matrix_only=True),
]
