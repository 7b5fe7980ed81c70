#!/usr/bin/env python3
"""`make bench`: boots NyanOS under QEMU with `-icount shift=0` (guest time
counts instructions) and /bin/bench as init, and prints every
`bench: NAME VALUE UNIT` line the guest prints.

Two boots: the figures (MEM=512M) and the process count (MEM=128M,
`bench procs`). --repeat N boots the figures N times and prints, after the
lines of the first run, the largest relative spread of each figure across
runs (how stable icount is here). Python stdlib only.

Exit status: 0 if every boot ended with `init exited: 0`."""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
OUT = os.path.join(BUILD, "bench")
LINE = re.compile(r"^bench: (\S+) (-?\d+) (\S+)\s*$")
ICOUNT = "-icount shift=0"


def make_esp(cmdline, name):
    os.makedirs(OUT, exist_ok=True)
    cmdline_file = os.path.join(OUT, f"{name}.cmdline.txt")
    with open(cmdline_file, "w") as f:
        f.write(cmdline + "\n")
    esp = os.path.join(OUT, f"{name}.img")
    subprocess.run([os.path.join(ROOT, "scripts", "mkesp.sh"), esp,
                    os.path.join(BUILD, "BOOTX64.EFI"), os.path.join(BUILD, "kernel.elf"),
                    os.path.join(BUILD, "initrd.tar"), cmdline_file],
                   check=True, stdout=subprocess.DEVNULL)
    return esp


def boot(esp, mem, timeout):
    """Boots once; returns (figures as (name, value, unit) list, serial text, ok)."""
    fd, log = tempfile.mkstemp(prefix="nyanos-bench-", suffix=".log", dir=OUT)
    os.close(fd)
    env = dict(os.environ, BOOT="uefi", ESP=esp, MEM=mem, HEADLESS="1",
               SERIAL=f"file:{log}", QEMU_EXTRA=ICOUNT)
    # Its own process group, so a timeout ends QEMU too (qemu.sh does not exec it).
    proc = subprocess.Popen([os.path.join(ROOT, "scripts", "qemu.sh")], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        sys.stderr.write(f"bench: no power-off after {timeout} s; stopping QEMU\n")
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
    with open(log, errors="replace") as f:
        text = f.read()
    os.unlink(log)
    figures = []
    for raw in text.splitlines():
        m = LINE.match(raw.strip())
        if m:
            figures.append((m.group(1), int(m.group(2)), m.group(3)))
    ok = "init exited: 0" in text
    return figures, text, ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="boots of the figures run (spread)")
    ap.add_argument("--no-procs", action="store_true", help="skip the 128 MiB process count")
    ap.add_argument("--timeout", type=int, default=300)
    args = ap.parse_args()

    print(f"# NyanOS benchmarks: scripts/qemu.sh BOOT=uefi QEMU_EXTRA='{ICOUNT}' "
          "(TCG, q35, -cpu max); ticks = TSC = guest instructions")
    all_ok = True
    runs = []
    esp = make_esp("init=/bin/bench", "figures")
    for i in range(max(1, args.repeat)):
        figures, text, ok = boot(esp, "512M", args.timeout)
        if not ok:
            all_ok = False
            sys.stderr.write("bench: the figures boot did not end with 'init exited: 0'\n")
            sys.stderr.write("\n".join(text.splitlines()[-15:]) + "\n")
        runs.append(figures)
        if i == 0:
            for name, value, unit in figures:
                print(f"bench: {name} {value} {unit}", flush=True)
    if not args.no_procs:
        esp = make_esp("init=/bin/bench -- procs", "procs")
        figures, text, ok = boot(esp, "128M", args.timeout)
        for name, value, unit in figures:
            print(f"bench: {name} {value} {unit}", flush=True)
        if not ok:
            all_ok = False
            sys.stderr.write("bench: the procs boot did not end with 'init exited: 0'\n")
            sys.stderr.write("\n".join(text.splitlines()[-15:]) + "\n")
    if len(runs) > 1:
        by_name = {}
        for figures in runs:
            for name, value, _ in figures:
                by_name.setdefault(name, []).append(value)
        for name, values in by_name.items():
            lo, hi = min(values), max(values)
            spread = (hi - lo) / hi * 100 if hi else 0.0
            print(f"# spread {name}: {lo}..{hi} ({spread:.2f}% over {len(values)} runs)")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
