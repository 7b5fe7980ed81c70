"""Issue 3: the GRUB multiboot2 path (build/nyanos.iso: GRUB -> grub/
loader -> the same kernel.elf).

- GRUB under SeaBIOS and under OVMF each boot with the right `path=`, on
  -machine q35 and -machine pc;
- the handoff's memory map (printed by the loader with `loader.debug`)
  accounts for the kernel, its tables, its stack, the ramdisk and the loader;
- the command line from CMDLINE reaches the kernel verbatim through GRUB's
  parser (scripts/mkiso.sh escapes it, the loader undoes GRUB's re-quoting);
- -m 4G: memory above 4 GiB is usable and the HHDM reaches it, by GRUB-BIOS
  and GRUB-EFI;
- on a CPU without long mode the loader prints why it stops;
- a boot with -serial none and no isa-debug-exit (a real machine) does not
  hang: the boot line reaches the framebuffer, read back from screendumps;
- the suite check: the layout line (HHDM offset, kernel ranges) is the same
  on all three boot paths.
A GRUB-EFI boot costs 4-6 s of TCG (OVMF + GRUB), a GRUB-BIOS boot ~1 s.
"""
import re

from harness import Test

try:
    import screen
except ImportError:  # the screen reader is optional for the other tests
    screen = None


def boot_line(path, cmdline=None):
    cmd = '[^"]*' if cmdline is None else re.escape(cmdline)
    return rf'boot: path={path} mem_usable_kib=(\d+) fb=(\d+x\d+|none) cmdline="{cmd}"'


# Up to the end of the line: the harness stops QEMU as soon as the last
# expectation matches, so an unterminated match may be a cut-off line.
LAYOUT = r"layout: hhdm=0x[0-9a-f]+ kernel_virt=0x[0-9a-f]+-0x[0-9a-f]+ kernel_phys_size=0x[0-9a-f]+\r?\n"
HHDM_TOP = r"hhdm: top=0x([0-9a-f]+) ok"

# Every character GRUB's parser would otherwise act on; loader.debug makes
# the loader print its memory map.
ODD_CMDLINE = "loader.debug nyan.test=\"two words\" $HOME;x {brace} back\\slash 'single' a|b&c #hash"


def _above_4g(path):
    def check(result):
        usable = int(result.matches[boot_line(path)].group(1))
        if usable < 3900 * 1024:
            return f"mem_usable_kib={usable}, expected about 4 GiB"
        top = int(result.matches[HHDM_TOP].group(1), 16)
        if top < (4 << 30):
            return f"highest usable byte {top:#x} is not above 4 GiB"
        return None
    return check


def _has_framebuffer(path, cmdline=None):
    def check(result):
        fb = result.matches[boot_line(path, cmdline)].group(2)
        return None if fb != "none" else "GRUB handed over no framebuffer"
    return check


LOADER_PLACEMENT = (r"nyanos-loader: kernel at 0x([0-9a-f]+) pml4 0x([0-9a-f]+) "
                    r"stack 0x([0-9a-f]+) ramdisk 0x([0-9a-f]+)")
LOADER_REGION = r"nyanos-loader: region 0x([0-9a-f]+)-0x([0-9a-f]+) ([a-z+-]+)"
LOADER_IMAGE = 0x200000  # grub/loader.ld


def _memory_map_accounts_for_the_loader(path):
    """With loader.debug: the handoff's map is sorted and disjoint, and the
    kernel, its PML4, its stack and the ramdisk lie in kernel+modules memory,
    the loader's own image in boot-reclaimable memory."""
    def check(result):
        err = _has_framebuffer(path, ODD_CMDLINE if path == "grub-bios" else "loader.debug")(result)
        if err:
            return err
        regions = [(int(a, 16), int(b, 16), t) for a, b, t in re.findall(LOADER_REGION, result.output)]
        placement = re.search(LOADER_PLACEMENT, result.output)
        if not regions or not placement:
            return "loader.debug printed no memory map"
        for (a0, b0, _), (a1, _, _) in zip(regions, regions[1:]):
            if not a0 < b0 <= a1:
                return f"regions not sorted and disjoint at {a0:#x}-{b0:#x} / {a1:#x}"

        def type_at(addr):
            return next((t for a, b, t in regions if a <= addr < b), None)

        kernel, pml4, stack, ramdisk = (int(x, 16) for x in placement.groups())
        for what, addr, want in [("kernel", kernel, "kernel+modules"),
                                 ("pml4", pml4, "kernel+modules"),
                                 ("boot stack", stack, "kernel+modules"),
                                 ("ramdisk", ramdisk, "kernel+modules"),
                                 ("loader image", LOADER_IMAGE, "boot-reclaimable")]:
            if type_at(addr) != want:
                return f"{what} at {addr:#x} is in {type_at(addr)} memory, expected {want}"
        return None
    return check


SCREENS = ["t1", "t2", "t3"]


def _boot_line_on_screen(result):
    if result.output:
        return f"serial output with -serial none: {result.output[:80]!r}"
    if screen is None:
        return "test/qemu/screen.py is missing"
    for name in SCREENS:
        path = f"{result.logdir}/{result.test.name}-{name}.ppm"
        try:
            lines = screen.read_text(path)
        except OSError:
            continue
        if any(re.search(boot_line("grub-bios"), line) for line in lines):
            if any("PANIC" in line for line in lines):
                return "the screen shows a PANIC"
            return None
    return "the boot line never reached the screen"


def _screen_steps(interval):
    steps = []
    for name in SCREENS:
        steps += [("sleep", interval), ("screendump", name)]
    return steps


TESTS = [
    Test("grub-bios-q35", boot="grub-bios", machine="q35", cmdline=ODD_CMDLINE,
         expect=[boot_line("grub-bios", ODD_CMDLINE), LAYOUT],
         check=_memory_map_accounts_for_the_loader("grub-bios"), timeout=60),
    Test("grub-bios-pc-4G", boot="grub-bios", machine="pc", mem="4G",
         expect=[boot_line("grub-bios"), LAYOUT, HHDM_TOP], check=_above_4g("grub-bios"),
         timeout=60),
    Test("grub-efi-q35", boot="grub-efi", machine="q35", cmdline="loader.debug",
         expect=[boot_line("grub-efi", "loader.debug"), LAYOUT],
         check=_memory_map_accounts_for_the_loader("grub-efi"), timeout=120),
    Test("grub-efi-4G", boot="grub-efi", machine="q35", mem="4G",
         expect=[boot_line("grub-efi"), LAYOUT, HHDM_TOP], check=_above_4g("grub-efi"),
         timeout=120),
    Test("grub-efi-pc", boot="grub-efi", machine="pc", expect=[boot_line("grub-efi"), LAYOUT],
         timeout=120, matrix_only=True),
    # A 32-bit CPU: the loader says why it stops instead of triple-faulting.
    Test("grub-bios-no-long-mode", boot="grub-bios", cpu="qemu32",
         expect=[r"nyanos-loader: this CPU has no 64-bit long mode"], timeout=60),
    Test("grub-bios-no-serial-no-debug-exit", boot="grub-bios", serial=False, debug_exit=False,
         monitor=True, steps=_screen_steps(1.5), check=_boot_line_on_screen, timeout=60),
]


def _layout_everywhere(results):
    """The layout line must be identical on uefi, grub-bios and grub-efi."""
    layouts = {}
    for name, r in results.items():
        if not r.ok or r.test.boot not in ("uefi", "grub-bios", "grub-efi"):
            continue
        m = re.search(LAYOUT, r.output)
        if m:
            layouts.setdefault(r.test.boot, {})[name] = m.group(0).rstrip()
    missing = [p for p in ("uefi", "grub-bios", "grub-efi") if p not in layouts]
    if missing:
        return f"no passing boot printed a layout line for {', '.join(missing)}"
    distinct = {line for per_path in layouts.values() for line in per_path.values()}
    if len(distinct) != 1:
        detail = "; ".join(f"{n}: {l}" for per in layouts.values() for n, l in per.items())
        return f"layout lines differ: {detail}"
    return None


SUITE_CHECKS = [("layout-same-on-all-boot-paths", _layout_everywhere)]
