#!/bin/sh
# Runs the shell and /bin programs under nyan-emu (Linux + ptrace) and checks
# their output. Usage: emu_smoke.sh NYAN_EMU ROOT. Prints "N passed, N failed".
emu=$1
root=$2
pass=0
fail=0

# check NAME EXPECTED_REGEX INPUT PROGRAM [ARG...]: runs PROGRAM with INPUT on
# stdin and expects EXPECTED_REGEX (grep -E) in its output.
check() {
    name=$1 want=$2 input=$3
    shift 3
    out=$(printf "$input" | timeout 20 "$emu" "$root" "$@" 2>&1)
    if printf '%s\n' "$out" | grep -Eq -- "$want"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $name: expected /$want/ in:"
        printf '%s\n' "$out" | sed 's/^/    /'
    fi
}

check hello 'argv\[2\]=b c' '' /bin/hello a 'b c'
check cxx 'cxxtest ok' '' /bin/cxxtest
check isolation 'isolation ok 7' '' /bin/isolation-probe 7 3 1
check cycles 'cycles 5 leaked=0' '' /bin/cycles 5
check badexec 'error ENOENT' '' /bin/badexec /bin/nope
check sh-prompt '^NyanOS> ' 'exit\n' /bin/nyansh
check sh-hi "Hi! I'm NyanOS =\\^\\.\\^=" 'hi\n' /bin/nyansh
check sh-quotes 'a  b c' 'echo "a  b" c\n' /bin/nyansh
check sh-program 'argv\[1\]=x' 'hello x\n' /bin/nyansh
check sh-status 'exit status 3' 'exit-with 3\n' /bin/nyansh
check sh-segv 'killed: SIGSEGV \(signal 11\)' 'fault null\n' /bin/nyansh
check sh-sigill 'killed: SIGILL \(signal 4\)' 'fault ud2\n' /bin/nyansh
check sh-sigfpe 'killed: SIGFPE \(signal 8\)' 'fault div0\n' /bin/nyansh
check sh-notfound 'nyansh: nosuch: command not found' 'nosuch\n' /bin/nyansh
check sh-meminfo 'free_frames=[0-9]+' 'meminfo\n' /bin/nyansh
check sh-background '\[[0-9]+\] done status 0' 'true &\nwait\n' /bin/nyansh
check sh-backspace "Hi! I'm" 'x\177hi\n' /bin/nyansh
check sh-ctrl-c '\^C' 'abc\003exit\n' /bin/nyansh
check sh-ls 'isolation-probe' 'ls /bin\n' /bin/nyansh

# History: the up arrow brings "hi" back, so the greeting appears twice.
n=$(printf 'hi\n\033[A\n' | timeout 20 "$emu" "$root" /bin/nyansh 2>&1 | grep -c "Hi! I'm")
if [ "$n" = 2 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: history ($n)"; fi

# Exit statuses.
printf 'exit 3\n' | timeout 20 "$emu" "$root" /bin/nyansh >/dev/null 2>&1
if [ $? = 3 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: exit 3"; fi
timeout 20 "$emu" "$root" /bin/nyansh -c 'exit-with 9' >/dev/null 2>&1
if [ $? = 9 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: sh -c"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
