# Busybox's shell and applets under the Linux personality: each check
# prints "ok NAME" or "FAIL NAME: got ...", and the script exits with the
# number of failures (init exited: N).
failed=0
check() {  # NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then echo "ok $1"; else echo "FAIL $1: got [$3], expected [$2]"; failed=$((failed + 1)); fi
}
check pipeline 3 "$(echo a b c | wc -w)"
check substitution "hi there" "$(echo "$(echo hi) there")"
sum=0
for i in $(seq 1 10); do sum=$((sum + i)); done
check for-seq 55 "$sum"
n=0
while [ $n -lt 5 ]; do n=$((n + 1)); done
check while 5 "$n"
check ls-bin busybox "$(ls /bin | grep -x busybox)"
check cat-file "#!/bin/sh" "$(cat /bin/busybox >/dev/null; echo '#!/bin/sh')"
check grep-count 2 "$(printf 'apple\nbanana\napricot\n' | grep -c '^a')"
check sed "hello world" "$(echo 'hello there' | sed 's/there/world/')"
check awk 15 "$(printf '1 2\n3 4\n5 0\n' | awk '{ s += $1 + $2 } END { print s }')"
check sort "a b c" "$(printf 'c\na\nb\n' | sort | tr '\n' ' ' | sed 's/ $//')"
check sort-n "2 10 33" "$(printf '33\n2\n10\n' | sort -n | tr '\n' ' ' | sed 's/ $//')"
check md5sum "d41d8cd98f00b204e9800998ecf8427e" "$(printf '' | md5sum | cut -d' ' -f1)"
check md5sum-hello "b1946ac92492d2347c6235b4d2611184" "$(echo hello | md5sum | cut -d' ' -f1)"
check head-tail "3" "$(seq 1 5 | head -3 | tail -1)"
false
check exit-false 1 "$?"
(exit 7)
check exit-subshell 7 "$?"
sh -c 'exit 9'
check exit-child 9 "$?"
check case "two" "$(x=2; case $x in 1) echo one;; 2) echo two;; esac)"
check heredoc "line2" "$(cat <<END | tail -1
line1
line2
END
)"
check expr 42 "$(expr 6 \* 7)"
check background "done" "$(sleep 0 & wait; echo done)"
check env-path "/proc/self/exe" "$(readlink /proc/self/exe >/dev/null && echo /proc/self/exe)"
check uname Linux "$(uname -s)"
# /proc's system files, as free, nproc and friends read them.
check meminfo-fields 3 "$(grep -cE '^(MemTotal|MemFree|MemAvailable): +[0-9]+ kB$' /proc/meminfo)"
check free-total "$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)" "$(free | awk '/^Mem:/ { print $2 }')"
check free-below-total ok "$(awk '/^MemTotal:/ { t = $2 } /^MemFree:/ { f = $2 } END { if (f > 0 && f <= t) print "ok" }' /proc/meminfo)"
check cpuinfo-cpus "$(nproc)" "$(grep -c '^processor' /proc/cpuinfo)"
check cpuinfo-mhz "$(nproc)" "$(grep -cE '^cpu MHz'"$(printf '\t\t')"': [1-9][0-9]*[.][0-9]{3}$' /proc/cpuinfo)"
check cpuinfo-bogomips "$(nproc)" "$(grep -cE '^bogomips'"$(printf '\t')"': [1-9][0-9]*[.][0-9]{2}$' /proc/cpuinfo)"
check stat-cpus "$(nproc)" "$(grep -c '^cpu[0-9]' /proc/stat)"
check stat-total ok "$(grep -qE '^cpu  [0-9]+( [0-9]+){9}$' /proc/stat && echo ok)"
check stat-counts ok "$(grep -cE '^(intr|ctxt|btime|processes|procs_running|procs_blocked|softirq) [0-9]+' /proc/stat | grep -qx 7 && awk '/^ctxt / { exit !($2 > 0) }' /proc/stat && echo ok)"
check uptime-format ok "$(grep -qE '^[0-9]+[.][0-9][0-9] [0-9]+[.][0-9][0-9]$' /proc/uptime && echo ok)"
check loadavg-format ok "$(grep -qE '^([0-9]+[.][0-9][0-9] ){3}[0-9]+/[0-9]+ [0-9]+$' /proc/loadavg && echo ok)"
check proc-version ok "$(grep -q "^Linux version $(uname -r) " /proc/version && echo ok)"
check proc-filesystems proc "$(awk '$1 == "nodev" && $2 == "proc" { print $2 }' /proc/filesystems)"
check proc-sys-kernel ok "$([ "$(cat /proc/sys/kernel/ostype /proc/sys/kernel/osrelease /proc/sys/kernel/version /proc/sys/kernel/hostname)" = "$(uname -s; uname -r; uname -v; uname -n)" ] && echo ok)"
check proc-pid-max ok "$(grep -qE '^[1-9][0-9]+$' /proc/sys/kernel/pid_max && echo ok)"
check mounts-proc proc "$(awk '$2 == "/proc" { print $3 }' /proc/mounts)"
# /proc/<pid>, as ps and top read it.
check proc-listed "$$" "$(ls /proc | grep -x "$$")"
check proc-stat-pid "$$" "$(cut -d' ' -f1 /proc/$$/stat)"
check proc-status-pid "$$" "$(awk '/^Pid:/ { print $2 }' /proc/$$/status)"
check proc-statm-size ok "$(awk 'FILENAME ~ /statm$/ { s = $1 * 4 } /^VmSize:/ { v = $2 } END { if (s > 0 && s == v) print "ok" }' /proc/self/statm /proc/self/status)"
check proc-status-vm ok "$(grep -cE '^(VmPeak|VmSize|VmRSS|RssAnon|VmData|VmStk|VmExe|VmPTE):'"$(printf '\t')"' +[0-9]+ kB$' /proc/self/status | grep -qx 8 && echo ok)"
check proc-cpus-list "$(n=$(nproc); [ "$n" = 1 ] && echo 0 || echo "0-$((n - 1))")" "$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status)"
check proc-limits ok "$(head -n 1 /proc/self/limits | grep -qE '^Limit +Soft Limit +Hard Limit +Units' && grep -qE '^Max open files +[0-9]+ +[0-9]+ +files' /proc/self/limits && [ "$(wc -l < /proc/self/limits)" = 17 ] && echo ok)"
check mountinfo-proc proc "$(awk '$5 == "/proc" && $7 == "-" { print $8 }' /proc/self/mountinfo)"
check proc-cmdline "/bin/busybox sh /test/busybox/check.sh" "$(tr '\0' ' ' < /proc/$$/cmdline | sed 's/ $//')"
check proc-exe /bin/busybox "$(readlink /proc/$$/exe)"
check proc-self-is-a-pid ok "$(readlink /proc/self | grep -qE '^[1-9][0-9]*$' && echo ok)"
check proc-cwd /bin "$(cd /bin && readlink /proc/self/cwd)"
check proc-cwd-follow busybox "$(cd /bin && ls /proc/self/cwd/ | grep -x busybox)"
check proc-environ "FOO=bar" "$(env -i FOO=bar cat /proc/self/environ | tr '\0' '\n')"
check proc-maps-stack ok "$(grep -qE '^[0-9a-f]+-[0-9a-f]+ rw-p 00000000 00:00 0 +\[stack\]$' /proc/self/maps && echo ok)"
check proc-maps-program ok "$(grep -qE ' r-xp [0-9a-f]{8} 00:01 [0-9]+ +/bin/busybox$' /proc/self/maps && echo ok)"
check dev-stdin hello "$(echo hello | cat /dev/stdin)"
check proc-fd-pipe ok "$(echo x | readlink /proc/self/fd/0 | grep -qE '^pipe:\[[0-9]+\]$' && echo ok)"
check proc-fd-file /bin/busybox "$(exec 7</bin/busybox; readlink /proc/self/fd/7)"
check proc-fd-list ok "$(exec 7</bin/busybox; ls /proc/self/fd | grep -qx 7 && echo ok)"
check statfs-root tmpfs "$(stat -f -c %T /)"
check statfs-proc proc "$(stat -f -c %T /proc/self)"
check mtab-proc proc "$(awk '$2 == "/proc" { print $3 }' /etc/mtab)"
check dev-tty-without-ctty no "$( (: </dev/tty) 2>/dev/null && echo yes || echo no)"
check ps-lists-shell ok "$(ps | awk -v p=$$ '$1 == p { print "ok" }')"
gone=$(sh -c 'echo $$')
check proc-gone ok "$([ ! -e /proc/$gone ] && echo ok)"
check proc-readonly refused "$( (echo x > /proc/meminfo) 2>/dev/null && echo wrote || echo refused)"
hostname kitten
check hostname-set kitten "$(uname -n)"
hostname nyanos
# The writable root: applets that create, change and remove files.
cd /tmp || failed=$((failed + 1))
echo hello > a
check write-read hello "$(cat a)"
echo more >> a
check append 2 "$(wc -l < a)"
cp a b && mv b c
check cp-mv "a c" "$(ls | grep -E '^[abc]$' | tr '\n' ' ' | sed 's/ $//')"
check cmp same "$(cmp a c && echo same)"
sed -i 's/hello/bye/' a
check sed-in-place bye "$(head -1 a)"
mkdir -p x/y/z && touch x/y/z/f && ln -s ../a x/l
check mkdir-p f "$(ls x/y/z)"
check symlink-read bye "$(head -1 x/l)"
check readlink ../a "$(readlink x/l)"
check find-name ./x/y/z/f "$(find . -name f)"
chmod 640 c
check chmod 640 "$(stat -c %a c)"
free_before=$(stat -f -c %f /)
dd if=/dev/zero of=z bs=1024 count=100 2>/dev/null
check dd-size 102400 "$(stat -c %s z)"
check statfs-free-blocks 25 "$((free_before - $(stat -f -c %f /)))"
check du-k 100 "$(du -k z | cut -f1)"
: > z
check truncate-redirect 0 "$(stat -c %s z)"
# ulimit -f (512-byte blocks): dd's write stops at the limit, the next one
# raises SIGXFSZ, which ends dd (128 + 25).
check ulimit-f "153 512" "$( (ulimit -f 1; dd if=/dev/zero of=lim bs=1024 count=4 2>/dev/null; echo $? "$(stat -c %s lim)") )"
rm lim
# A script without "#!" fails execve with ENOEXEC and the shell runs it
# itself; the kernel prints nothing about it (checked by the test).
printf 'echo ran $0\n' > noshebang && chmod +x noshebang
check no-shebang "ran ./noshebang" "$(./noshebang)"
rm noshebang
tar cf t.tar x 2>/dev/null && rm -r x
check rm-r gone "$([ -e x ] && echo still || echo gone)"
tar xf t.tar
check tar-roundtrip "x/y/z/f" "$(find x -type f)"
printf '3\n1\n2\n' > n && sort -o n n
check sort-o "1 2 3" "$(tr '\n' ' ' < n | sed 's/ $//')"
rm -r a c n t.tar x z
check cleaned "" "$(ls /tmp | grep -vE '^linux-abi-test')"
cd / || failed=$((failed + 1))
echo "busybox checks: $failed failed"
exit $failed
