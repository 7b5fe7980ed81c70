#!/usr/bin/env python3
"""Writes the ramdisk: a deterministic USTAR archive whose file data start on
4 KiB boundaries.

    mkinitrd.py OUT.tar STAGE_DIR LIST_FILE

LIST_FILE names the entries of STAGE_DIR to store, one relative path per
line, in order (directories, files and symbolic links; a link is stored as
a link, with its target as written, never followed). Owner and group are 0, the
mtime 0, modes lose group/other write and gain owner read/write, like
`tar --format=ustar --owner=0 --group=0 --mtime=@0 --mode=u+rw,go-w`; but a
sticky directory (/tmp, 1777) keeps its mode, as a Linux system's has it.

Why the alignment: the loader places the archive at a page-aligned physical
address, so a file whose data starts on a 4 KiB boundary of the archive
starts on a physical page, and the kernel can map the read-only segments of
a program straight from the ramdisk into every process that runs it
(kernel/proc/program_loader.h) instead of copying them per process.

Tar has no padding record, so the gap before a file is filled with extra
headers for the root directory ("./"): they carry no data, every reader
accepts a repeated directory, and the kernel's parser treats "./" as the root
that always exists. At most 7 such 512-byte headers precede a file.
"""
import os
import sys
import tarfile

PAGE = 4096
BLOCK = tarfile.BLOCKSIZE  # 512


def base_info(name, mode):
    info = tarfile.TarInfo(name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = 0
    info.mode = (mode | 0o600) & ~0o022 & 0o7777
    if mode & 0o1000:
        info.mode = mode & 0o7777
    return info


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    out, stage, list_file = sys.argv[1:]
    with open(list_file) as f:
        names = [line.rstrip("\n") for line in f if line.strip()]
    tmp = out + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.USTAR_FORMAT) as tar:
        for name in names:
            path = os.path.join(stage, name)
            st = os.lstat(path)
            if os.path.islink(path):
                target = os.readlink(path)
                if not target or len(target.encode()) > 99:
                    sys.exit(f"mkinitrd: {name}: a link target must have 1 to 99 bytes")
                info = base_info(name, 0o777)
                info.type = tarfile.SYMTYPE
                info.linkname = target
                tar.addfile(info)
                continue
            if os.path.isdir(path):
                info = base_info(name, st.st_mode)
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
                continue
            if not os.path.isfile(path):
                sys.exit(f"mkinitrd: {name}: only regular files, directories and links are supported")
            # tar.offset is where the next header goes; its data follows it.
            while (tar.offset + BLOCK) % PAGE:
                pad = base_info(".", 0o755)
                pad.type = tarfile.DIRTYPE
                tar.addfile(pad)
            info = base_info(name, st.st_mode)
            info.size = st.st_size
            with open(path, "rb") as data:
                tar.addfile(info, data)
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
