#!/usr/bin/env python3
"""`make bench`: boots NyanOS under QEMU with `-icount shift=0` (guest time
counts instructions) and /bin/bench as init, and prints every
`bench: NAME VALUE UNIT` line the guest prints.

The boots:
- the figures (MEM=512M, one CPU) and the process count (MEM=128M,
  `bench procs`), under icount; the figures once more with `kpti=on`
  (printed as NAME_kpti);
- the shootdown costs (`bench shootdown`, 4 CPUs, under icount);
- the Linux personality's figures (one CPU, `norandmaps`, under icount):
  busybox's shell as init runs scripts/linux-bench-guest.sh, staged in a
  copy of the ramdisk as /bench/linux.sh, which times /bin/linux-bench's
  workloads with /bin/linux-timeit (the same programs and script give
  Linux 6.1's figures: docs/benchmarks.md);
- the wall-clock cost of page-table isolation (`bench kpti-wall`):
  WITHOUT icount, one CPU, booted with kpti=off and kpti=on in turn
  (--kpti-wall-runs pairs); each pair gives the kpti=on over kpti=off ratio
  of the null system call and of the yield switch, and the medians are
  `kpti_wall_ratio_null` and `kpti_wall_ratio_yield`. Under icount a CR3
  write is one instruction; here the TLB refills it causes (QEMU's software
  TLB is flushed by every CR3 write, as a CPU without PCIDs flushes its
  own) show. Host load moves these figures too;
- spawn scaling (`bench spawn-rate K`): WITHOUT icount, on QEMU's
  multi-threaded TCG (one host thread per guest CPU), so guest time follows
  host time. Boots -smp 1 and -smp 2 in turn, --scaling-runs times each;
  each pair gives a ratio (2-CPU throughput over 1-CPU throughput) and the
  median ratio is `spawn_scaling_2cpu`, printed with the range of the runs.
  Host load moves these figures: they are wall-clock measurements.

--repeat N boots the figures N times and prints, after the lines of the
first run, the largest relative spread of each figure across runs (how
stable icount is here). Python stdlib only.

Exit status: 0 if every boot ended with `init exited: 0`."""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
OUT = os.path.join(BUILD, "bench")
LINE = re.compile(r"^bench: (\S+) (-?\d+) (\S+)\s*$")
ICOUNT = "-icount shift=0"
MTTCG = "tcg,thread=multi"


# Words put before every boot's command line (--cmdline), e.g.
# "mitigations=off" to measure what the speculation mitigations cost.
EXTRA_CMDLINE = ""


def make_esp(cmdline, name, initrd=None):
    if EXTRA_CMDLINE:
        cmdline = f"{EXTRA_CMDLINE} {cmdline}"
    os.makedirs(OUT, exist_ok=True)
    cmdline_file = os.path.join(OUT, f"{name}.cmdline.txt")
    with open(cmdline_file, "w") as f:
        f.write(cmdline + "\n")
    esp = os.path.join(OUT, f"{name}.img")
    subprocess.run([os.path.join(ROOT, "scripts", "mkesp.sh"), esp,
                    os.path.join(BUILD, "BOOTX64.EFI"), os.path.join(BUILD, "kernel.elf"),
                    initrd or os.path.join(BUILD, "initrd.tar"), cmdline_file],
                   check=True, stdout=subprocess.DEVNULL)
    return esp


def linux_initrd():
    """The build's ramdisk plus scripts/linux-bench-guest.sh as
    /bench/linux.sh, written by scripts/mkinitrd.py like the original (file
    data on 4 KiB boundaries, so programs' read-only pages are shared as in
    every other boot)."""
    stage = os.path.join(OUT, "linux-initrd-root")
    shutil.rmtree(stage, ignore_errors=True)
    os.makedirs(os.path.join(stage, "bench"))
    subprocess.run(["tar", "-xf", os.path.join(BUILD, "initrd.tar"), "-C", stage], check=True)
    shutil.copy(os.path.join(ROOT, "scripts", "linux-bench-guest.sh"),
                os.path.join(stage, "bench", "linux.sh"))
    names = []
    for top, dirs, files in os.walk(stage):
        for n in dirs + files:
            names.append(os.path.relpath(os.path.join(top, n), stage))
    list_file = os.path.join(OUT, "linux-initrd.list")
    with open(list_file, "w") as f:
        f.write("".join(n + "\n" for n in sorted(names)))
    out = os.path.join(OUT, "linux-initrd.tar")
    subprocess.run([os.path.join(ROOT, "scripts", "mkinitrd.py"), out, stage, list_file],
                   check=True)
    return out


def boot(esp, mem, timeout, smp=1, extra=ICOUNT, accel="tcg"):
    """Boots once; returns (figures as (name, value, unit) list, serial text, ok)."""
    fd, log = tempfile.mkstemp(prefix="nyanos-bench-", suffix=".log", dir=OUT)
    os.close(fd)
    env = dict(os.environ, BOOT="uefi", ESP=esp, MEM=mem, HEADLESS="1",
               SERIAL=f"file:{log}", QEMU_EXTRA=extra, SMP=str(smp), ACCEL=accel)
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


def report_failure(what, text):
    sys.stderr.write(f"bench: the {what} boot did not end with 'init exited: 0'\n")
    sys.stderr.write("\n".join(text.splitlines()[-15:]) + "\n")


def median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def spawn_scaling(runs, per_cpu, timeout):
    """-smp 1 and -smp 2 in turn, without icount; returns ok."""
    esp = make_esp(f"init=/bin/bench -- spawn-rate {per_cpu}", "spawn-rate")
    rates = {1: [], 2: []}
    ratios = []
    all_ok = True
    for _ in range(runs):
        pair = {}
        for smp in (1, 2):
            figures, text, ok = boot(esp, "512M", timeout, smp=smp, extra="", accel=MTTCG)
            values = {name: value for name, value, _ in figures}
            if not ok or "spawn_rate" not in values:
                all_ok = False
                report_failure(f"spawn-rate -smp {smp}", text)
                continue
            if values.get("spawn_rate_cpus") != smp or values.get("spawn_rate_cpus_used") != smp:
                sys.stderr.write(f"bench: spawn-rate -smp {smp}: {values.get('spawn_rate_cpus')} "
                                 f"CPUs online, workers ran on {values.get('spawn_rate_cpus_used')}\n")
            pair[smp] = values["spawn_rate"]
            rates[smp].append(values["spawn_rate"])
        if len(pair) == 2 and pair[1]:
            ratios.append(pair[2] / pair[1])
    for smp in (1, 2):
        if rates[smp]:
            print(f"bench: spawn_rate_{smp}cpu {median(rates[smp])} ops/s "
                  f"(median of {len(rates[smp])}; runs {min(rates[smp])}..{max(rates[smp])})",
                  flush=True)
    if ratios:
        print(f"bench: spawn_scaling_2cpu {median(ratios):.2f} ratio (median of {len(ratios)}; "
              f"runs {min(ratios):.2f}..{max(ratios):.2f})", flush=True)
    return all_ok and len(ratios) == runs


def kpti_wall(runs, timeout):
    """kpti=off and kpti=on in turn, without icount; returns ok."""
    esps = {cfg: make_esp(f"kpti={cfg} init=/bin/bench -- kpti-wall", f"kpti-wall-{cfg}")
            for cfg in ("off", "on")}
    ratios = {"null_syscall": [], "yield_switch_oneway": []}
    ticks = {(name, cfg): [] for name in ratios for cfg in ("off", "on")}
    all_ok = True
    for _ in range(runs):
        pair = {}
        for cfg in ("off", "on"):
            figures, text, ok = boot(esps[cfg], "512M", timeout, extra="")
            if not ok:
                all_ok = False
                report_failure(f"kpti-wall kpti={cfg}", text)
                continue
            pair[cfg] = {name: value for name, value, _ in figures}
        if len(pair) != 2:
            continue
        for name in ratios:
            off, on = pair["off"].get(name), pair["on"].get(name)
            if off and on:
                ratios[name].append(on / off)
                ticks[(name, "off")].append(off)
                ticks[(name, "on")].append(on)
    # The TSC ticks behind the ratios (host time at the guest's TSC rate).
    for (name, cfg), values in ticks.items():
        if values:
            print(f"bench: kpti_wall_{name}_kpti_{cfg} {median(values)} ticks", flush=True)
    for name, short in (("null_syscall", "null"), ("yield_switch_oneway", "yield")):
        values = ratios[name]
        if values:
            print(f"bench: kpti_wall_ratio_{short} {median(values):.2f} ratio (median of "
                  f"{len(values)}; runs {min(values):.2f}..{max(values):.2f})", flush=True)
        else:
            all_ok = False
    return all_ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="boots of the figures run (spread)")
    ap.add_argument("--no-figures", action="store_true", help="skip the one-CPU figures")
    ap.add_argument("--no-kpti", action="store_true",
                    help="skip the one-CPU figures with kpti=on (NAME_kpti)")
    ap.add_argument("--no-kpti-wall", action="store_true",
                    help="skip the wall-clock kpti=on over kpti=off ratios (no icount)")
    ap.add_argument("--kpti-wall-runs", type=int, default=3,
                    help="kpti=off/kpti=on boot pairs for the wall-clock ratios")
    ap.add_argument("--no-procs", action="store_true", help="skip the 128 MiB process count")
    ap.add_argument("--no-shootdown", action="store_true", help="skip the 4-CPU shootdown costs")
    ap.add_argument("--no-linux", action="store_true", help="skip the Linux personality's figures")
    ap.add_argument("--no-scaling", action="store_true", help="skip spawn scaling (-smp 1 vs 2)")
    ap.add_argument("--scaling-runs", type=int, default=5, help="boots of each CPU count")
    ap.add_argument("--spawn-per-cpu", type=int, default=10000,
                    help="spawns per worker in the scaling boots")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--cmdline", default="",
                    help="kernel command-line words added to every boot (e.g. mitigations=off)")
    args = ap.parse_args()
    global EXTRA_CMDLINE
    EXTRA_CMDLINE = args.cmdline

    print(f"# NyanOS benchmarks: scripts/qemu.sh BOOT=uefi QEMU_EXTRA='{ICOUNT}' "
          "(TCG, q35, -cpu max); ticks = TSC = guest instructions")
    all_ok = True
    runs = []
    esp = make_esp("init=/bin/bench", "figures")
    for i in range(0 if args.no_figures else max(1, args.repeat)):
        figures, text, ok = boot(esp, "512M", args.timeout)
        if not ok:
            all_ok = False
            report_failure("figures", text)
        runs.append(figures)
        if i == 0:
            for name, value, unit in figures:
                print(f"bench: {name} {value} {unit}", flush=True)
    if not args.no_kpti:
        # The same figures with page-table isolation forced on (QEMU's CPU
        # reports no Meltdown, so `auto` leaves it off): each system call,
        # interrupt and exception from user mode then writes CR3 twice.
        esp = make_esp("kpti=on init=/bin/bench", "figures-kpti")
        figures, text, ok = boot(esp, "512M", args.timeout)
        if not ok:
            all_ok = False
            report_failure("figures with kpti=on", text)
        for name, value, unit in figures:
            if name != "tsc_hz":
                print(f"bench: {name}_kpti {value} {unit}", flush=True)
    if not args.no_kpti_wall:
        print("# kpti wall-clock ratios: no icount, one CPU, kpti=off and kpti=on in turn",
              flush=True)
        if not kpti_wall(max(1, args.kpti_wall_runs), args.timeout):
            all_ok = False
    if not args.no_procs:
        esp = make_esp("init=/bin/bench -- procs", "procs")
        figures, text, ok = boot(esp, "128M", args.timeout)
        for name, value, unit in figures:
            print(f"bench: {name} {value} {unit}", flush=True)
        if not ok:
            all_ok = False
            report_failure("procs", text)
    if not args.no_shootdown:
        esp = make_esp("init=/bin/bench -- shootdown", "shootdown")
        # OVMF alone takes over a minute with 4 CPUs under icount.
        figures, text, ok = boot(esp, "512M", max(args.timeout, 900), smp=4)
        for name, value, unit in figures:
            if name.startswith("shootdown_"):  # not tsc_hz and done again
                print(f"bench: {name} {value} {unit}", flush=True)
        if not ok:
            all_ok = False
            report_failure("shootdown (-smp 4)", text)
    if not args.no_linux:
        esp = make_esp("norandmaps init=/bin/sh -- /bench/linux.sh", "linux", linux_initrd())
        figures, text, ok = boot(esp, "512M", max(args.timeout, 900))
        for name, value, unit in figures:
            print(f"bench: {name} {value} {unit}", flush=True)
        if not ok:
            all_ok = False
            report_failure("linux (/bench/linux.sh)", text)
    if not args.no_scaling:
        print(f"# spawn scaling: ACCEL={MTTCG}, no icount (guest TSC follows host time), "
              f"-smp 1 and -smp 2 in turn", flush=True)
        if not spawn_scaling(max(1, args.scaling_runs), args.spawn_per_cpu, args.timeout):
            all_ok = False
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
