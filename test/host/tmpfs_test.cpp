// The writable root tree (fs/tmpfs.h): names, link counts, file data,
// truncation, the page cap, the ramdisk's borrowed bytes copied on first
// write, listings that survive removals, ETXTBSY's two sides, and every
// operation's allocation failures leaving the tree as it was and leaking
// nothing (frames are counted by the fake RAM, inodes by the tree, heap
// blocks by ASan's leak check).
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "failing_new.h"
#include "fs/tmpfs.h"
#include "fs_test_support.h"

using namespace nyanos;
using namespace nyanos::fs;

namespace {

std::vector<uint8_t> small_archive() {
    test::TarBuilder t;
    t.dir("etc/", 0755);
    t.file("etc/motd", "hello, world\n", 0644);
    t.file("bin/prog", std::string(9000, 'p'), 0755);
    t.symlink("bin/link", "prog");
    return t.finish();
}

struct Tree : test::TestTree {
    explicit Tree(uint64_t max_pages = 64, uint64_t max_inodes = 64)
        : TestTree(small_archive(), nullptr, max_pages, max_inodes) {}
    Inode* root() { return tree.root(); }
    InodeRef find(Inode* dir, const char* name) { return tree.lookup(dir, name, strlen(name)); }
    InodeRef make(Inode* dir, const char* name, NodeType type = NodeType::kRegular,
                  const char* target = nullptr) {
        auto r = tree.create(dir, name, strlen(name), type, 0644, 0, 0, target);
        REQUIRE(r.ok());
        return r.release_value();
    }
    uint32_t links(Inode* i) {
        FileStat st;
        tree.stat(i, st);
        return uint32_t(st.links);
    }
    size_t write(Inode* file, const std::string& bytes, uint64_t at) {
        std::string copy = bytes;
        auto in = IoBuffer::kernel(copy.data(), copy.size());
        auto r = tree.write(file, in, at, false);
        REQUIRE(r.ok());
        return r.value();
    }
    std::string read(Inode* file, uint64_t at, size_t n) {
        std::string out(n, '\0');
        auto buffer = IoBuffer::kernel(out.data(), n);
        auto r = tree.read(file, buffer, at);
        REQUIRE(r.ok());
        out.resize(r.value());
        return out;
    }
    std::vector<std::string> names(Inode* dir) {
        std::vector<std::string> out;
        DirectoryEntry e;
        uint64_t cookie = 0, found;
        while (tree.entry_from(dir, cookie, e, e.name_text, sizeof e.name_text, found)) {
            out.push_back(e.name);
            cookie = found + 1;
        }
        return out;
    }
};

}  // namespace

TEST_CASE("tmpfs: the ramdisk populates the tree, with modes, links and borrowed bytes") {
    Tree t;
    CHECK(t.names(t.root()) == std::vector<std::string>{"etc", "bin"});
    InodeRef bin = t.find(t.root(), "bin");
    InodeRef prog = t.find(bin.get(), "prog");
    REQUIRE(prog);
    FileStat st;
    t.tree.stat(prog.get(), st);
    CHECK(st.mode == (mode_bits::kRegular | 0755));
    CHECK(st.size == 9000);
    CHECK(t.read(prog.get(), 8990, 100) == std::string(10, 'p'));
    InodeRef link = t.find(bin.get(), "link");
    CHECK(link->type == NodeType::kSymlink);
    CHECK(std::string(link->target) == "prog");
    CHECK(t.links(t.root()) == 4);     // ".", "..", and etc's and bin's ".."
    CHECK(t.tree.usage().pages == 0);  // nothing copied yet
}

TEST_CASE("tmpfs: writing a borrowed file copies it into pages of its own first") {
    Tree t;
    InodeRef motd = t.find(t.find(t.root(), "etc").get(), "motd");
    CHECK(t.write(motd.get(), "HELLO", 0) == 5);
    CHECK(t.read(motd.get(), 0, 100) == "HELLO, world\n");
    CHECK(t.tree.usage().pages == 1);
    // The archive's bytes are untouched.
    CHECK(std::string(reinterpret_cast<const char*>(t.disk.lookup("/etc/motd")->data), 5) ==
          "hello");
    CHECK(t.tree.borrowed_bytes(motd.get()).data == nullptr);
}

TEST_CASE("tmpfs: names and link counts follow create, link, unlink, mkdir and rmdir") {
    Tree t;
    InodeRef dir = t.make(t.root(), "d", NodeType::kDirectory);
    CHECK(t.links(dir.get()) == 2);
    CHECK(t.links(t.root()) == 5);
    InodeRef f = t.make(dir.get(), "f");
    CHECK(t.links(f.get()) == 1);
    CHECK(t.tree.create(dir.get(), "f", 1, NodeType::kRegular, 0644, 0, 0).error() ==
          Error::kExists);
    REQUIRE(t.tree.link(dir.get(), "g", 1, f.get()).ok());
    CHECK(t.links(f.get()) == 2);
    CHECK(t.tree.link(dir.get(), "g", 1, f.get()).error() == Error::kExists);
    CHECK(t.tree.link(t.root(), "dd", 2, dir.get()).error() == Error::kPermission);
    InodeRef sub = t.make(dir.get(), "sub", NodeType::kDirectory);
    CHECK(t.links(dir.get()) == 3);
    CHECK(t.tree.remove(dir.get(), "f", 1, true).error() == Error::kNotDirectory);
    CHECK(t.tree.remove(dir.get(), "sub", 3, false).error() == Error::kIsDirectory);
    CHECK(t.tree.remove(t.root(), "d", 1, true).error() == Error::kNotEmpty);
    REQUIRE(t.tree.remove(dir.get(), "f", 1, false).ok());
    CHECK(t.links(f.get()) == 1);
    REQUIRE(t.tree.remove(dir.get(), "g", 1, false).ok());
    CHECK(t.links(f.get()) == 0);
    // Unlinked but held: readable, and no new name can be given to it.
    CHECK(t.tree.link(dir.get(), "h", 1, f.get()).error() == Error::kNoEntry);
    REQUIRE(t.tree.remove(dir.get(), "sub", 3, true).ok());
    CHECK(t.links(dir.get()) == 2);
    CHECK(t.links(sub.get()) == 0);
    // Nothing can be made in a removed directory.
    CHECK(t.tree.create(sub.get(), "x", 1, NodeType::kRegular, 0644, 0, 0).error() ==
          Error::kNoEntry);
    REQUIRE(t.tree.remove(t.root(), "d", 1, true).ok());
    CHECK(t.links(t.root()) == 4);
    const uint64_t inodes = t.tree.usage().inodes;
    f.reset();
    sub.reset();
    dir.reset();
    CHECK(t.tree.usage().inodes == inodes - 3);
    CHECK(t.memory.leaked() == 0);
}

TEST_CASE("tmpfs: file data: holes read as zeros, truncate cuts and grows with zeros") {
    Tree t;
    InodeRef f = t.make(t.root(), "f");
    CHECK(t.write(f.get(), "end", 3 * 4096 + 10) == 3);
    CHECK(t.tree.size_of(f.get()) == 3 * 4096 + 13);
    CHECK(t.read(f.get(), 0, 5) == std::string(5, '\0'));
    CHECK(t.tree.usage().pages == 1);  // only the page written
    CHECK(t.write(f.get(), std::string(5000, 'x'), 100) == 5000);
    REQUIRE(t.tree.truncate(f.get(), 200).ok());
    CHECK(t.tree.size_of(f.get()) == 200);
    CHECK(t.tree.usage().pages == 1);
    REQUIRE(t.tree.truncate(f.get(), 8192).ok());
    CHECK(t.read(f.get(), 150, 100) == std::string(50, 'x') + std::string(50, '\0'));
    // O_APPEND's write lands at the end and says where.
    uint64_t at = 0;
    std::string more = "tail";
    auto in = IoBuffer::kernel(more.data(), more.size());
    REQUIRE(t.tree.write(f.get(), in, at, true).ok());
    CHECK(at == 8192);
    CHECK(t.read(f.get(), 8192, 10) == "tail");
    CHECK(t.tree.truncate(f.get(), kMaxFileSize + 1).error() == Error::kFileTooBig);
    REQUIRE(t.tree.remove(t.root(), "f", 1, false).ok());
    f.reset();
    CHECK(t.tree.usage().pages == 0);
    CHECK(t.memory.leaked() == 0);
}

TEST_CASE(
    "tmpfs: an unlinked file (memfd) has no name, holds data and goes with its last reference") {
    Tree t;
    const uint64_t inodes = t.tree.usage().inodes;
    auto made = t.tree.create_unlinked("memfd:x", 0777, 5, 6);
    REQUIRE(made.ok());
    InodeRef f = made.release_value();
    CHECK(t.links(f.get()) == 0);
    CHECK(t.tree.usage().inodes == inodes + 1);
    CHECK(!t.find(t.root(), "memfd:x"));  // in no directory
    FileStat st;
    t.tree.stat(f.get(), st);
    CHECK(st.uid == 5);
    CHECK(st.gid == 6);
    CHECK((st.mode & 07777) == 0777);
    CHECK(t.write(f.get(), "data", 10) == 4);
    CHECK(t.read(f.get(), 8, 6) == std::string("\0\0data", 6));
    // grow only ever grows, with zeros.
    REQUIRE(t.tree.grow(f.get(), 5000).ok());
    CHECK(t.tree.size_of(f.get()) == 5000);
    REQUIRE(t.tree.grow(f.get(), 100).ok());
    CHECK(t.tree.size_of(f.get()) == 5000);
    CHECK(t.read(f.get(), 4990, 20) == std::string(10, '\0'));
    CHECK(t.tree.grow(f.get(), kMaxFileSize + 1).error() == Error::kFileTooBig);
    CHECK(t.tree.create_unlinked(std::string(kNameMax + 1, 'n').c_str(), 0777, 0, 0).error() ==
          Error::kNameTooLong);
    f.reset();
    CHECK(t.tree.usage().inodes == inodes);
    CHECK(t.tree.usage().pages == 0);
    CHECK(t.memory.leaked() == 0);
}

TEST_CASE("tmpfs: a read moves the access time as Linux's relatime") {
    Tree t;
    InodeRef f = t.make(t.root(), "f");
    t.write(f.get(), "data", 0);
    FileStat before, after;
    t.tree.stat(f.get(), before);
    t.read(f.get(), 0, 4);  // atime <= mtime: it moves
    t.tree.stat(f.get(), after);
    CHECK(after.atime.seconds > before.mtime.seconds);
    const FileTime first = after.atime;
    t.read(f.get(), 0, 4);  // now after the change, and not a day old: it stays
    t.tree.stat(f.get(), after);
    CHECK(after.atime == first);
    test::TestTree::seconds += 2 * 24 * 60 * 60;  // two days later
    t.read(f.get(), 0, 4);
    t.tree.stat(f.get(), after);
    CHECK(after.atime.seconds > first.seconds + 24 * 60 * 60);
}

TEST_CASE("tmpfs: the page cap makes writes short, then ENOSPC, and frees on removal") {
    Tree t(4);
    InodeRef f = t.make(t.root(), "big");
    std::string bytes(6 * 4096, 'b');
    auto in = IoBuffer::kernel(bytes.data(), bytes.size());
    uint64_t at = 0;
    auto r = t.tree.write(f.get(), in, at, false);
    REQUIRE(r.ok());
    CHECK(r.value() == 4 * 4096);  // short: the tree is full
    auto again = IoBuffer::kernel(bytes.data(), 10);
    at = 4 * 4096;
    CHECK(t.tree.write(f.get(), again, at, false).error() == Error::kNoSpace);
    CHECK(t.tree.usage().pages == 4);
    REQUIRE(t.tree.remove(t.root(), "big", 3, false).ok());
    f.reset();
    CHECK(t.tree.usage().pages == 0);
    CHECK(t.memory.leaked() == 0);
}

TEST_CASE("tmpfs: inodes are capped like pages: ENOSPC, and a removal makes room again") {
    Tree t(64, 16);  // 16 inodes: the root and the archive's 5 are there
    std::vector<InodeRef> made;
    for (int i = 0;; ++i) {
        std::string name = "f" + std::to_string(i);
        auto r = t.tree.create(t.root(), name.c_str(), name.size(), NodeType::kRegular, 0644, 0, 0);
        if (!r.ok()) {
            CHECK(r.error() == Error::kNoSpace);
            break;
        }
        made.push_back(r.release_value());
    }
    CHECK(t.tree.usage().inodes == 16);
    REQUIRE(t.tree.remove(t.root(), "f0", 2, false).ok());
    made.erase(made.begin());
    CHECK(t.tree.create(t.root(), "again", 5, NodeType::kRegular, 0644, 0, 0).ok());
}

TEST_CASE("tmpfs: renaming a hard link whose recorded directory is gone drops that directory") {
    Tree t;
    InodeRef a = t.make(t.root(), "a", NodeType::kDirectory);
    InodeRef b = t.make(t.root(), "b", NodeType::kDirectory);
    InodeRef c = t.make(t.root(), "c", NodeType::kDirectory);
    InodeRef f = t.make(a.get(), "f");
    REQUIRE(t.tree.link(b.get(), "g", 1, f.get()).ok());
    REQUIRE(t.tree.remove(a.get(), "f", 1, false).ok());
    REQUIRE(t.tree.remove(t.root(), "a", 1, true).ok());
    const uint64_t inodes = t.tree.usage().inodes;
    a.reset();  // only f's recorded parent holds it now
    CHECK(t.tree.usage().inodes == inodes);
    // The rename moves f's record to c, and a goes with its last reference.
    REQUIRE(t.tree.rename(b.get(), "g", 1, c.get(), "h", 1, 0).ok());
    CHECK(t.tree.usage().inodes == inodes - 1);
    CHECK(t.find(c.get(), "h").get() == f.get());
}

TEST_CASE("tmpfs: a write far past the end cannot make the page list huge") {
    Tree t(64);
    InodeRef f = t.make(t.root(), "sparse");
    std::string x = "x";
    auto in = IoBuffer::kernel(x.data(), 1);
    uint64_t at = uint64_t(1) << 39;  // 2^27 pages out: over 8 slots per page of the cap
    CHECK(t.tree.write(f.get(), in, at, false).error() == Error::kNoSpace);
    at = 8 * 64 * 4096 - 1;  // the last page the list may cover
    CHECK(t.tree.write(f.get(), in, at, false).value() == 1);
    CHECK(t.tree.usage().pages == 1);
}

TEST_CASE("tmpfs: rename follows Linux's rules") {
    Tree t;
    InodeRef a = t.make(t.root(), "a", NodeType::kDirectory);
    InodeRef b = t.make(t.root(), "b", NodeType::kDirectory);
    InodeRef inner = t.make(a.get(), "inner", NodeType::kDirectory);
    InodeRef f = t.make(t.root(), "f");
    InodeRef g = t.make(t.root(), "g");
    auto rename = [&](Inode* from_dir, const char* from, Inode* to_dir, const char* to,
                      uint32_t flags = 0) {
        auto r = t.tree.rename(from_dir, from, strlen(from), to_dir, to, strlen(to), flags);
        return r.ok() ? Error{} : r.error();
    };
    Inode* root = t.root();
    CHECK(rename(root, "nothing", root, "x") == Error::kNoEntry);
    CHECK(rename(root, "a", a.get(), "x") == Error::kInvalid);  // into itself
    CHECK(rename(root, "a", inner.get(), "x") == Error::kInvalid);
    CHECK(rename(a.get(), "inner", root, "a") == Error::kNotEmpty);  // over its own parent
    CHECK(rename(root, "f", root, "a") == Error::kIsDirectory);
    CHECK(rename(root, "b", root, "f") == Error::kNotDirectory);
    CHECK(rename(root, "f", root, "g", kRenameNoReplace) == Error::kExists);
    CHECK(rename(root, "f", root, "zz", kRenameExchange) == Error::kNoEntry);
    CHECK(rename(root, "f", root, "g", 8) == Error::kInvalid);
    // Over a file: the old target goes, the source takes its name.
    CHECK(rename(root, "f", root, "g") == Error{});
    CHECK(t.find(root, "g").get() == f.get());
    CHECK(!t.find(root, "f"));
    CHECK(t.links(g.get()) == 0);
    // A directory over an empty one, into another parent: link counts move.
    CHECK(t.links(a.get()) == 3);
    CHECK(rename(a.get(), "inner", root, "b") == Error{});
    CHECK(t.links(a.get()) == 2);
    CHECK(t.links(b.get()) == 0);
    CHECK(t.find(root, "b").get() == inner.get());
    // Exchange swaps the two names.
    CHECK(rename(root, "a", root, "g", kRenameExchange) == Error{});
    CHECK(t.find(root, "g").get() == a.get());
    CHECK(t.find(root, "a").get() == f.get());
    // The same inode under both names: nothing happens.
    REQUIRE(t.tree.link(root, "f2", 2, f.get()).ok());
    CHECK(rename(root, "a", root, "f2") == Error{});
    CHECK(t.find(root, "a").get() == f.get());
}

TEST_CASE("tmpfs: a listing resumed by cookie neither skips nor repeats around removals") {
    Tree t;
    InodeRef d = t.make(t.root(), "d", NodeType::kDirectory);
    for (int i = 0; i < 40; ++i) t.make(d.get(), ("n" + std::to_string(i)).c_str());
    // rm -r's pattern: read one entry, remove it, read on from the next cookie.
    DirectoryEntry e;
    uint64_t cookie = 0, found;
    int seen = 0;
    while (t.tree.entry_from(d.get(), cookie, e, e.name_text, sizeof e.name_text, found)) {
        CHECK(std::string(e.name) == "n" + std::to_string(seen));
        REQUIRE(t.tree.remove(d.get(), e.name, strlen(e.name), false).ok());
        cookie = found + 1;
        ++seen;
    }
    CHECK(seen == 40);
    CHECK(t.tree.directory_empty(d.get()));
}

TEST_CASE("tmpfs: exec and writing exclude each other (ETXTBSY)") {
    Tree t;
    InodeRef prog = t.find(t.find(t.root(), "bin").get(), "prog");
    REQUIRE(t.tree.get_write_access(prog.get()).ok());
    CHECK(hold_running(prog.get()).error() == Error::kTextBusy);
    t.tree.put_write_access(prog.get());
    auto held = hold_running(prog.get());
    REQUIRE(held.ok());
    CHECK(t.tree.get_write_access(prog.get()).error() == Error::kTextBusy);
    share_running(held.value());  // a fork
    drop_running(held.value());
    CHECK(t.tree.get_write_access(prog.get()).error() == Error::kTextBusy);
    drop_running(held.value());
    CHECK(t.tree.get_write_access(prog.get()).ok());
    t.tree.put_write_access(prog.get());
}

TEST_CASE("tmpfs: a mapping's page is the file's frame, with a reference of its own") {
    Tree t;
    InodeRef f = t.make(t.root(), "f");
    t.write(f.get(), std::string(100, 'm'), 0);
    auto frame = t.tree.page_for_mapping(f.get(), 0);
    REQUIRE(frame.ok());
    CHECK(t.memory.reference_count(frame.value()) == 2);
    CHECK(t.tree.page_for_mapping(f.get(), 1).error() == Error::kRange);
    // The file goes; the mapping's reference keeps the frame.
    REQUIRE(t.tree.remove(t.root(), "f", 1, false).ok());
    f.reset();
    CHECK(t.memory.reference_count(frame.value()) == 1);
    CHECK(static_cast<char*>(t.memory.phys_to_virt(frame.value()))[0] == 'm');
    t.memory.free_frame(frame.value(), mm::FrameUse::kUser);
    CHECK(t.memory.leaked() == 0);
}

TEST_CASE("tmpfs: every allocation failure leaves the tree as it was and leaks nothing") {
    // Each operation, with the Nth heap allocation failing and then the
    // Nth frame allocation failing, until it succeeds.
    using Op = std::function<bool(Tree&)>;
    const std::vector<std::pair<const char*, Op>> ops = {
        {"create",
         [](Tree& t) {
             return t.tree.create(t.root(), "new", 3, NodeType::kRegular, 0644, 0, 0).ok();
         }},
        {"mkdir",
         [](Tree& t) {
             return t.tree.create(t.root(), "dir", 3, NodeType::kDirectory, 0755, 0, 0).ok();
         }},
        {"symlink",
         [](Tree& t) {
             return t.tree.create(t.root(), "sl", 2, NodeType::kSymlink, 0777, 0, 0, "target").ok();
         }},
        {"link",
         [](Tree& t) {
             InodeRef motd = t.find(t.find(t.root(), "etc").get(), "motd");
             return t.tree.link(t.root(), "hard", 4, motd.get()).ok();
         }},
        {"rename",
         [](Tree& t) {
             return t.tree.rename(t.find(t.root(), "etc").get(), "motd", 4, t.root(), "moved", 5, 0)
                 .ok();
         }},
        {"write",
         [](Tree& t) {
             InodeRef motd = t.find(t.find(t.root(), "etc").get(), "motd");
             std::string bytes(5000, 'w');
             auto in = IoBuffer::kernel(bytes.data(), bytes.size());
             uint64_t at = 3000;
             // A short count when a page cannot be had is a success too.
             return t.tree.write(motd.get(), in, at, false).ok();
         }},
        {"create_unlinked",
         [](Tree& t) { return t.tree.create_unlinked("memfd:m", 0777, 0, 0).ok(); }},
        {"grow",
         [](Tree& t) {
             InodeRef prog = t.find(t.find(t.root(), "bin").get(), "prog");
             return t.tree.grow(prog.get(), 20000).ok();
         }},
        {"truncate",
         [](Tree& t) {
             InodeRef prog = t.find(t.find(t.root(), "bin").get(), "prog");
             return t.tree.truncate(prog.get(), 100).ok();
         }},
    };
    for (const auto& [name, op] : ops) {
        CAPTURE(name);
        for (int kind = 0; kind < 2; ++kind) {
            for (size_t n = 1;; ++n) {
                CAPTURE(n);
                Tree t;
                const uint64_t inodes = t.tree.usage().inodes;
                bool done;
                if (kind == 0) {
                    test::FailNothrowNew fail(n);
                    done = op(t);
                    if (!fail.triggered()) {
                        CHECK(done);
                        break;
                    }
                } else {
                    t.memory.allocator.fail_at(n);
                    done = op(t);
                    t.memory.allocator.never_fail();
                }
                if (done) {
                    if (kind == 1) break;  // no frame allocation was left to fail
                    continue;
                }
                // Failed: the tree is as it was.
                CHECK(t.tree.usage().inodes == inodes);
                CHECK(t.tree.usage().pages == 0);
                CHECK(t.names(t.root()) == std::vector<std::string>{"etc", "bin"});
                CHECK(t.memory.leaked() == 0);
                CHECK(t.read(t.find(t.find(t.root(), "etc").get(), "motd").get(), 0, 100) ==
                      "hello, world\n");
            }
        }
    }
}
