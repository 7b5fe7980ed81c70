#!/usr/bin/env python3
"""The QEMU integration harness (Python standard library only).

It boots images headless with a timeout, talks to COM1 through a pipe,
checks expectations and reports one line per test, then a summary line
`qemu: N passed, N failed`.

Declaring tests: every test/qemu/cases/*.py module defines
    TESTS = [Test(...), ...]
and may define
    SUITE_CHECKS = [("name", fn)]   # fn(results: dict name -> Result) -> error str or None
which run after all tests and count as tests themselves (e.g. comparing the
layout line across boot paths).

A Test boots one QEMU and runs its `steps` against the serial output:
    ("expect", r"regex")     wait for the regex (searched after the previous match)
    ("send", "text")         write text to COM1 (the guest's serial input)
    ("screendump", "name")   save the framebuffer to <logdir>/<test>-<name>.ppm
    ("monitor", cmd|[cmds])  run QEMU monitor (HMP) commands, e.g. sendkey
                             (keys.sendkeys("text") builds sendkey commands)
    ("monitor_output", cmd)  run one HMP command and keep what it printed in
                             result.monitor_outputs (a list, in step order)
    ("sleep", seconds)
`expect=[...]` is shorthand for a list of ("expect", regex) steps. When the
steps are done the harness either waits for QEMU to exit (`exit_code=N`, the
isa-debug-exit status: init exiting with S gives (S << 1) | 1) or stops it.
`check=fn(result)` may add a final check; it returns an error string or None.

Images: tests with a non-default command line or INITRD_EXTRA get their own
ESP/ISO under build/test-images/ (built with scripts/mkesp.sh and
scripts/mkiso.sh from the already built kernel, stub, loader and ramdisk).

Environment: QEMU_TESTS=regex selects tests by name; MATRIX=1 includes tests
declared with matrix_only=True (`make test-matrix`); JOBS=N parallel boots.
"""

import concurrent.futures
import dataclasses
import hashlib
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from typing import Callable, Optional

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
LOGDIR = os.path.join(BUILD, "test-logs")
IMAGES = os.path.join(BUILD, "test-images")


@dataclasses.dataclass
class Test:
    name: str
    boot: str = "uefi"  # uefi, grub-bios, grub-efi
    cmdline: str = ""
    mem: str = "512M"
    machine: str = "q35"
    cpu: str = "max"
    smp: int = 1
    expect: list = dataclasses.field(default_factory=list)
    steps: list = dataclasses.field(default_factory=list)
    exit_code: Optional[int] = None  # wait for QEMU to exit with this code
    timeout: float = 90.0
    serial: bool = True  # False: -serial none (output only on the framebuffer)
    debug_exit: bool = True  # False: no isa-debug-exit device, like real hardware
    monitor: bool = False  # an HMP monitor socket (needed for screendump)
    initrd_extra: Optional[str] = None  # a directory added to the ramdisk
    qemu_extra: list = dataclasses.field(default_factory=list)
    check: Optional[Callable] = None
    matrix_only: bool = False


# The shell's prompt, and the steps that run one shell command over COM1:
# send it, wait for each expected regex, then for the next prompt.
SHELL_PROMPT = r"NyanOS> "


def shell_command(command: str, *expect: str) -> list:
    steps = [("send", command + "\r")]
    steps += [("expect", e) for e in expect]
    steps.append(("expect", SHELL_PROMPT))
    return steps


@dataclasses.dataclass
class Result:
    test: Test
    ok: bool
    reason: str
    output: str  # everything COM1 printed
    exit_code: Optional[int]
    seconds: float
    logdir: str = LOGDIR
    matches: dict = dataclasses.field(default_factory=dict)  # regex -> match object
    monitor_outputs: list = dataclasses.field(default_factory=list)  # "monitor_output" steps


def _image_dir(test: Test) -> str:
    key = f"{test.cmdline}\0{test.initrd_extra or ''}".encode()
    return os.path.join(IMAGES, hashlib.sha1(key).hexdigest()[:12])


_image_lock = threading.Lock()
_built: dict = {}


def _initrd_for(test: Test, out_dir: str) -> str:
    base = os.path.join(BUILD, "initrd.tar")
    if not test.initrd_extra:
        return base
    out = os.path.join(out_dir, "initrd.tar")
    staging = os.path.join(out_dir, "initrd-root")
    shutil.rmtree(staging, ignore_errors=True)
    os.makedirs(staging)
    subprocess.run(["tar", "-xf", base, "-C", staging], check=True)
    subprocess.run(["cp", "-a", os.path.join(test.initrd_extra, "."), staging], check=True)
    names = sorted(os.listdir(staging))
    subprocess.run(["tar", "--format=ustar", "--owner=0", "--group=0", "--numeric-owner",
                    "--mtime=@0", "--sort=name", "-cf", out, "-C", staging] + names, check=True)
    return out


def image_for(test: Test) -> dict:
    """Returns {'ESP': path} or {'ISO': path} for QEMU, building it once."""
    if not test.cmdline and not test.initrd_extra:
        return {"ESP": os.path.join(BUILD, "esp.img"), "ISO": os.path.join(BUILD, "nyanos.iso")}
    out_dir = _image_dir(test)
    kind = "ESP" if test.boot == "uefi" else "ISO"
    with _image_lock:
        key = (out_dir, kind)
        if key in _built:
            return _built[key]
        os.makedirs(out_dir, exist_ok=True)
        initrd = _initrd_for(test, out_dir) if ("initrd", out_dir) not in _built else _built[("initrd", out_dir)]
        _built[("initrd", out_dir)] = initrd
        if kind == "ESP":
            cmdline_file = os.path.join(out_dir, "cmdline.txt")
            with open(cmdline_file, "w") as f:
                f.write(test.cmdline + "\n")
            path = os.path.join(out_dir, "esp.img")
            subprocess.run([os.path.join(ROOT, "scripts", "mkesp.sh"), path,
                            os.path.join(BUILD, "BOOTX64.EFI"), os.path.join(BUILD, "kernel.elf"),
                            initrd, cmdline_file], check=True, stdout=subprocess.DEVNULL)
        else:
            path = os.path.join(out_dir, "nyanos.iso")
            subprocess.run([os.path.join(ROOT, "scripts", "mkiso.sh"), path, test.cmdline, initrd],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _built[key] = {kind: path}
        return _built[key]


class Serial:
    """Collects QEMU's stdout (COM1) in a thread; lets steps wait on it."""

    def __init__(self, stream):
        self.buffer = b""
        self.cond = threading.Condition()
        self.closed = False
        self.thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self.thread.start()

    def _pump(self, stream):
        while True:
            chunk = stream.read1(4096) if hasattr(stream, "read1") else stream.read(4096)
            with self.cond:
                if not chunk:
                    self.closed = True
                    self.cond.notify_all()
                    return
                self.buffer += chunk
                self.cond.notify_all()

    def text(self) -> str:
        with self.cond:
            return self.buffer.decode("utf-8", "replace")

    def wait_for(self, regex: str, start: int, deadline: float):
        pattern = re.compile(regex.encode() if isinstance(regex, str) else regex, re.M)
        with self.cond:
            settled_at = None
            while True:
                m = pattern.search(self.buffer, start)
                if m:
                    # A match that ends where the output ends may be cut
                    # short (a number still being printed): give the guest a
                    # moment to finish the line, then match again.
                    if m.end() < len(self.buffer) or self.closed:
                        return m
                    now = time.monotonic()
                    if settled_at is None:
                        settled_at = now + 0.15
                    if now >= settled_at:
                        return m
                    self.cond.wait(settled_at - now)
                    continue
                if self.closed:
                    return None
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.cond.wait(min(remaining, 0.5))


def _connect_monitor(sock_path: str, deadline: float) -> socket.socket:
    """Connects to QEMU's monitor socket, waiting for it until `deadline`."""
    while time.monotonic() < deadline:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(sock_path)
            s.settimeout(10)
            return s
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("monitor socket never appeared")


def _monitor_command(sock_path: str, command, deadline: float) -> None:
    """Runs one HMP command, or a list of them over one connection."""
    commands = [command] if isinstance(command, str) else list(command)
    s = _connect_monitor(sock_path, deadline)
    s.recv(4096)  # banner and prompt
    for i, command in enumerate(commands):
        s.sendall(command.encode() + b"\n")
        # A short pause between commands (sendkey presses need it to be seen
        # as separate keys); the last one gets time to finish.
        time.sleep(0.5 if i == len(commands) - 1 else 0.05)
    try:
        s.recv(4096)
    except socket.timeout:
        pass
    s.close()


def _monitor_output(sock_path: str, command: str, deadline: float) -> str:
    """Runs one HMP command and returns what it printed (up to the next prompt)."""
    s = _connect_monitor(sock_path, deadline)
    data = b""
    while b"(qemu) " not in data:  # the banner and the first prompt
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.sendall(command.encode() + b"\n")
    data = b""
    try:
        while b"(qemu) " not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    s.close()
    return data.decode(errors="replace").replace("\r", "")


def run_test(test: Test) -> Result:
    os.makedirs(LOGDIR, exist_ok=True)
    start = time.monotonic()
    deadline = start + test.timeout
    env = dict(os.environ)
    env.update(BOOT=test.boot, MEM=test.mem, SMP=str(test.smp), MACHINE=test.machine,
               CPU=test.cpu, HEADLESS="1", SERIAL="stdio" if test.serial else "none",
               DEBUG_EXIT="1" if test.debug_exit else "0", QEMU_EXTRA="")
    env.pop("DISPLAY", None)
    monitor_path = None
    if test.monitor:
        monitor_path = f"/tmp/nyanos-mon-{os.getpid()}-{re.sub(r'[^A-Za-z0-9]', '_', test.name)}"
        env["MONITOR"] = monitor_path
    try:
        env.update(image_for(test))
    except (subprocess.CalledProcessError, OSError) as e:
        return Result(test, False, f"cannot build the image: {e}", "", None, 0.0)

    proc = subprocess.Popen([os.path.join(ROOT, "scripts", "qemu.sh")] + test.qemu_extra,
                            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    serial = Serial(proc.stdout)
    reason = ""
    matches = {}
    monitor_outputs = []
    position = 0
    steps = [("expect", e) for e in test.expect] + list(test.steps)
    try:
        for kind, arg in steps:
            if kind == "expect":
                m = serial.wait_for(arg, position, deadline)
                if not m:
                    why = "QEMU exited" if serial.closed else "timed out"
                    reason = f"{why} waiting for /{arg}/"
                    break
                matches[arg] = m
                position = m.end()
            elif kind == "send":
                proc.stdin.write(arg.encode() if isinstance(arg, str) else arg)
                proc.stdin.flush()
            elif kind == "sleep":
                time.sleep(arg)
            elif kind == "monitor":
                # HMP command(s), e.g. ["sendkey h", "sendkey i", "sendkey ret"]
                _monitor_command(monitor_path, arg, deadline)
            elif kind == "monitor_output":
                monitor_outputs.append(_monitor_output(monitor_path, arg, deadline))
            elif kind == "screendump":
                path = os.path.join(LOGDIR, f"{test.name}-{arg}.ppm")
                if os.path.exists(path):
                    os.remove(path)
                _monitor_command(monitor_path, f"screendump {path}", deadline)
                for _ in range(50):
                    if os.path.exists(path) and os.path.getsize(path) > 0:
                        break
                    time.sleep(0.1)
            else:
                reason = f"unknown step {kind}"
                break
        exit_code = None
        if not reason and test.exit_code is not None:
            try:
                exit_code = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                reason = f"QEMU did not exit within {test.timeout}s"
            else:
                if exit_code != test.exit_code:
                    reason = f"QEMU exit code {exit_code}, expected {test.exit_code}"
    except (BrokenPipeError, RuntimeError, OSError) as e:
        reason = f"harness error: {e}"
        exit_code = None
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, 9)
            except ProcessLookupError:
                pass
        proc.wait()
        serial.thread.join(timeout=5)
        if monitor_path and os.path.exists(monitor_path):
            os.remove(monitor_path)

    output = serial.text()
    result = Result(test, not reason, reason, output, exit_code, time.monotonic() - start,
                    matches=matches, monitor_outputs=monitor_outputs)
    if result.ok and test.check:
        try:
            err = test.check(result)
        except Exception as e:  # a broken check is a failed test, not a crash
            err = f"check raised {type(e).__name__}: {e}"
        if err:
            result.ok = False
            result.reason = err
    with open(os.path.join(LOGDIR, f"{test.name}.log"), "w") as f:
        f.write(output)
    return result


def load_cases():
    tests, checks = [], []
    case_dir = os.path.join(os.path.dirname(__file__), "cases")
    for fname in sorted(os.listdir(case_dir)):
        if not fname.endswith(".py"):
            continue
        spec = importlib.util.spec_from_file_location(f"cases.{fname[:-3]}",
                                                      os.path.join(case_dir, fname))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        tests += getattr(module, "TESTS", [])
        checks += getattr(module, "SUITE_CHECKS", [])
    return tests, checks


def main() -> int:
    sys.path.insert(0, os.path.dirname(__file__))
    tests, checks = load_cases()
    selected = os.environ.get("QEMU_TESTS")
    matrix = os.environ.get("MATRIX") == "1"
    tests = [t for t in tests if (matrix or not t.matrix_only)
             and (not selected or re.search(selected, t.name))]
    names = [t.name for t in tests]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        print(f"qemu: duplicate test names: {sorted(dupes)}")
        return 2
    jobs = int(os.environ.get("JOBS", str(max(1, os.cpu_count() or 1))))
    passed = failed = 0
    results = {}
    # Longest first, so the slow boots do not end up alone at the tail.
    tests.sort(key=lambda t: -t.timeout)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run_test, t): t for t in tests}
        for future in concurrent.futures.as_completed(futures):
            r = future.result()
            results[r.test.name] = r
            if r.ok:
                passed += 1
                print(f"ok - qemu: {r.test.name} ({r.seconds:.1f}s)", flush=True)
            else:
                failed += 1
                print(f"not ok - qemu: {r.test.name}: {r.reason} ({r.seconds:.1f}s)", flush=True)
                tail = r.output.strip().splitlines()[-15:]
                for line in tail:
                    print(f"    | {line}", flush=True)
                print(f"    (full log: {os.path.join(LOGDIR, r.test.name + '.log')})", flush=True)
    for name, fn in checks:
        if selected and not re.search(selected, name):
            continue
        try:
            err = fn(results)
        except Exception as e:
            err = f"raised {type(e).__name__}: {e}"
        if err:
            failed += 1
            print(f"not ok - qemu: {name}: {err}", flush=True)
        else:
            passed += 1
            print(f"ok - qemu: {name}", flush=True)
    print(f"qemu: {passed} passed, {failed} failed", flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
