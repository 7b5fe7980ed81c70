// The USTAR ramdisk: archives from a small writer here and from the real tools
// (GNU tar, Python's tarfile; see mk/corpus.mk), then malformed archives, each
// of which must give a clear message and never a crash (ASan/UBSan are on).
#include <doctest/doctest.h>
#include <stdio.h>
#include <string.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fs/ramdisk.h"
#include "proc/elf.h"

#ifndef NYANOS_RAMDISK_TEST_DIR
#define NYANOS_RAMDISK_TEST_DIR "build/ramdisk-test"
#endif

using namespace nyanos;
using namespace nyanos::fs;

namespace {

// Writes POSIX ustar archives; tests then damage the headers on purpose.
struct TarWriter {
    std::vector<uint8_t> bytes;

    // Returns the header's offset.
    size_t add(const std::string& name, char type, const std::string& data = "",
               const std::string& prefix = "") {
        size_t at = bytes.size();
        bytes.resize(at + 512, 0);
        uint8_t* h = &bytes[at];
        memcpy(h, name.data(), std::min<size_t>(name.size(), 100));
        memcpy(h + 100, "0000644", 8);
        memcpy(h + 108, "0000000", 8);
        memcpy(h + 116, "0000000", 8);
        snprintf(reinterpret_cast<char*>(h + 124), 12, "%011lo", (unsigned long)data.size());
        memcpy(h + 136, "00000000000", 12);
        h[156] = uint8_t(type);
        memcpy(h + 257, "ustar", 6);
        memcpy(h + 263, "00", 2);
        memcpy(h + 345, prefix.data(), std::min<size_t>(prefix.size(), 155));
        reseal(at);
        bytes.insert(bytes.end(), data.begin(), data.end());
        bytes.resize((bytes.size() + 511) / 512 * 512, 0);
        return at;
    }
    void file(const std::string& name, const std::string& data) { add(name, '0', data); }
    // A symbolic link `name` -> `target` (at most 99 bytes: its NUL must fit).
    size_t symlink(const std::string& name, const std::string& target) {
        size_t at = add(name, '2');
        memcpy(&bytes[at + 157], target.data(), std::min<size_t>(target.size(), 100));
        reseal(at);
        return at;
    }
    void dir(const std::string& name) { add(name, '5'); }
    void finish() { bytes.resize(bytes.size() + 1024, 0); }

    // Recomputes the checksum of the header at `at` (after a deliberate edit).
    void reseal(size_t at) {
        uint8_t* h = &bytes[at];
        memset(h + 148, ' ', 8);
        unsigned sum = 0;
        for (size_t i = 0; i < 512; ++i) sum += h[i];
        snprintf(reinterpret_cast<char*>(h + 148), 8, "%06o", sum);  // 6 digits, NUL, then ' '
        h[155] = ' ';
    }
};

struct Parsed {
    Result<Ramdisk> result;
    std::string message;
};

std::unique_ptr<Parsed> parse(const std::vector<uint8_t>& archive) {
    char message[256];
    memset(message, 'Z', sizeof(message));
    auto r = Ramdisk::try_parse(archive.data(), archive.size(), message, sizeof(message));
    return std::unique_ptr<Parsed>(new Parsed{std::move(r), message});
}

// Parses a malformed archive: must fail with `error` and a message that
// contains `expected` (and the "initrd: " prefix).
void expect_rejected(const std::vector<uint8_t>& archive, Error error,
                     const std::string& expected) {
    auto p = parse(archive);
    REQUIRE_FALSE(p->result.ok());
    CHECK(p->result.error() == error);
    INFO("message: " << p->message);
    CHECK(p->message.rfind("initrd: ", 0) == 0);
    CHECK(p->message.find(expected) != std::string::npos);
}

std::string contents(const FileEntry* e) {
    REQUIRE(e != nullptr);
    return std::string(reinterpret_cast<const char*>(e->data), e->size);
}

std::set<std::string> listing(const Ramdisk& disk, const char* dir) {
    const FileEntry* out[64];
    size_t n = disk.list(dir, out, 64);
    std::set<std::string> names;
    for (size_t i = 0; i < n; ++i) names.insert(out[i]->name);
    return names;
}

std::vector<uint8_t> sample_archive() {
    TarWriter t;
    t.dir("bin/");
    t.file("bin/sh", "shell\n");
    t.file("bin/echo", "echo!");
    t.file("etc/motd", "meow meow");  // no "etc/" entry: implied
    t.file("./usr/share/empty", "");
    t.finish();
    return t.bytes;
}

}  // namespace

TEST_CASE("ramdisk: lookup, sizes, directories and implied directories") {
    auto archive = sample_archive();
    auto p = parse(archive);
    REQUIRE_MESSAGE(p->result.ok(), p->message);
    const Ramdisk& disk = p->result.value();

    CHECK(contents(disk.lookup("/bin/sh")) == "shell\n");
    CHECK(disk.lookup("bin/sh") == disk.lookup("/bin/sh"));
    CHECK(disk.lookup("//bin/./sh") == disk.lookup("/bin/sh"));
    CHECK(disk.lookup("/etc/../bin/sh") == disk.lookup("/bin/sh"));
    CHECK(std::string(disk.lookup("/bin/sh")->name) == "/bin/sh");
    CHECK(disk.lookup("/bin/sh")->size == 6);
    CHECK_FALSE(disk.lookup("/bin/sh")->is_directory);
    CHECK(contents(disk.lookup("/etc/motd")) == "meow meow");

    const FileEntry* bin = disk.lookup("/bin/");
    REQUIRE(bin != nullptr);
    CHECK(bin->is_directory);
    CHECK(std::string(bin->name) == "/bin");
    CHECK(bin->size == 0);
    REQUIRE(disk.lookup("/etc") != nullptr);
    CHECK(disk.lookup("/etc")->is_directory);  // implied by etc/motd
    CHECK(disk.lookup("/usr/share")->is_directory);
    CHECK(disk.lookup("/usr/share/empty")->size == 0);
    CHECK_FALSE(disk.lookup("/usr/share/empty")->is_directory);

    const FileEntry* root = disk.lookup("/");
    REQUIRE(root != nullptr);
    CHECK(root->is_directory);
    CHECK(std::string(root->name) == "/");
    CHECK(disk.lookup("") == root);

    CHECK(disk.lookup("/bin/s") == nullptr);
    CHECK(disk.lookup("/bin/shx") == nullptr);
    CHECK(disk.lookup("/sh") == nullptr);
    CHECK(disk.lookup("/bin/sh/x") == nullptr);
    CHECK(disk.lookup(std::string(300, 'a').c_str()) == nullptr);

    // bin, bin/sh, bin/echo, etc, etc/motd, usr, usr/share, usr/share/empty.
    CHECK(disk.count() == 8);
    CHECK(listing(disk, "/") == std::set<std::string>{"/bin", "/etc", "/usr"});
    CHECK(listing(disk, "/bin") == std::set<std::string>{"/bin/sh", "/bin/echo"});
    CHECK(listing(disk, "bin/") == std::set<std::string>{"/bin/sh", "/bin/echo"});
    CHECK(listing(disk, "/etc") == std::set<std::string>{"/etc/motd"});
    CHECK(listing(disk, "/usr") == std::set<std::string>{"/usr/share"});
    CHECK(listing(disk, "/bin/sh").empty());  // a file
    CHECK(listing(disk, "/nope").empty());

    // `max` bounds the output.
    const FileEntry* two[2] = {nullptr, nullptr};
    CHECK(disk.list("/bin", two, 1) == 1);
    CHECK(two[1] == nullptr);
}

TEST_CASE("ramdisk: the data points into the archive, inside its bounds") {
    auto archive = sample_archive();
    auto p = parse(archive);
    REQUIRE(p->result.ok());
    const FileEntry* sh = p->result.value().lookup("/bin/sh");
    CHECK(sh->data == archive.data() + 1024);  // after bin/ and sh's headers
}

TEST_CASE("ramdisk: a dir entry after its implied directory, and the ustar prefix field") {
    TarWriter t;
    t.file("a/b/file", "x");
    t.dir("a/b/");
    t.dir("a");
    std::string long_dir = "p" + std::string(120, 'q');
    t.add("name-in-name-field", '0', "prefixed", long_dir);
    t.finish();
    auto p = parse(t.bytes);
    REQUIRE_MESSAGE(p->result.ok(), p->message);
    const Ramdisk& disk = p->result.value();
    CHECK(disk.count() == 5);  // a, a/b, a/b/file, <long_dir>, <long_dir>/name-in-name-field
    CHECK(contents(disk.lookup(("/" + long_dir + "/name-in-name-field").c_str())) == "prefixed");
    CHECK(disk.lookup(long_dir.c_str())->is_directory);
}

TEST_CASE("ramdisk: empty archives") {
    SUBCASE("zero bytes") {
        std::vector<uint8_t> none;
        auto p = parse(none);
        REQUIRE(p->result.ok());
        CHECK(p->result.value().count() == 0);
        CHECK(p->result.value().lookup("/")->is_directory);
        CHECK(listing(p->result.value(), "/").empty());
    }
    SUBCASE("only the end marker") {
        std::vector<uint8_t> zeros(1024, 0);
        auto p = parse(zeros);
        REQUIRE(p->result.ok());
        CHECK(p->result.value().count() == 0);
    }
    SUBCASE("a './' root entry is accepted and adds nothing") {
        TarWriter t;
        t.dir("./");
        t.finish();
        auto p = parse(t.bytes);
        REQUIRE(p->result.ok());
        CHECK(p->result.value().count() == 0);
    }
    SUBCASE("no end marker at all is tolerated") {
        TarWriter t;
        t.file("f", "data");
        auto p = parse(t.bytes);
        REQUIRE(p->result.ok());
        CHECK(contents(p->result.value().lookup("/f")) == "data");
    }
}

TEST_CASE("ramdisk: archives written by GNU tar and Python's tarfile") {
    for (const char* file : {"gnu-ustar.tar", "gnu-gnu.tar", "python-ustar.tar"}) {
        INFO("archive " << file);
        std::string path = std::string(NYANOS_RAMDISK_TEST_DIR) + "/" + file;
        std::ifstream in(path, std::ios::binary);
        REQUIRE_MESSAGE(in.good(), "cannot open " << path << " (make builds it)");
        std::vector<uint8_t> archive(std::istreambuf_iterator<char>(in), {});
        auto p = parse(archive);
        REQUIRE_MESSAGE(p->result.ok(), p->message);
        const Ramdisk& disk = p->result.value();
        CHECK(contents(disk.lookup("/bin/sh")) == "shell\n");
        CHECK(contents(disk.lookup("/bin/hello")) == "hello, world\n");
        CHECK(contents(disk.lookup("/bin/big")) == std::string(1500, 'x'));
        CHECK(contents(disk.lookup("/etc/deep/er/motd")) == "meow");
        CHECK(disk.lookup("/etc/empty")->size == 0);
        CHECK(disk.lookup("/empty-dir")->is_directory);
        CHECK(listing(disk, "/") == std::set<std::string>{"/bin", "/etc", "/empty-dir"});
        CHECK(listing(disk, "/etc") == std::set<std::string>{"/etc/deep", "/etc/empty"});
        REQUIRE(disk.lookup("/bin/greet") != nullptr);
        CHECK(std::string(disk.lookup("/bin/greet")->link_target) == "hello");
        CHECK(disk.count() == 11);
    }
}

TEST_CASE("ramdisk: malformed archives are rejected with a clear message") {
    SUBCASE("bad checksum") {
        TarWriter t;
        t.file("bin/a", "a");
        size_t at = t.add("bin/x", '0', "x");
        t.finish();
        t.bytes[at + 4] = 'y';  // "bin/y", checksum not updated
        expect_rejected(t.bytes, Error::kCorrupt,
                        "entry 1 'bin/y' (offset 0x400): checksum mismatch");
    }
    SUBCASE("checksum field not octal") {
        TarWriter t;
        size_t at = t.add("f", '0', "x");
        t.finish();
        memcpy(&t.bytes[at + 148], "12x4567", 7);
        expect_rejected(t.bytes, Error::kCorrupt, "checksum field is not an octal number");
    }
    SUBCASE("size past the end") {
        TarWriter t;
        size_t at = t.add("big", '0', "12345");
        t.finish();
        snprintf(reinterpret_cast<char*>(&t.bytes[at + 124]), 12, "%011o", 0x10000);
        t.reseal(at);
        expect_rejected(t.bytes, Error::kCorrupt, "size 65536 extends past the end of the archive");
    }
    SUBCASE("size field 12 digits (68 GiB) without terminator") {
        TarWriter t;
        size_t at = t.add("huge", '0', "x");
        t.finish();
        memcpy(&t.bytes[at + 124], "777777777777", 12);
        t.reseal(at);
        expect_rejected(t.bytes, Error::kCorrupt, "extends past the end of the archive");
    }
    SUBCASE("size in GNU base-256") {
        TarWriter t;
        size_t at = t.add("b256", '0', "x");
        t.finish();
        memset(&t.bytes[at + 124], 0, 12);
        t.bytes[at + 124] = 0x80;
        t.bytes[at + 135] = 1;
        t.reseal(at);
        expect_rejected(t.bytes, Error::kCorrupt, "size field is not an octal number");
    }
    SUBCASE("name without NUL") {
        TarWriter t;
        t.add(std::string(100, 'n'), '0', "x");
        t.finish();
        expect_rejected(t.bytes, Error::kCorrupt, "name field has no NUL terminator");
    }
    SUBCASE("prefix without NUL") {
        TarWriter t;
        t.add("n", '0', "x", std::string(155, 'p'));
        t.finish();
        expect_rejected(t.bytes, Error::kCorrupt, "prefix field has no NUL terminator");
    }
    SUBCASE("truncated header") {
        auto archive = sample_archive();
        // bin/, bin/sh's header and data block, then 100 bytes of bin/echo's header.
        std::vector<uint8_t> cut(archive.begin(), archive.begin() + 512 * 3 + 100);
        expect_rejected(cut, Error::kCorrupt, "truncated header (100 of 512 bytes)");
    }
    SUBCASE("garbage") {
        std::vector<uint8_t> junk(4096);
        uint32_t x = 12345;
        for (auto& b : junk) b = uint8_t((x = x * 1103515245 + 12345) >> 16);
        expect_rejected(junk, Error::kCorrupt, "entry 0");
    }
    SUBCASE("text that is not an archive") {
        std::string text(600, 'A');
        std::vector<uint8_t> junk(text.begin(), text.end());
        expect_rejected(junk, Error::kCorrupt, "checksum");
    }
    SUBCASE("bad magic with a correct checksum") {
        TarWriter t;
        size_t at = t.add("old", '0', "x");
        t.finish();
        memset(&t.bytes[at + 257], 0, 8);  // a v7 tar header
        t.reseal(at);
        expect_rejected(t.bytes, Error::kCorrupt, "not a ustar header (bad magic)");
    }
    SUBCASE("hard link, PAX and GNU long-name headers") {
        for (char type : {'1', 'x', 'g', 'L', '3'}) {
            TarWriter t;
            t.add("thing", type, "");
            t.finish();
            expect_rejected(t.bytes, Error::kCorrupt,
                            std::string("unsupported entry type '") + type + "'");
        }
    }
    SUBCASE("a symbolic link without a target, with a full field, or with data") {
        TarWriter empty;
        empty.add("bin/sh", '2');
        empty.finish();
        expect_rejected(empty.bytes, Error::kCorrupt, "empty link target");
        TarWriter full;
        full.symlink("bin/sh", std::string(100, 'x'));
        full.finish();
        expect_rejected(full.bytes, Error::kCorrupt, "link target field has no NUL terminator");
        TarWriter data;
        size_t at = data.add("bin/sh", '2', "data");
        memcpy(&data.bytes[at + 157], "busybox", 7);
        data.reseal(at);
        data.finish();
        expect_rejected(data.bytes, Error::kCorrupt, "a symbolic link with data");
    }
    SUBCASE("'..' in a path") {
        TarWriter t;
        t.file("bin/../../etc/passwd", "root");
        t.finish();
        expect_rejected(t.bytes, Error::kCorrupt, "'..' in the path");
    }
    SUBCASE("empty name") {
        TarWriter t;
        t.file("", "x");
        t.finish();
        expect_rejected(t.bytes, Error::kCorrupt, "empty name");
    }
    SUBCASE("a file used as a directory") {
        TarWriter t;
        t.file("bin", "not a dir");
        t.file("bin/sh", "x");
        t.finish();
        expect_rejected(t.bytes, Error::kCorrupt, "'/bin' is a file, not a directory");
    }
    SUBCASE("a directory then a file of the same name") {
        TarWriter t;
        t.dir("bin");
        t.file("bin", "x");
        t.finish();
        expect_rejected(t.bytes, Error::kCorrupt, "duplicate entry '/bin'");
    }
    SUBCASE("the same file twice") {
        TarWriter t;
        t.file("bin/sh", "x");
        t.file("./bin//sh", "y");
        t.finish();
        expect_rejected(t.bytes, Error::kCorrupt, "entry 1 './bin//sh'");
    }
    SUBCASE("more entries than the index holds") {
        TarWriter t;
        for (size_t i = 0; i <= Ramdisk::kMaxEntries; ++i) t.file("f" + std::to_string(i), "");
        t.finish();
        expect_rejected(t.bytes, Error::kNoMemory, "entry 1024 'f1024'");
        expect_rejected(t.bytes, Error::kNoMemory, "more than 1024 entries");
    }
    SUBCASE("names larger than the pool") {
        TarWriter t;
        for (size_t i = 0; i < 400; ++i) {
            std::string n = std::to_string(i);
            t.file(std::string(98 - n.size(), 'n') + n, "");
        }
        t.finish();
        expect_rejected(t.bytes, Error::kNoMemory, "names exceed the 32768-byte index");
    }
}

TEST_CASE("ramdisk: a failed load leaves an empty ramdisk; messages are bounded") {
    TarWriter t;
    t.file("ok", "fine");
    size_t at = t.add("bad", '0', "x");
    t.finish();
    t.bytes[at] = 'B';

    auto good = sample_archive();
    Ramdisk disk;
    char message[128];
    REQUIRE(disk.try_load(good.data(), good.size(), message, sizeof(message)).ok());
    CHECK(message[0] == 0);
    CHECK(disk.count() == 8);
    CHECK_FALSE(disk.try_load(t.bytes.data(), t.bytes.size(), message, sizeof(message)).ok());
    CHECK(disk.count() == 0);
    CHECK(disk.lookup("/ok") == nullptr);
    CHECK(disk.lookup("/") != nullptr);

    // No message buffer, then a tiny one: truncated and terminated.
    CHECK_FALSE(disk.try_load(t.bytes.data(), t.bytes.size(), nullptr, 0).ok());
    char tiny[9];
    memset(tiny, 'Z', sizeof(tiny));
    CHECK_FALSE(disk.try_load(t.bytes.data(), t.bytes.size(), tiny, sizeof(tiny)).ok());
    CHECK(std::string(tiny) == "initrd: ");
}

TEST_CASE("ramdisk: moving keeps names valid after the source is gone") {
    auto archive = sample_archive();
    auto source = std::make_unique<Ramdisk>();
    REQUIRE(source->try_load(archive.data(), archive.size(), nullptr, 0).ok());
    Ramdisk moved(std::move(*source));
    CHECK(source->count() == 0);
    source.reset();  // ASan would flag a name still pointing into it
    REQUIRE(moved.lookup("/etc/motd") != nullptr);
    CHECK(std::string(moved.lookup("/etc/motd")->name) == "/etc/motd");
    CHECK(listing(moved, "/bin") == std::set<std::string>{"/bin/sh", "/bin/echo"});

    Ramdisk assigned;
    assigned = std::move(moved);
    CHECK(std::string(assigned.lookup("bin/echo")->name) == "/bin/echo");
    CHECK(moved.count() == 0);
}

TEST_CASE("ramdisk: every truncation and many corruptions parse safely") {
    auto archive = sample_archive();
    // Truncations: either a clean error or a consistent ramdisk whose data
    // lies inside the bytes given.
    for (size_t n = 0; n <= archive.size(); ++n) {
        std::vector<uint8_t> cut(archive.begin(), archive.begin() + n);
        auto p = parse(cut);
        if (!p->result.ok()) {
            CHECK(p->message.rfind("initrd: ", 0) == 0);
            continue;
        }
        const Ramdisk& disk = p->result.value();
        const FileEntry* out[16];
        size_t k = disk.list("/bin", out, 16);
        for (size_t i = 0; i < k; ++i) {
            if (out[i]->is_directory) continue;
            CHECK(out[i]->data >= cut.data());
            CHECK(out[i]->data + out[i]->size <= cut.data() + cut.size());
        }
    }
    // Single-byte corruptions over all headers with a deterministic PRNG.
    uint32_t x = 0xc0ffee;
    auto next = [&] { return x = x * 1664525 + 1013904223; };
    for (int round = 0; round < 3000; ++round) {
        auto bad = archive;
        for (int flips = 1 + next() % 3; flips > 0; --flips)
            bad[next() % bad.size()] = uint8_t(next() >> 24);
        // Half the time reseal a header so the damage reaches past the checksum.
        if (next() & 1) {
            TarWriter w;
            w.bytes = bad;
            size_t hdr = (next() % 5) * 512;
            if (hdr + 512 <= w.bytes.size()) w.reseal(hdr);
            bad = w.bytes;
        }
        auto p = parse(bad);
        if (!p->result.ok()) CHECK(!p->message.empty());
    }
}

// An integration check over the real build/initrd.tar when it has been built
// (make all / make test build it before the host tests; a bare
// `make host-test` may not, and then this case says so and checks nothing).
TEST_CASE("ramdisk: the built initrd parses; /bin's programs validate, NyanOS's with the note") {
    std::ifstream in("build/initrd.tar", std::ios::binary);
    if (!in.good()) {
        MESSAGE("build/initrd.tar not built: skipped");
        return;
    }
    std::vector<uint8_t> archive(std::istreambuf_iterator<char>(in), {});
    auto p = parse(archive);
    REQUIRE_MESSAGE(p->result.ok(), p->message);
    const Ramdisk& disk = p->result.value();
    // NyanOS's shell, and /bin/sh a link to busybox (its ash) for Linux programs.
    REQUIRE(disk.lookup("/bin/nyansh") != nullptr);
    REQUIRE(disk.lookup("/bin/sh") != nullptr);
    CHECK(disk.lookup("/bin/sh")->is_symlink());
    CHECK(std::string(disk.lookup("/bin/sh")->link_target) == "busybox");
    const FileEntry* bins[Ramdisk::kMaxEntries];
    size_t n = disk.list("/bin", bins, Ramdisk::kMaxEntries);
    CHECK(n >= 1);
    for (size_t i = 0; i < n; ++i) {
        if (bins[i]->is_directory || bins[i]->is_symlink()) continue;
        std::string name = bins[i]->name;
        INFO("program " << name);
        auto r = elf::validate(bins[i]->data, bins[i]->size, 0x400000, 0x1000000 - 0x11000);
        CHECK_MESSAGE(r.ok, elf::reject_reason(r.reason));
        // Built with the SDK, so it carries the NyanOS ABI note; the Linux
        // programs (musl-gcc's /bin/linux-*, Debian's /bin/busybox) do not.
        bool linux_program = name.rfind("/bin/linux-", 0) == 0 || name == "/bin/busybox";
        CHECK(r.image.personality ==
              (linux_program ? elf::Personality::kLinux : elf::Personality::kNyanOS));
    }
}

TEST_CASE("normalize_path") {
    char out[16];
    auto norm = [&](const char* in) {
        REQUIRE(normalize_path(in, out, sizeof(out)));
        return std::string(out);
    };
    CHECK(norm("") == "/");
    CHECK(norm("/") == "/");
    CHECK(norm("///") == "/");
    CHECK(norm("a") == "/a");
    CHECK(norm("./a/./b/") == "/a/b");
    CHECK(norm("/a//b") == "/a/b");
    CHECK(norm("/a/b/..") == "/a");
    CHECK(norm("/a/../..") == "/");
    CHECK(norm("../x") == "/x");
    CHECK(norm(".hidden/..x") == "/.hidden/..x");
    CHECK(norm("/0123456789abcd") == "/0123456789abcd");  // 15 bytes + NUL: fits exactly
    CHECK_FALSE(normalize_path("/0123456789abcde", out, sizeof(out)));
    CHECK_FALSE(normalize_path(nullptr, out, sizeof(out)));
}

// ---- zero_gaps, and the archives scripts/mkinitrd.py writes ----

namespace {

// Every regular file, found by walking the directories from the root.
void collect_files(const Ramdisk& disk, const char* dir, std::vector<const FileEntry*>& out) {
    const FileEntry* entries[Ramdisk::kMaxEntries];
    size_t n = disk.list(dir, entries, Ramdisk::kMaxEntries);
    for (size_t i = 0; i < n; ++i) {
        if (entries[i]->is_directory)
            collect_files(disk, entries[i]->name, out);
        else if (!entries[i]->is_symlink())
            out.push_back(entries[i]);
    }
}

std::vector<uint8_t> read_test_tar(const char* file) {
    std::string path = std::string(NYANOS_RAMDISK_TEST_DIR) + "/" + file;
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot open " << path << " (make builds it)");
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// Parses `archive` in place, zeroes its gaps, and checks that every file's
// bytes are as before (and still found by lookup) and every other byte is 0.
// Returns the number of regular files.
size_t check_zero_gaps(std::vector<uint8_t>& archive) {
    const std::vector<uint8_t> original = archive;
    auto p = parse(archive);
    REQUIRE_MESSAGE(p->result.ok(), p->message);
    const Ramdisk& disk = p->result.value();
    std::vector<const FileEntry*> files;
    collect_files(disk, "/", files);
    std::vector<bool> is_data(archive.size(), false);
    std::vector<std::string> before;
    for (const FileEntry* f : files) {
        REQUIRE(f->data >= archive.data());
        size_t start = size_t(f->data - archive.data());
        REQUIRE(start + f->size <= archive.size());
        for (size_t i = start; i < start + f->size; ++i) is_data[i] = true;
        before.push_back(contents(f));
    }

    disk.zero_gaps(archive.data(), archive.size());

    size_t wrong = 0;
    for (size_t i = 0; i < archive.size(); ++i) {
        uint8_t want = is_data[i] ? original[i] : 0;
        if (archive[i] != want && wrong++ < 5)
            FAIL_CHECK("byte " << i << " is " << int(archive[i]) << ", expected " << int(want));
    }
    CHECK(wrong == 0);
    for (size_t k = 0; k < files.size(); ++k) {
        INFO("file " << files[k]->name);
        CHECK(disk.lookup(files[k]->name) == files[k]);
        CHECK(contents(files[k]) == before[k]);
    }
    return files.size();
}

}  // namespace

TEST_CASE("ramdisk: zero_gaps keeps every file's bytes and zeroes everything else") {
    SUBCASE("an archive written here") {
        auto archive = sample_archive();
        CHECK(check_zero_gaps(archive) == 4);
    }
    for (const char* file : {"gnu-ustar.tar", "gnu-gnu.tar", "python-ustar.tar", "mkinitrd.tar"}) {
        SUBCASE(file) {
            auto archive = read_test_tar(file);
            CHECK(check_zero_gaps(archive) == 5);  // sh, hello, big, motd, empty
        }
    }
    SUBCASE("garbage after the end marker is zeroed too") {
        auto archive = sample_archive();
        archive.insert(archive.end(), 700, 0xab);
        CHECK(check_zero_gaps(archive) == 4);
    }
    SUBCASE("an archive cut right after its last file's data") {
        TarWriter t;
        t.file("a", "first");
        t.file("b", std::string(700, 'b'));
        REQUIRE(t.bytes.size() == 3 * 512 + 1024);
        t.bytes.erase(t.bytes.begin() + 3 * 512 + 700, t.bytes.end());  // no padding, no end
        CHECK(check_zero_gaps(t.bytes) == 2);
    }
    SUBCASE("directories and empty files only") {
        TarWriter t;
        t.dir("d/");
        t.file("d/empty", "");
        t.finish();
        CHECK(check_zero_gaps(t.bytes) == 1);
        CHECK(std::all_of(t.bytes.begin(), t.bytes.end(), [](uint8_t b) { return b == 0; }));
    }
}

TEST_CASE("ramdisk: scripts/mkinitrd.py puts every file's data on a 4 KiB boundary") {
    auto archive = read_test_tar("mkinitrd.tar");
    auto p = parse(archive);
    REQUIRE_MESSAGE(p->result.ok(), p->message);
    const Ramdisk& disk = p->result.value();
    // The same tree as the other tools' archives, and the "./" padding
    // headers add no entries.
    CHECK(contents(disk.lookup("/bin/sh")) == "shell\n");
    CHECK(contents(disk.lookup("/bin/hello")) == "hello, world\n");
    CHECK(contents(disk.lookup("/bin/big")) == std::string(1500, 'x'));
    CHECK(contents(disk.lookup("/etc/deep/er/motd")) == "meow");
    CHECK(disk.lookup("/etc/empty")->size == 0);
    CHECK(disk.lookup("/empty-dir")->is_directory);
    CHECK(listing(disk, "/") == std::set<std::string>{"/bin", "/etc", "/empty-dir"});
    REQUIRE(disk.lookup("/bin/greet") != nullptr);
    CHECK(std::string(disk.lookup("/bin/greet")->link_target) == "hello");
    CHECK(disk.count() == 11);

    std::vector<const FileEntry*> files;
    collect_files(disk, "/", files);
    CHECK(files.size() == 5);
    for (const FileEntry* f : files) {
        INFO("file " << f->name);
        CHECK((f->data - archive.data()) % 4096 == 0);
    }
    // Once the gaps are zeroed, the rest of each file's last page reads as
    // zeros: what a process sees past a borrowed segment.
    disk.zero_gaps(archive.data(), archive.size());
    for (const FileEntry* f : files) {
        INFO("file " << f->name);
        size_t end = size_t(f->data - archive.data()) + f->size;
        size_t page_end = std::min((end + 4095) / 4096 * 4096, archive.size());
        CHECK(std::all_of(archive.begin() + end, archive.begin() + page_end,
                          [](uint8_t b) { return b == 0; }));
    }
}

TEST_CASE("ramdisk: symbolic links are entries of their own, kept unfollowed") {
    TarWriter t;
    t.file("bin/busybox", "multi-call\n");
    t.symlink("bin/sh", "busybox");
    t.symlink("bin/abs", "/bin/busybox");
    t.file("bin/after", "x");
    t.finish();
    auto p = parse(t.bytes);
    REQUIRE(p->result.ok());
    const Ramdisk& disk = p->result.value();
    const FileEntry* sh = disk.lookup("/bin/sh");
    REQUIRE(sh != nullptr);
    CHECK(sh->is_symlink());
    CHECK_FALSE(sh->is_directory);
    CHECK(sh->data == nullptr);
    CHECK(sh->size == 0);
    CHECK(std::string(sh->link_target) == "busybox");
    CHECK(std::string(disk.lookup("/bin/abs")->link_target) == "/bin/busybox");
    CHECK_FALSE(disk.lookup("/bin/busybox")->is_symlink());
    CHECK(contents(disk.lookup("/bin/after")) == "x");
    CHECK(listing(disk, "/bin") ==
          std::set<std::string>{"/bin/busybox", "/bin/sh", "/bin/abs", "/bin/after"});
    // The targets live in the index: a moved ramdisk keeps them.
    Ramdisk moved(std::move(p->result.value()));
    CHECK(std::string(moved.lookup("/bin/sh")->link_target) == "busybox");
    CHECK(moved.lookup("/bin/sh")->name != nullptr);
    // zero_gaps skips links (they have no data) and keeps the files.
    std::vector<uint8_t> copy = t.bytes;
    auto again = parse(copy);
    REQUIRE(again->result.ok());
    again->result.value().zero_gaps(copy.data(), copy.size());
    CHECK(contents(again->result.value().lookup("/bin/busybox")) == "multi-call\n");
}
