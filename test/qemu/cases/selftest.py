"""Issue 4 item 7: the live self-test of the frame allocator, the kernel page
tables (real reads and writes through new mappings, stale-TLB and guard-page
checks, kernel stacks) and the heap, under the `selftest` switch. Also checks
that the VMM dropped the loader's identity map and populated the kernel half
on every boot path."""
from harness import Test

VMM_LINE = (r'vmm: dropped (\d+) identity PML4 entries, reclaimed (\d+) boot frames, '
            r'populated (\d+) kernel PML4 entries')
# Whole lines only: the harness matches while the output streams in.
NO_FAILURE = r'selftest: (mm ok free_frames=\d+ page_tables=\d+|FAILED [^\r\n]*)\r?\n'


def _passed(result):
    line = result.matches[NO_FAILURE].group(0)
    line = line.decode() if isinstance(line, bytes) else line
    if not line.startswith("selftest: mm ok"):
        return line
    dropped = int(result.matches[VMM_LINE].group(1))
    # Every loader identity-maps at least its own code for the CR3 switch.
    return None if dropped >= 1 else "the loader left no identity map to drop?"


TESTS = [
    Test("selftest", cmdline="selftest", expect=[VMM_LINE, NO_FAILURE], check=_passed),
    Test("selftest-grub-bios", boot="grub-bios", cmdline="selftest", expect=[VMM_LINE, NO_FAILURE],
         check=_passed),
    Test("selftest-grub-efi", boot="grub-efi", cmdline="selftest", expect=[VMM_LINE, NO_FAILURE],
         check=_passed, matrix_only=True),
    Test("selftest-4G", cmdline="selftest", mem="4G", expect=[VMM_LINE, NO_FAILURE], check=_passed,
         matrix_only=True),
]
