// The file tree (fs/vfs.h) over a small ramdisk: Linux's path resolution
// (relative to a start directory, '.', '..', repeated and trailing
// slashes, ENOTDIR/ENOENT/ENAMETOOLONG, /proc/self/exe), the /dev and /proc
// mounts shadowing the ramdisk, stat, getdents order, node ids; then
// opening with open()'s flags and the descriptions of files, directories
// and the memory devices.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "failing_new.h"
#include "fake_user_memory.h"
#include "fs/file_system_stats.h"
#include "fs/open.h"
#include "fs/tree_files.h"
#include "fs/vfs.h"
#include "fs_test_support.h"

using namespace nyanos;
using namespace nyanos::fs;

namespace {

std::vector<uint8_t> tree_archive() {
    test::TarBuilder t;
    t.dir("bin/");
    t.file("bin/sh",
           "\x7f"
           "ELF shell",
           0755);
    t.file("bin/cat", "cat!", 0755);
    t.dir("etc/", 0755);
    t.file("etc/motd", "hello, world\n", 0644);
    t.file("etc/deep/er/file", "x", 0600);
    t.file("dev/shadowed", "never seen");  // under the /dev mount
    t.file("readme", std::string(100000, 'r'));
    return t.finish();
}

struct Tree : test::TestTree {
    Tree() : TestTree(tree_archive()) {}
    std::string path(Node n) {
        char buf[300];
        auto r = vfs.path_of(n, buf, sizeof buf);
        REQUIRE(r.ok());
        return buf;
    }
    std::vector<std::string> list(Node dir) {
        std::vector<std::string> names;
        DirectoryEntry e;
        for (size_t i = 0; vfs.entry_at(dir, i, e); i = e.next_offset) names.push_back(e.name);
        return names;
    }
};

Error resolve_error(Tree& t, const LookupContext& ctx, const char* path, bool follow = true) {
    auto r = t.vfs.resolve(ctx, Node{}, path, follow);
    return r.ok() ? Error{} : r.error();
}

}  // namespace

TEST_CASE("vfs: absolute and relative paths, '.', '..', slashes") {
    Tree t;
    LookupContext root_ctx{};
    CHECK(t.path(t.at("/")) == "/");
    CHECK(t.path(t.at("/bin/sh")) == "/bin/sh");
    CHECK(t.path(t.at("//bin///sh")) == "/bin/sh");
    CHECK(t.path(t.at("/./bin/../bin/./sh")) == "/bin/sh");
    CHECK(t.path(t.at("/..")) == "/");
    CHECK(t.path(t.at("/../../etc")) == "/etc");
    CHECK(t.path(t.at("/etc/")) == "/etc");
    CHECK(t.path(t.at("/etc/deep/er/file")) == "/etc/deep/er/file");

    LookupContext in_etc{t.at("/etc"), nullptr};
    CHECK(t.path(t.vfs.resolve(in_etc, Node{}, "motd", true).value()) == "/etc/motd");
    CHECK(t.path(t.vfs.resolve(in_etc, Node{}, "../bin/cat", true).value()) == "/bin/cat");
    CHECK(t.path(t.vfs.resolve(in_etc, Node{}, ".", true).value()) == "/etc");
    CHECK(t.path(t.vfs.resolve(in_etc, Node{}, "deep/er/..", true).value()) == "/etc/deep");
    // An explicit start (openat's directory fd) beats the cwd.
    CHECK(t.path(t.vfs.resolve(in_etc, t.at("/bin"), "sh", true).value()) == "/bin/sh");
    CHECK(t.path(t.vfs.resolve(in_etc, t.at("/bin"), "/etc/motd", true).value()) == "/etc/motd");

    CHECK(resolve_error(t, root_ctx, "") == Error::kNoEntry);
    CHECK(resolve_error(t, root_ctx, "/nothing") == Error::kNoEntry);
    CHECK(resolve_error(t, root_ctx, "/bin/nothing/x") == Error::kNoEntry);
    CHECK(resolve_error(t, root_ctx, "/bin/sh/") == Error::kNotDirectory);
    CHECK(resolve_error(t, root_ctx, "/bin/sh/.") == Error::kNotDirectory);
    CHECK(resolve_error(t, root_ctx, "/bin/sh/..") == Error::kNotDirectory);
    CHECK(resolve_error(t, root_ctx, "/bin/sh/x") == Error::kNotDirectory);
    std::string long_name = "/" + std::string(256, 'a');
    CHECK(resolve_error(t, root_ctx, long_name.c_str()) == Error::kNameTooLong);
    std::string max_name = "/" + std::string(255, 'a');
    CHECK(resolve_error(t, root_ctx, max_name.c_str()) == Error::kNoEntry);

    CHECK(t.path(t.vfs.resolve_parent(root_ctx, Node{}, "/etc/newfile").value()) == "/etc");
    CHECK(t.path(t.vfs.resolve_parent(root_ctx, Node{}, "/etc/motd/").value()) == "/etc");
    CHECK(t.path(t.vfs.resolve_parent(in_etc, Node{}, "newfile").value()) == "/etc");
    CHECK(t.vfs.resolve_parent(root_ctx, Node{}, "/nodir/newfile").error() == Error::kNoEntry);
    CHECK(t.vfs.resolve_parent(root_ctx, Node{}, "/bin/sh/newfile").error() ==
          Error::kNotDirectory);
    CHECK(t.vfs.resolve_parent(root_ctx, Node{}, "/").error() == Error::kNoEntry);
}

TEST_CASE("vfs: /dev and /proc are mounted over the ramdisk; /proc/self/exe is the program") {
    Tree t;
    LookupContext none{};
    CHECK(t.vfs.type(t.at("/dev")) == NodeType::kDirectory);
    CHECK(t.vfs.type(t.at("/dev/null")) == NodeType::kCharDevice);
    CHECK(t.path(t.at("/dev/../dev/./zero")) == "/dev/zero");
    CHECK(t.path(t.at("/dev/..")) == "/");
    CHECK(resolve_error(t, none, "/dev/shadowed") == Error::kNoEntry);
    CHECK(resolve_error(t, none, "/dev/null/") == Error::kNotDirectory);

    Inode* sh = t.at("/bin/sh").inode.get();
    test::clear_fake_processes();
    test::set_fake_process(7, sh);
    LookupContext running_sh = LookupContext::of_process(Node{}, Node{}, sh, 7);
    auto self = t.vfs.resolve(running_sh, Node{}, "/proc/self", false);
    REQUIRE(self.ok());
    CHECK(t.vfs.type(self.value()) == NodeType::kSymlink);
    char text[64];
    CHECK(t.vfs.read_link(running_sh, self.value(), text, sizeof text).value() == 1);
    CHECK(std::string(text) == "7");
    auto exe = t.vfs.resolve(running_sh, Node{}, "/proc/self/exe", true);
    REQUIRE(exe.ok());
    CHECK(exe.value().inode.get() == sh);
    auto link = t.vfs.resolve(running_sh, Node{}, "/proc/self/exe", false);
    REQUIRE(link.ok());
    CHECK(t.vfs.type(link.value()) == NodeType::kSymlink);
    CHECK(link.value() == Node{nullptr, Special::kProcPidExe, 7});
    CHECK(t.vfs.read_link(running_sh, link.value(), text, sizeof text).value() == 7);
    CHECK(std::string(text) == "/bin/sh");
    CHECK(t.vfs.read_link(running_sh, link.value(), text, 7).error() == Error::kRange);
    CHECK(t.vfs.read_link(running_sh, t.at("/bin/sh"), text, sizeof text).error() ==
          Error::kInvalid);
    // A '/' after the link follows it even without follow_last.
    CHECK(t.vfs.resolve(running_sh, Node{}, "/proc/self/exe/", false).error() ==
          Error::kNotDirectory);
    CHECK(t.vfs.resolve(running_sh, Node{}, "/proc/self/exe/..", false).error() ==
          Error::kNotDirectory);
    // No caller: /proc/self leads nowhere.
    CHECK(resolve_error(t, none, "/proc/self/exe") == Error::kNoEntry);
    CHECK(resolve_error(t, none, "/proc/self") == Error::kNoEntry);
    FileStat st;
    t.vfs.stat(link.value(), st);
    CHECK((st.mode & mode_bits::kTypeMask) == mode_bits::kSymlink);
    CHECK(st.size == 0);  // as Linux's /proc links
    test::clear_fake_processes();
}

TEST_CASE("vfs: /proc/<pid> for every process: listed by pid, its files, gone with it") {
    Tree t;
    Inode* sh = t.at("/bin/sh").inode.get();
    Inode* cat = t.at("/bin/cat").inode.get();
    test::clear_fake_processes();
    test::set_fake_process(1, sh);
    test::set_fake_process(42, cat);
    test::set_fake_process(300, nullptr);  // no program (a kernel-made process)
    LookupContext init = LookupContext::of_process(Node{}, Node{}, sh, 1);
    CHECK(t.list(t.at("/proc")) ==
          std::vector<std::string>{".", "..", "self", "cpuinfo", "interrupts", "loadavg", "meminfo",
                                   "mounts", "pci", "stat", "uptime", "version", "filesystems",
                                   "sys", "1", "42", "300"});
    CHECK(t.list(t.at("/proc/sys/kernel")) == std::vector<std::string>{".", "..", "hostname",
                                                                       "osrelease", "ostype",
                                                                       "pid_max", "version"});
    CHECK(t.list(t.at("/proc/42")) == std::vector<std::string>{".", "..", "exe", "cwd", "cmdline",
                                                               "environ", "comm", "stat", "status",
                                                               "statm", "mounts", "mountinfo",
                                                               "limits", "maps", "fd", "task"});
    // cwd leads to the working directory (the root for 0), and reads as its path.
    test::set_fake_process(42, cat, t.vfs.id_of(t.at("/etc/deep")));
    CHECK(t.at("/proc/42/cwd/er/file") == t.at("/etc/deep/er/file"));
    char text[64];
    Node cwd = t.vfs.resolve(init, Node{}, "/proc/42/cwd", false).value();
    CHECK(t.vfs.read_link(init, cwd, text, sizeof text).value() == 9);
    CHECK(std::string(text) == "/etc/deep");
    CHECK(t.at("/proc/1/cwd") == t.vfs.root());
    FileStat environ;
    t.vfs.stat(t.at("/proc/42/environ"), environ);
    CHECK(environ.mode == (mode_bits::kRegular | 0400));
    // Another process's program, through the table.
    auto exe = t.vfs.resolve(init, Node{}, "/proc/42/exe", true);
    REQUIRE(exe.ok());
    CHECK(exe.value().inode.get() == cat);
    CHECK(t.vfs.resolve(init, Node{}, "/proc/300/exe", true).error() == Error::kNoEntry);
    // Names that are not a live pid.
    for (const char* path : {"/proc/2", "/proc/042", "/proc/4x", "/proc/0", "/proc/9999999999"})
        CHECK(resolve_error(t, init, path) == Error::kNoEntry);
    // Paths, parents, ids and inodes.
    Node stat = t.at("/proc/42/stat");
    CHECK(stat == Node{nullptr, Special::kProcPidStat, 42});
    CHECK(t.path(stat) == "/proc/42/stat");
    CHECK(t.path(t.at("/proc/42")) == "/proc/42");
    CHECK(t.path(t.at("/proc/42/..")) == "/proc");
    CHECK(t.at("/proc/42/../42/stat") == stat);
    CHECK(resolve_error(t, init, "/proc/42/status/../stat") == Error::kNotDirectory);
    std::set<uint64_t> inodes;
    for (const char* p : {"/proc/1", "/proc/42", "/proc/1/stat", "/proc/42/stat", "/proc/42/exe",
                          "/proc/stat", "/proc"}) {
        FileStat st;
        Node n = t.vfs.resolve(init, Node{}, p, false).value();
        t.vfs.stat(n, st);
        CHECK(inodes.insert(st.inode).second);
        CHECK(t.vfs.node_of(t.vfs.id_of(n)) == n);
    }
    // A listing resumes after the last pid it gave, whoever exited meanwhile.
    DirectoryEntry e;
    size_t offset = 0;
    while (t.vfs.entry_at(t.at("/proc"), offset, e) && std::string(e.name) != "1")
        offset = e.next_offset;
    REQUIRE(std::string(e.name) == "1");
    test::set_fake_process(7, cat);  // a new process, between 1 and 42
    {
        // 42 exits before the reader asks for the next entry.
        test::clear_fake_processes();
        test::set_fake_process(1, sh);
        test::set_fake_process(7, cat);
        test::set_fake_process(300, nullptr);
    }
    REQUIRE(t.vfs.entry_at(t.at("/proc"), e.next_offset, e));
    CHECK(std::string(e.name) == "7");
    REQUIRE(t.vfs.entry_at(t.at("/proc"), e.next_offset, e));
    CHECK(std::string(e.name) == "300");
    CHECK(!t.vfs.entry_at(t.at("/proc"), e.next_offset, e));
    // Its nodes stay valid values, but lead nowhere once it is gone.
    CHECK(resolve_error(t, init, "/proc/42/stat") == Error::kNoEntry);
    CHECK(
        t.vfs.read_link(init, Node{nullptr, Special::kProcPidExe, 42}, text, sizeof text).error() ==
        Error::kNoEntry);
    CHECK(
        t.vfs.read_link(init, Node{nullptr, Special::kProcPidCwd, 42}, text, sizeof text).error() ==
        Error::kNoEntry);
    test::clear_fake_processes();
}

namespace {
// An open file without a node, as a pipe end is: read-only, a FIFO.
class NodelessFile final : public FileDescription {
public:
    NodelessFile() : FileDescription(open_flags::kReadOnly) {}
    void stat(FileStat& out) override {
        out = FileStat{};
        out.mode = mode_bits::kFifo | 0600;
        out.inode = 4242;
    }
};
}  // namespace

TEST_CASE("vfs: /proc/<pid>/fd lists the open descriptors; each link leads to its file") {
    Tree t;
    test::clear_fake_processes();
    test::set_fake_process(5, nullptr);
    DescriptionRef motd =
        open_path(t.vfs, LookupContext{}, Node{}, "/etc/motd", open_flags::kReadOnly).value();
    DescriptionRef pipe = DescriptionRef::adopt(new NodelessFile);
    test::set_fake_process_file(5, 0, motd);
    test::set_fake_process_file(5, 3, pipe);
    LookupContext self = LookupContext::of_process(Node{}, Node{}, nullptr, 5);
    CHECK(t.list(t.at("/proc/5/fd")) == std::vector<std::string>{".", "..", "0", "3"});
    FileStat st;
    t.vfs.stat(t.at("/proc/5/fd"), st);
    CHECK(st.mode == (mode_bits::kDirectory | 0500));
    // A file with a node: the link leads to it and reads as its path.
    CHECK(t.at("/proc/5/fd/0") == t.at("/etc/motd"));
    Node link = t.vfs.resolve(self, Node{}, "/proc/self/fd/0", false).value();
    CHECK(link == Node{nullptr, Special::kProcPidFdLink, 5, 0});
    CHECK(t.vfs.id_of(link) == 0);  // never a working directory or a program
    char text[64];
    CHECK(t.vfs.read_link(self, link, text, sizeof text).value() == 9);
    CHECK(std::string(text) == "/etc/motd");
    t.vfs.stat(link, st);
    CHECK((st.mode & mode_bits::kTypeMask) == mode_bits::kSymlink);
    CHECK(t.path(t.vfs.parent(link)) == "/proc/5/fd");
    // Opening it opens the file anew (its own offset).
    auto again = open_path(t.vfs, self, Node{}, "/proc/self/fd/0", open_flags::kReadOnly);
    REQUIRE(again.ok());
    CHECK(again.value().get() != motd.get());
    // A file without a node (a pipe): named by its inode; stat and open
    // reach the open file itself; O_NOFOLLOW stops at the link.
    Node pipe_link = t.vfs.resolve(self, Node{}, "/proc/5/fd/3", false).value();
    CHECK(t.vfs.read_link(self, pipe_link, text, sizeof text).value() == 11);
    CHECK(std::string(text) == "pipe:[4242]");
    Node pipe_file = t.at("/proc/5/fd/3");
    t.vfs.stat(pipe_file, st);
    CHECK(st.mode == (mode_bits::kFifo | 0600));
    auto same = open_path(t.vfs, self, Node{}, "/proc/5/fd/3", open_flags::kReadOnly);
    REQUIRE(same.ok());
    CHECK(same.value().get() == pipe.get());
    CHECK(open_path(t.vfs, self, Node{}, "/proc/5/fd/3", open_flags::kWriteOnly).error() ==
          Error::kAccess);
    CHECK(open_path(t.vfs, self, Node{}, "/proc/5/fd/3",
                    open_flags::kReadOnly | open_flags::kNoFollow)
              .error() == Error::kLoop);
    // /dev's links into /proc/self/fd.
    CHECK(t.vfs.resolve(self, Node{}, "/dev/stdin", true).value() == t.at("/etc/motd"));
    CHECK(t.vfs.resolve(self, Node{}, "/dev/fd/3", true).value() == pipe_file);
    Node dev_fd = t.vfs.resolve(self, Node{}, "/dev/fd", false).value();
    CHECK(t.vfs.read_link(self, dev_fd, text, sizeof text).value() == 13);
    CHECK(std::string(text) == "/proc/self/fd");
    CHECK(resolve_error(t, self, "/dev/stdout") == Error::kNoEntry);  // fd 1 is not open
    // Descriptors that are not open, and names that are not descriptors.
    for (const char* path : {"/proc/5/fd/1", "/proc/5/fd/00", "/proc/5/fd/-1", "/proc/5/fd/x"})
        CHECK(resolve_error(t, self, path) == Error::kNoEntry);
    // Gone with the process.
    test::clear_fake_processes();
    CHECK(resolve_error(t, self, "/proc/5/fd/0") == Error::kNoEntry);
    CHECK(t.vfs.read_link(self, link, text, sizeof text).error() == Error::kNoEntry);
}

TEST_CASE("statfs: each part of the tree reports its Linux counterpart") {
    Tree t;
    auto of = [&](const char* path) {
        FileStat st;
        t.vfs.stat(t.at(path), st);
        return file_system_stats(t.vfs, st);
    };
    FileSystemStats root = of("/etc/motd");
    CHECK(root.type == kTmpfsMagic);
    CHECK(root.flags == mount_flags::kValid);
    // A tmpfs capped at the tree's 1024 pages, of which the archive's
    // files (still borrowed) take none; the root and 11 entries.
    CHECK(root.blocks == 1024);
    CHECK(root.blocks_free == 1024);
    CHECK(root.blocks_available == 1024);
    CHECK(root.files == 1024);
    CHECK(root.files_free == 1024 - 12);
    CHECK(root.block_size == 4096);
    CHECK(root.name_max == 255);
    CHECK(of("/").type == kTmpfsMagic);
    FileSystemStats dev = of("/dev/null");
    CHECK(dev.type == kTmpfsMagic);
    CHECK(dev.blocks == 0);
    CHECK(dev.flags == (mount_flags::kValid | mount_flags::kNoSuid));
    CHECK(of("/dev").type == kTmpfsMagic);
    FileSystemStats proc = of("/proc/meminfo");
    CHECK(proc.type == kProcMagic);
    CHECK(proc.flags == (mount_flags::kValid | mount_flags::kNoSuid | mount_flags::kNoDev |
                         mount_flags::kNoExec));
    CHECK(of("/proc").fsid[0] == uint32_t(kProcDevice));
    FileStat pipe;
    pipe.device = make_device(0, 12);
    CHECK(file_system_stats(t.vfs, pipe).type == kPipefsMagic);
}

TEST_CASE("vfs: stat gives types, modes, sizes, devices and a unique inode per node") {
    Tree t;
    FileStat st;
    t.vfs.stat(t.at("/bin/sh"), st);
    CHECK(st.mode == (mode_bits::kRegular | 0755));
    CHECK(st.size == 10);
    CHECK(st.blocks == 8);  // a page, as tmpfs counts
    CHECK(st.block_size == 4096);
    CHECK(st.device == kRootDevice);
    t.vfs.stat(t.at("/readme"), st);
    CHECK(st.mode == (mode_bits::kRegular | 0644));
    CHECK(st.blocks == (100000 + 4095) / 4096 * 8);
    t.vfs.stat(t.at("/etc/deep/er/file"), st);
    CHECK(st.mode == (mode_bits::kRegular | 0600));
    t.vfs.stat(t.at("/etc/deep"), st);  // implied: 0755
    CHECK(st.mode == (mode_bits::kDirectory | 0755));
    t.vfs.stat(t.at("/dev/null"), st);
    CHECK(st.mode == (mode_bits::kCharDevice | 0666));
    CHECK(st.rdevice == make_device(1, 3));
    CHECK(st.device == kDevDevice);
    t.vfs.stat(t.at("/dev/console"), st);
    CHECK(st.rdevice == make_device(5, 1));
    // The two terminals, with Linux's numbers: tty0 is 4:0, ttyS0 4:64.
    t.vfs.stat(t.at("/dev/tty0"), st);
    CHECK(st.mode == (mode_bits::kCharDevice | 0620));
    CHECK(st.rdevice == make_device(4, 0));
    t.vfs.stat(t.at("/dev/ttyS0"), st);
    CHECK(st.rdevice == make_device(4, 64));
    t.vfs.stat(t.at("/dev/urandom"), st);
    CHECK(st.rdevice == make_device(1, 9));

    std::set<uint64_t> inodes;
    const char* all[] = {"/",         "/bin",      "/bin/sh",  "/bin/cat", "/etc",
                         "/etc/motd", "/etc/deep", "/readme",  "/dev",     "/dev/null",
                         "/dev/zero", "/dev/full", "/dev/tty", "/proc",    "/proc/uptime"};
    for (const char* p : all) {
        t.vfs.stat(t.at(p), st);
        CHECK(inodes.insert(st.inode).second);
        NodeId id = t.vfs.id_of(t.at(p));
        CHECK(id != 0);
        CHECK(t.vfs.node_of(id) == t.at(p));
    }
    CHECK(!t.vfs.node_of(0).valid());
    CHECK(!t.vfs.node_of(9999).valid());
}

TEST_CASE("vfs: directory entries: '.', '..', then the children; mounts replace ramdisk names") {
    Tree t;
    CHECK(t.list(t.at("/")) ==
          std::vector<std::string>{".", "..", "dev", "proc", "bin", "etc", "readme"});
    CHECK(t.list(t.at("/bin")) == std::vector<std::string>{".", "..", "sh", "cat"});
    CHECK(t.list(t.at("/dev")) ==
          std::vector<std::string>{".", "..", "null", "zero", "full", "random", "urandom", "tty",
                                   "tty0", "ttyS0", "console", "fd", "stdin", "stdout", "stderr"});
    CHECK(t.list(t.at("/bin/sh")).empty());
    DirectoryEntry e;
    REQUIRE(t.vfs.entry_at(t.at("/bin"), 1, e));
    FileStat root;
    t.vfs.stat(t.at("/"), root);
    CHECK(e.inode == root.inode);  // ".." of /bin
    CHECK(e.type == kDtDir);
    REQUIRE(t.vfs.entry_at(t.at("/dev"), 2, e));
    CHECK(e.type == kDtChar);
}

TEST_CASE("vfs: ramdisk symbolic links (relative, absolute, chained, dangling, looping)") {
    test::TarBuilder b;
    b.file("bin/busybox",
           "\x7f"
           "ELF multi-call",
           0755);
    b.symlink("bin/sh", "busybox");        // relative to /bin, as Debian's /bin/sh
    b.symlink("bin/abs", "/bin/busybox");  // absolute
    b.symlink("bin/chain", "sh");          // a link to a link
    b.symlink("bin/up", "../etc/motd");    // '..' in a target
    b.symlink("bin/etc", "/etc");          // a link to a directory
    b.symlink("bin/dangling", "nothing");
    b.symlink("bin/loop", "loop");
    b.file("etc/motd", "hello\n", 0644);
    std::vector<uint8_t> archive = b.finish();
    test::TestTree tree(archive);
    Vfs& vfs = tree.vfs;
    LookupContext ctx{};
    auto follow = [&](const char* path) { return vfs.resolve(ctx, Node{}, path, true); };
    auto nofollow = [&](const char* path) { return vfs.resolve(ctx, Node{}, path, false); };
    Inode* busybox = tree.at("/bin/busybox").inode.get();
    REQUIRE(follow("/bin/sh").ok());
    CHECK(follow("/bin/sh").value().inode.get() == busybox);
    CHECK(follow("/bin/abs").value().inode.get() == busybox);
    CHECK(follow("/bin/chain").value().inode.get() == busybox);
    CHECK(follow("/bin/up").value().inode.get() == tree.at("/etc/motd").inode.get());
    CHECK(follow("/bin/etc/motd").value().inode.get() ==
          tree.at("/etc/motd").inode.get());  // mid-path
    CHECK(vfs.is_directory(follow("/bin/etc").value()));
    CHECK(follow("/bin/dangling").error() == Error::kNoEntry);
    CHECK(follow("/bin/loop").error() == Error::kLoop);
    CHECK(follow("/bin/sh/").error() == Error::kNotDirectory);

    // Not following the last component: the link itself, as lstat and readlink see it.
    Node sh = nofollow("/bin/sh").value();
    CHECK(vfs.type(sh) == NodeType::kSymlink);
    char target[16];
    CHECK(vfs.read_link(ctx, sh, target, sizeof target).value() == 7);
    CHECK(std::string(target) == "busybox");
    CHECK(vfs.type(nofollow("/bin/dangling").value()) == NodeType::kSymlink);
    FileStat st;
    vfs.stat(sh, st);
    CHECK(st.mode == (mode_bits::kSymlink | 0777));
    CHECK(st.size == 7);
    CHECK(st.device == kRootDevice);
    vfs.stat(follow("/bin/sh").value(), st);
    CHECK(st.mode == (mode_bits::kRegular | 0755));
    char path[64];
    REQUIRE(vfs.path_of(sh, path, sizeof path).ok());
    CHECK(std::string(path) == "/bin/sh");

    // getdents says DT_LNK; open follows unless O_NOFOLLOW (ELOOP, as Linux).
    Node bin = follow("/bin").value();
    DirectoryEntry e;
    REQUIRE(vfs.entry_at(bin, 2, e));
    CHECK(std::string(e.name) == "busybox");
    CHECK(e.type == kDtReg);
    REQUIRE(vfs.entry_at(bin, 3, e));
    CHECK(std::string(e.name) == "sh");
    CHECK(e.type == kDtLink);
    using namespace open_flags;
    CHECK(open_path(vfs, ctx, Node{}, "/bin/sh", kReadOnly).ok());
    CHECK(open_path(vfs, ctx, Node{}, "/bin/sh", kReadOnly | kNoFollow).error() == Error::kLoop);
}

TEST_CASE("vfs: /proc/<pid>/task/<tid> and /proc/<tid> are a thread's view of its process") {
    Tree t;
    test::clear_fake_processes();
    test::set_fake_process(42, t.at("/bin/cat").inode.get());  // one thread, tid 42
    CHECK(t.list(t.at("/proc/42/task")) == std::vector<std::string>{".", "..", "42"});
    // The process's files but "task", seen as the thread.
    CHECK(t.list(t.at("/proc/42/task/42")) ==
          std::vector<std::string>{".", "..", "exe", "cwd", "cmdline", "environ", "comm", "stat",
                                   "status", "statm", "mounts", "mountinfo", "limits", "maps",
                                   "fd"});
    Node stat = t.at("/proc/42/task/42/stat");
    CHECK(stat == Node{nullptr, Special::kProcPidStat, 42, 0, 42});
    CHECK(t.path(stat) == "/proc/42/task/42/stat");
    CHECK(t.path(t.at("/proc/42/task/42")) == "/proc/42/task/42");
    CHECK(t.path(t.at("/proc/42/task")) == "/proc/42/task");
    CHECK(t.at("/proc/42/task/42/..") == t.at("/proc/42/task"));
    CHECK(t.vfs.parent(stat) == t.at("/proc/42/task/42"));
    CHECK(t.at("/proc/42/task/..") == t.at("/proc/42"));
    CHECK(t.vfs.node_of(t.vfs.id_of(stat)) == stat);
    FileStat a, b;
    t.vfs.stat(stat, a);
    t.vfs.stat(t.at("/proc/42/stat"), b);
    CHECK(a.inode != b.inode);
    // No such thread, nor a task/ inside a thread's directory.
    CHECK(resolve_error(t, LookupContext{}, "/proc/42/task/43") == Error::kNoEntry);
    CHECK(resolve_error(t, LookupContext{}, "/proc/42/task/42/task") == Error::kNoEntry);
    test::clear_fake_processes();
    CHECK(resolve_error(t, LookupContext{}, "/proc/42/task") == Error::kNoEntry);
}

TEST_CASE("open: access mode 3 takes no write access (a later exec is not ETXTBSY)") {
    Tree t;
    Inode* sh = t.at("/bin/sh").inode.get();
    {
        auto d = open_path(t.vfs, LookupContext{}, Node{}, "/bin/sh", open_flags::kAccessMode);
        REQUIRE(d.ok());
        CHECK(!d.value()->readable());
        CHECK(!d.value()->writable());
        auto running = hold_running(sh);  // while it is open, too
        REQUIRE(running.ok());
        drop_running(running.value());
    }
    auto running = hold_running(sh);
    REQUIRE(running.ok());
    drop_running(running.value());
}

TEST_CASE("vfs: a removed file's path is the name it had, then \" (deleted)\"") {
    Tree t;
    Node etc = t.at("/etc");
    auto made = t.tree.create(etc.inode.get(), "gone", 4, NodeType::kRegular, 0644, 0, 0);
    REQUIRE(made.ok());
    Node file{made.release_value(), Special::kNone};
    CHECK(t.path(file) == "/etc/gone");
    REQUIRE(t.tree.remove(etc.inode.get(), "gone", 4, false).ok());
    CHECK(t.path(file) == "/etc/gone (deleted)");
    // Replaced by a rename: the same.
    Node motd = t.at("/etc/motd");
    auto other = t.tree.create(etc.inode.get(), "new", 3, NodeType::kRegular, 0644, 0, 0);
    REQUIRE(other.ok());
    REQUIRE(t.tree.rename(etc.inode.get(), "new", 3, etc.inode.get(), "motd", 4, 0).ok());
    CHECK(t.path(motd) == "/etc/motd (deleted)");
}

TEST_CASE("vfs: an unlinked file's path is \"/\" and its name, then \" (deleted)\"") {
    Tree t;
    auto made = t.tree.create_unlinked("memfd:cache", 0777, 0, 0);
    REQUIRE(made.ok());
    Node file{made.release_value(), Special::kNone};
    CHECK(t.path(file) == "/memfd:cache (deleted)");
}

TEST_CASE("vfs: a lookup follows at most 40 links in all (ELOOP past them), without recursion") {
    test::TarBuilder b;
    b.file("target", "end", 0644);
    // l0 -> l1 -> ... -> l39 -> target: 40 links to follow.
    for (int i = 0; i < 40; ++i)
        b.symlink("l" + std::to_string(i), i == 39 ? "target" : "l" + std::to_string(i + 1));
    b.symlink("over", "l0");  // 41
    b.dir("d/", 0755);
    b.symlink("d/up", "..");  // a link in the middle of a path, relative to its directory
    test::TestTree tree(b.finish());
    LookupContext ctx{};
    auto follow = [&](const char* path) { return tree.vfs.resolve(ctx, Node{}, path, true); };
    REQUIRE(follow("/l0").ok());
    CHECK(follow("/l0").value().inode.get() == tree.at("/target").inode.get());
    CHECK(follow("/over").error() == Error::kLoop);
    CHECK(follow("/d/up/d/up/l39").value().inode.get() == tree.at("/target").inode.get());
    // Not following the last: the link itself, however long the chain.
    CHECK(tree.vfs.type(tree.vfs.resolve(ctx, Node{}, "/over", false).value()) ==
          NodeType::kSymlink);
}

TEST_CASE("open: flags against files, directories and devices (EISDIR, ENOTDIR, EEXIST, ...)") {
    Tree t;
    using namespace open_flags;
    LookupContext ctx{};
    auto err = [&](const char* path, uint32_t flags) {
        auto r = open_path(t.vfs, ctx, Node{}, path, flags);
        return r.ok() ? Error{} : r.error();
    };
    CHECK(err("/etc/motd", kReadOnly) == Error{});
    CHECK(err("/etc/motd", kWriteOnly) == Error{});
    CHECK(err("/etc/motd", kReadWrite) == Error{});
    CHECK(err("/etc/motd", kReadOnly | kDirectory) == Error::kNotDirectory);
    CHECK(err("/etc/motd", kReadOnly | kCreate) == Error{});
    CHECK(err("/etc/motd", kReadOnly | kCreate | kExclusive) == Error::kExists);
    CHECK(err("/etc/new", kReadOnly) == Error::kNoEntry);
    CHECK(err("/etc/new", kWriteOnly | kCreate) == Error{});
    CHECK(err("/etc/new", kReadOnly) == Error{});
    CHECK(err("/nodir/new", kWriteOnly | kCreate) == Error::kNoEntry);
    CHECK(err("/etc/new/", kWriteOnly | kCreate) == Error::kIsDirectory);
    CHECK(err("/etc/other", kWriteOnly | kCreate | kDirectory) == Error::kInvalid);
    CHECK(err("/proc/new", kWriteOnly | kCreate) == Error::kNoEntry);  // procfs: no such name
    CHECK(err("/proc/self/new", kWriteOnly | kCreate) == Error::kNoEntry);
    CHECK(err("/dev/new", kWriteOnly | kCreate) == Error::kAccess);  // a fixed table here
    CHECK(err("/etc", kReadOnly) == Error{});
    CHECK(err("/etc", kReadOnly | kDirectory) == Error{});
    CHECK(err("/etc", kWriteOnly) == Error::kIsDirectory);
    CHECK(err("/etc", kReadWrite) == Error::kIsDirectory);
    CHECK(err("/etc", kReadOnly | kCreate) == Error::kIsDirectory);
    CHECK(err("/dev/null", kWriteOnly | kCreate | kTruncate) == Error{});
    CHECK(err("/dev/null", kReadOnly | kDirectory) == Error::kNotDirectory);
    CHECK(err("/dev/console", kReadWrite) == Error{});
    CHECK(err("/dev/urandom", kReadOnly) == Error{});
    CHECK(err("/proc/self", kReadOnly | kNoFollow) == Error::kLoop);
    CHECK(err("/etc/motd/", kReadOnly) == Error::kNotDirectory);

    auto d = open_path(t.vfs, ctx, Node{}, "/dev/null", kWriteOnly | kNonBlock | kCloseOnExec);
    REQUIRE(d.ok());
    CHECK(d.value()->flags() == (kWriteOnly | kNonBlock | kLargeFile));
    CHECK(!d.value()->readable());
    CHECK(d.value()->writable());
    d.value()->set_status_flags(kAppend | kReadWrite | kDirectory);
    CHECK(d.value()->flags() == (kWriteOnly | kAppend | kLargeFile));
}

TEST_CASE("open: a ramdisk file reads, preads and seeks through its shared offset") {
    Tree t;
    auto d = open_path(t.vfs, LookupContext{}, Node{}, "/etc/motd", open_flags::kReadOnly);
    REQUIRE(d.ok());
    FileDescription& f = *d.value();
    char buf[64] = {};
    auto io = IoBuffer::kernel(buf, 5);
    CHECK(do_read(f, io).value() == 5);
    CHECK(std::string(buf, 5) == "hello");
    auto rest = IoBuffer::kernel(buf, sizeof buf);
    CHECK(do_read(f, rest).value() == 8);
    CHECK(std::string(buf, 8) == ", world\n");
    CHECK(do_read(f, rest).value() == 0);
    CHECK(f.seek(-6, 2).value() == 7);
    CHECK(do_read(f, io).value() == 5);
    CHECK(std::string(buf, 5) == "world");
    CHECK(f.seek(0, 1).value() == 12);
    CHECK(f.seek(-13, 1).error() == Error::kInvalid);
    CHECK(f.seek(100, 0).value() == 100);
    CHECK(do_read(f, io).value() == 0);
    // SEEK_DATA and SEEK_HOLE: all data, the one hole at the end.
    CHECK(f.seek(2, 3).value() == 2);
    CHECK(f.seek(2, 4).value() == 13);
    CHECK(f.seek(13, 3).error() == Error::kNoDeviceOrAddress);
    CHECK(f.seek(0, 5).error() == Error::kInvalid);
    CHECK(f.seek(100, 0).value() == 100);
    CHECK(do_pread(f, io, 7).value() == 5);
    CHECK(f.seek(0, 1).value() == 100);  // pread leaves the offset alone
    CHECK(do_pread(f, io, uint64_t(-1)).error() == Error::kInvalid);
    CHECK(do_write(f, io).error() == Error::kBadFd);
    FileStat st;
    f.stat(st);
    CHECK(st.size == 13);

    // A read into a buffer that faults gives its bytes back to the offset.
    CHECK(f.seek(0, 0).value() == 0);
    std::string user(8, '\0');
    test::set_user_fault_range(user.data(), 1);
    auto bad = IoBuffer::user(reinterpret_cast<uint64_t>(user.data()), 8);
    CHECK(do_read(f, bad).error() == Error::kFault);
    test::clear_user_fault_range();
    CHECK(f.seek(0, 1).value() == 0);

    // A large read goes in pieces with a checkpoint between them; a pending
    // kill stops it after the first.
    auto big = open_path(t.vfs, LookupContext{}, Node{}, "/readme", open_flags::kReadOnly);
    REQUIRE(big.ok());
    std::string data(100000, '\0');
    auto all = IoBuffer::kernel(data.data(), data.size());
    size_t checkpoints = test::io_checkpoints();
    CHECK(do_read(*big.value(), all).value() == 100000);
    CHECK(test::io_checkpoints() > checkpoints);
    CHECK(data == std::string(100000, 'r'));
    CHECK(big.value()->seek(0, 0).ok());
    test::set_kill_pending(true);
    CHECK(do_read(*big.value(), all).value() == 65536);
    test::set_kill_pending(false);
    CHECK(big.value()->seek(0, 1).value() == 65536);
}

TEST_CASE("open: writes keep to RLIMIT_FSIZE: short up to it, EFBIG and SIGXFSZ from it on") {
    Tree t;
    using namespace open_flags;
    auto d = open_path(t.vfs, LookupContext{}, Node{}, "/etc/limited", kReadWrite | kCreate, 0644);
    REQUIRE(d.ok());
    FileDescription& f = *d.value();
    char buf[8] = "abcdefg";
    const size_t signals = test::file_size_signals();
    test::set_file_size_limit(6);
    auto io = IoBuffer::kernel(buf, 4);
    CHECK(do_write(f, io).value() == 4);
    CHECK(do_write(f, io).value() == 2);  // stops at the limit, no signal
    CHECK(test::file_size_signals() == signals);
    CHECK(do_write(f, io).error() == Error::kFileTooBig);
    CHECK(test::file_size_signals() == signals + 1);
    CHECK(do_pwrite(f, io, 1).value() == 4);  // wholly below it
    CHECK(do_pwrite(f, io, 5).value() == 1);
    CHECK(do_pwrite(f, io, 6).error() == Error::kFileTooBig);
    CHECK(test::file_size_signals() == signals + 2);
    auto none = IoBuffer::kernel(buf, 0);
    CHECK(do_pwrite(f, none, 9).value() == 0);  // nothing to write: no check
    CHECK(test::file_size_signals() == signals + 2);
    auto appender = open_path(t.vfs, LookupContext{}, Node{}, "/etc/limited", kWriteOnly | kAppend);
    REQUIRE(appender.ok());
    CHECK(do_write(*appender.value(), io).error() == Error::kFileTooBig);  // the end is at it
    CHECK(test::file_size_signals() == signals + 3);
    test::set_file_size_limit(~0ull);
    CHECK(do_write(f, io).value() == 4);
    FileStat st;
    f.stat(st);
    CHECK(st.size == 10);
}

TEST_CASE("open: directories list through read_directory from their offset; read is EISDIR") {
    Tree t;
    auto d = open_path(t.vfs, LookupContext{}, Node{}, "/bin", open_flags::kReadOnly);
    REQUIRE(d.ok());
    FileDescription& dir = *d.value();
    char buf[8];
    auto io = IoBuffer::kernel(buf, sizeof buf);
    CHECK(do_read(dir, io).error() == Error::kIsDirectory);
    struct Sink {
        std::vector<std::string> names;
        std::vector<uint64_t> offsets;
        size_t room;
        static bool take(void* ctx, const DirectoryEntry& e) {
            auto* s = static_cast<Sink*>(ctx);
            if (s->names.size() == s->room) return false;
            s->names.push_back(e.name);
            s->offsets.push_back(e.next_offset);
            return true;
        }
    };
    Sink first{{}, {}, 3};
    REQUIRE(dir.read_directory(Sink::take, &first).ok());
    CHECK(first.names == std::vector<std::string>{".", "..", "sh"});
    CHECK(first.offsets == std::vector<uint64_t>{1, 2, 3});
    Sink second{{}, {}, 10};
    REQUIRE(dir.read_directory(Sink::take, &second).ok());
    CHECK(second.names == std::vector<std::string>{"cat"});
    Sink done{{}, {}, 10};
    REQUIRE(dir.read_directory(Sink::take, &done).ok());
    CHECK(done.names.empty());
    CHECK(dir.seek(1, 0).value() == 1);
    CHECK(dir.seek(0, 2).error() == Error::kInvalid);
    Sink again{{}, {}, 10};
    REQUIRE(dir.read_directory(Sink::take, &again).ok());
    CHECK(again.names == std::vector<std::string>{"..", "sh", "cat"});

    auto file = open_path(t.vfs, LookupContext{}, Node{}, "/bin/sh", open_flags::kReadOnly);
    CHECK(file.value()->read_directory(Sink::take, &again).error() == Error::kNotDirectory);
}

TEST_CASE("open: /dev/null, /dev/zero and /dev/full") {
    Tree t;
    auto dev = [&](const char* path) {
        auto r = open_path(t.vfs, LookupContext{}, Node{}, path, open_flags::kReadWrite);
        REQUIRE(r.ok());
        return r.release_value();
    };
    char buf[5000];
    memset(buf, 'x', sizeof buf);
    auto io = IoBuffer::kernel(buf, sizeof buf);
    DescriptionRef null = dev("/dev/null"), zero = dev("/dev/zero"), full = dev("/dev/full");
    CHECK(do_read(*null, io).value() == 0);
    CHECK(do_write(*null, io).value() == sizeof buf);
    CHECK(null->seek(100, 0).value() == 0);
    CHECK(do_read(*zero, io).value() == sizeof buf);
    CHECK(std::string(buf, sizeof buf) == std::string(sizeof buf, '\0'));
    CHECK(do_write(*zero, io).value() == sizeof buf);
    CHECK(do_read(*full, io).value() == sizeof buf);
    CHECK(do_write(*full, io).error() == Error::kNoSpace);
    CHECK(do_pread(*zero, io, 12).value() == sizeof buf);
    CHECK(full->poll(nullptr) == (poll_events::kIn | poll_events::kReadNormal | poll_events::kOut |
                                  poll_events::kWriteNormal));
    CHECK(null->ioctl(0x5401, 0).error() == Error::kNotTty);
}

TEST_CASE("open: a character device made in the tree opens as the device its number names") {
    Tree t;
    Inode* etc = t.at("/etc").inode.get();
    REQUIRE(t.vfs.tree()
                .create(etc, "null", 4, NodeType::kCharDevice, 0644, 0, 0, nullptr,
                        uint32_t(make_device(1, 3)))
                .ok());
    REQUIRE(t.vfs.tree()
                .create(etc, "nodriver", 8, NodeType::kCharDevice, 0600, 0, 0, nullptr,
                        uint32_t(make_device(240, 7)))
                .ok());
    FileStat st;
    t.vfs.stat(t.at("/etc/null"), st);
    CHECK(st.mode == (mode_bits::kCharDevice | 0644));
    CHECK(st.rdevice == make_device(1, 3));
    CHECK(st.device == kRootDevice);  // the node's own, not /dev's
    auto null = open_path(t.vfs, LookupContext{}, Node{}, "/etc/null", open_flags::kReadWrite);
    REQUIRE(null.ok());
    char buf[8] = "abcdefg";
    auto io = IoBuffer::kernel(buf, sizeof buf);
    CHECK(do_read(*null.value(), io).value() == 0);
    CHECK(do_write(*null.value(), io).value() == sizeof buf);
    FileStat opened;
    null.value()->stat(opened);
    CHECK(opened.inode == st.inode);
    CHECK(
        open_path(t.vfs, LookupContext{}, Node{}, "/etc/nodriver", open_flags::kReadOnly).error() ==
        Error::kNoDeviceOrAddress);
    CHECK(t.vfs.device_named(make_device(5, 1)) == Special::kConsole);
    CHECK(t.vfs.device_named(make_device(4, 64)) == Special::kTtyS0);
    CHECK(t.vfs.device_named(make_device(0, 0)) == Special::kNone);
}

TEST_CASE("open: /proc's text files are read-only regular files of size 0 that read their text") {
    Tree t;
    test::clear_fake_processes();
    test::set_fake_process(9, nullptr);
    LookupContext self = LookupContext::of_process(Node{}, Node{}, nullptr, 9);
    CHECK(t.list(t.at("/proc")) == std::vector<std::string>{".", "..", "self", "cpuinfo",
                                                            "interrupts", "loadavg", "meminfo",
                                                            "mounts", "pci", "stat", "uptime",
                                                            "version", "filesystems", "sys", "9"});
    // /proc/mounts is a link to the caller's (self/mounts), as Linux's.
    for (const char* path :
         {"/proc/cpuinfo", "/proc/interrupts", "/proc/loadavg", "/proc/meminfo", "/proc/mounts",
          "/proc/pci", "/proc/self/mounts", "/proc/stat", "/proc/uptime", "/proc/version",
          "/proc/filesystems", "/proc/self/statm", "/proc/self/limits", "/proc/self/mountinfo",
          "/proc/sys/kernel/hostname", "/proc/sys/kernel/osrelease", "/proc/sys/kernel/ostype",
          "/proc/sys/kernel/pid_max", "/proc/sys/kernel/version"}) {
        CAPTURE(path);
        Node n = t.vfs.resolve(self, Node{}, path, true).value();
        CHECK(is_proc_text(n.special));
        FileStat st;
        t.vfs.stat(n, st);
        CHECK(st.mode == (mode_bits::kRegular | 0444));
        CHECK(st.size == 0);  // as Linux's: the text is made when read
        CHECK(open_path(t.vfs, self, Node{}, path, open_flags::kWriteOnly).error() ==
              Error::kAccess);
        CHECK(open_path(t.vfs, self, Node{}, path, open_flags::kReadOnly | open_flags::kDirectory)
                  .error() == Error::kNotDirectory);
        auto file = open_path(t.vfs, self, Node{}, path, open_flags::kReadOnly);
        REQUIRE(file.ok());
        // The host's text (test/host/fake_user_memory.cpp) names the node.
        std::string expected = "proc text " + std::to_string(unsigned(n.special)) + "\n";
        char buf[64] = {};
        auto io = IoBuffer::kernel(buf, sizeof buf);
        CHECK(do_read(*file.value(), io).value() == expected.size());
        CHECK(std::string(buf) == expected);
        CHECK(do_read(*file.value(), io).value() == 0);  // then end of file
        CHECK(file.value()->seek(5, 0).value() == 5);
        CHECK(do_pread(*file.value(), io, 0).value() == expected.size());
        // Out of memory for the text or the description: ENOMEM, nothing kept.
        for (int n_fail = 1; n_fail <= 2; ++n_fail) {
            test::FailNothrowNew fail(n_fail);
            auto r = open_path(t.vfs, self, Node{}, path, open_flags::kReadOnly);
            CHECK(fail.triggered());
            CHECK(r.error() == Error::kNoMemory);
        }
    }
    test::clear_fake_processes();
}

TEST_CASE("io buffer: a vector of user ranges reads as one run of bytes") {
    std::string a = "hello", b, c = " world";
    IoSegment segs[3] = {{reinterpret_cast<uint64_t>(a.data()), a.size()},
                         {0, 0},
                         {reinterpret_cast<uint64_t>(c.data()), c.size()}};
    auto io = IoBuffer::user_vector(segs, 3, 11);
    char out[11];
    REQUIRE(io.load(0, out, 11).ok());
    CHECK(std::string(out, 11) == "hello world");
    REQUIRE(io.load(3, out, 4).ok());
    CHECK(std::string(out, 4) == "lo w");
    REQUIRE(io.store(4, "XY", 2).ok());
    CHECK(a == "hellX");
    CHECK(c == "Yworld");
    CHECK(io.load(10, out, 2).error() == Error::kInvalid);
}

TEST_CASE("open: out of memory for the description is ENOMEM, and leaks nothing") {
    Tree t;
    for (const char* path : {"/etc/motd", "/etc", "/dev/null", "/dev/console", "/dev/urandom"}) {
        CAPTURE(path);
        test::FailNothrowNew fail(1);
        auto r = open_path(t.vfs, LookupContext{}, Node{}, path, open_flags::kReadOnly);
        CHECK(fail.triggered());
        CHECK(r.error() == Error::kNoMemory);
    }
}

TEST_CASE("vfs: statx's mount IDs, one per file system, numbered as Linux's first mounts") {
    CHECK(fs::mount_id(fs::kRootDevice) == 1);
    CHECK(fs::mount_id(fs::kDevDevice) == 2);
    CHECK(fs::mount_id(fs::kProcDevice) == 3);
    CHECK(fs::mount_id(fs::make_device(0, 12)) == 4);  // a pipe's
}

TEST_CASE(
    "vfs: a chroot's root: absolute paths, '..' at it and absolute link targets stay inside") {
    Tree t;
    LookupContext jailed{};
    jailed.root = t.at("/dev");
    // "/" is the new root; ".." at it stays; the tree above is out of reach.
    CHECK(t.vfs.resolve(jailed, Node{}, "/null", true).value() == t.at("/dev/null"));
    CHECK(t.vfs.resolve(jailed, Node{}, "/../../null", true).value() == t.at("/dev/null"));
    CHECK(t.vfs.resolve(jailed, Node{}, "/", true).value() == t.at("/dev"));
    CHECK(resolve_error(t, jailed, "/dev/null") == Error::kNoEntry);
    CHECK(resolve_error(t, jailed, "/bin/sh") == Error::kNoEntry);
    // A relative path from a directory outside the root still walks up
    // normally (Linux too: only the root itself stops "..").
    auto outside = t.vfs.resolve(jailed, t.at("/bin"), "../dev/null", true);
    REQUIRE(outside.ok());
    CHECK(outside.value() == t.at("/dev/null"));
}
