#!/usr/bin/env python3
"""Fails if kernel.elf's text has an indirect call or jump outside the
retpoline thunks (kernel/arch/x86_64/retpoline.S).

The kernel is built with -mindirect-branch=thunk-extern, so every indirect
branch the compiler emits goes through a thunk that the boot leaves as a
retpoline where Spectre v2 needs one. A plain `call *%reg` anywhere else
(an object built without the flags, hand-written assembly, a library
routine) would be a branch the mitigation does not cover: this check makes
that a build error instead of a silent hole.

Usage: check-indirect-branches.py KERNEL_ELF [OBJDUMP]"""
import re
import subprocess
import sys

FUNCTION = re.compile(r"^[0-9a-f]+ <(.+)>:$")
INDIRECT = re.compile(r"^\s*([0-9a-f]+):\s+(?:notrack\s+)?(call|jmp)q?\s+\*")


def main():
    elf = sys.argv[1]
    objdump = sys.argv[2] if len(sys.argv) > 2 else "objdump"
    text = subprocess.run([objdump, "-d", "--no-show-raw-insn", elf], check=True,
                          capture_output=True, text=True).stdout
    function = "?"
    bad = []
    for line in text.splitlines():
        m = FUNCTION.match(line)
        if m:
            function = m.group(1)
            continue
        m = INDIRECT.match(line)
        if m and not function.startswith("__x86_indirect_thunk_"):
            bad.append(f"  {m.group(1)} in {function}: {line.split(':', 1)[1].strip()}")
    if bad:
        print(f"{elf}: indirect branches outside the retpoline thunks "
              f"(objects built without -mindirect-branch? a stale build dir?):", file=sys.stderr)
        print("\n".join(bad[:40]), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
