"""Issue 6 item 7: a user's own program, compiled with scripts/nyan-cc at test
time, added to the ramdisk with INITRD_EXTRA and run as init= with arguments.

The C program (test/qemu/data/sdk/sdk-demo.c) prints its argv and a computed
value, starts the C++ program (sdk-demo-cxx.cpp, also built by nyan-cc) and
waits for it, then exits with the status given on the command line; the kernel
prints `init exited: S` and isa-debug-exit reports (S << 1) | 1.

Compilation happens when this module loads (a second or two). If nyan-cc fails,
the suite check `sdk-nyan-cc-compiles` fails with the compiler's output and the
boot test fails too (its program is missing), so it cannot pass silently."""
import os
import subprocess

from harness import BUILD, ROOT, Test

SOURCES = os.path.join(ROOT, "test", "qemu", "data", "sdk")
EXTRA = os.path.join(BUILD, "test-sdk")
STATUS = 42
N = 100000
WORDS = ["hello", "nyan-cc", "world"]


def _sum_primes_below(n):
    sieve = bytearray([1]) * n
    sieve[0:2] = b"\0\0"
    for i in range(2, int(n ** 0.5) + 1):
        if sieve[i]:
            sieve[i * i::i] = bytearray(len(range(i * i, n, i)))
    return sum(i for i in range(n) if sieve[i])


def _compile():
    """Builds EXTRA/bin/{sdk-demo,sdk-demo-cxx} with nyan-cc; returns an error or None."""
    bin_dir = os.path.join(EXTRA, "bin")
    os.makedirs(bin_dir, exist_ok=True)
    env = dict(os.environ)
    if os.path.realpath(BUILD) != os.path.realpath(os.path.join(ROOT, "build")):
        # A private build directory: nyan-cc's own step builds the SDK in
        # ROOT/build only, so build it in BUILD and point nyan-cc there.
        sdk = os.path.join(BUILD, "user")
        r = subprocess.run(["make", "-s", f"BUILD={BUILD}", os.path.join(sdk, "libnyan.a"),
                            os.path.join(sdk, "crt0.o")], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if r.returncode != 0:
            return f"building the SDK in {sdk} failed:\n{r.stdout.decode(errors='replace')}"
        env.update(NYAN_SDK_DIR=sdk, NYAN_CC_NO_SDK_BUILD="1")
    for source, program in (("sdk-demo.c", "sdk-demo"), ("sdk-demo-cxx.cpp", "sdk-demo-cxx")):
        out = os.path.join(bin_dir, program)
        if os.path.exists(out):
            os.remove(out)  # never boot a stale binary
        cmd = [os.path.join(ROOT, "scripts", "nyan-cc"), "-O2", "-Wall", "-Wextra", "-Werror",
               os.path.join(SOURCES, source), "-o", out]
        r = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if r.returncode != 0 or not os.path.exists(out):
            return f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout.decode(errors='replace')}"
    return None


COMPILE_ERROR = _compile()
if COMPILE_ERROR:
    print(f"sdk.py: nyan-cc failed:\n{COMPILE_ERROR}", flush=True)

ARGS = [str(STATUS), str(N)] + WORDS
ARGV = ["/bin/sdk-demo"] + ARGS
EXPECT = [rf"sdk-demo: argc={len(ARGV)}\r?\n"]
EXPECT += [rf"sdk-demo: argv\[{i}\]={a}\r?\n" for i, a in enumerate(ARGV)]
EXPECT += [
    rf"sdk-demo: primes below {N} sum to {_sum_primes_below(N)}\r?\n",
    r"sdk-demo-cxx: constructor=1234 legs=10 squares=55\r?\n",
    r"sdk-demo: sdk-demo-cxx exited 7\r?\n",
    rf"init exited: {STATUS}\r?\n",
]


def _no_errors(result):
    # The programs' own lines only (the firmware prints "failed" for boot options).
    for line in result.output.splitlines():
        if not line.startswith("sdk-demo"):
            continue
        for bad in ("usage:", "failed", "killed", "exec /bin/sdk-demo-cxx"):
            if bad in line:
                return f"unexpected {bad!r}: {line!r}"
    return None


TESTS = [
    Test(
        "sdk-nyan-cc-init-with-arguments",
        cmdline="init=/bin/sdk-demo -- " + " ".join(ARGS),
        initrd_extra=EXTRA,
        expect=EXPECT,
        exit_code=(STATUS << 1) | 1,
        check=_no_errors,
    ),
]

SUITE_CHECKS = [("sdk-nyan-cc-compiles", lambda results: COMPILE_ERROR)]
