// What mmap makes of a description (fs/file_mapping.h): Linux's checks on
// the file in Linux's order (EINVAL, EOPNOTSUPP, EACCES, ENODEV), /dev/zero
// as anonymous memory, a ramdisk file as a counted FileBacking that a failed
// allocation never leaks.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "failing_new.h"
#include "fs/file_mapping.h"
#include "fs/open.h"
#include "fs/vfs.h"
#include "fs_test_support.h"
#include "mm/process_memory.h"

using namespace nyanos;
using namespace nyanos::fs;

namespace {

constexpr uint8_t kRo = mm::kProtRead;
constexpr uint8_t kRw = mm::kProtRead | mm::kProtWrite;

FileFrames frames_at_0x5000(const FileEntry*) {
    return FileFrames{0x5000, 0x2000};
}

std::vector<uint8_t> test_archive() {
    test::TarBuilder t;
    t.file("bin/prog", std::string(5000, 'p'), 0755);
    t.dir("etc/", 0755);
    return t.finish();
}

struct Tree : test::TestTree {
    Tree() : TestTree(test_archive(), frames_at_0x5000) {}
    DescriptionRef open(const char* path, uint32_t flags) {
        auto r = open_path(vfs, LookupContext{}, Node{}, path, flags);
        REQUIRE(r.ok());
        return r.release_value();
    }
};

Result<FileMapping> prepare(DescriptionRef& d, uint32_t flags, uint8_t prot) {
    return prepare_file_mapping(*d.get(), flags, prot);
}

}  // namespace

TEST_CASE("file mapping: a private mapping of a file still in the archive borrows its frames") {
    Tree t;
    DescriptionRef d = t.open("/bin/prog", open_flags::kReadOnly);
    auto m = prepare(d, mm::kMapPrivate, kRo);
    REQUIRE(m.ok());
    CHECK(!m.value().anonymous);
    mm::FileBacking* b = m.value().backing.get();
    REQUIRE(b);
    CHECK(b->data == t.disk.lookup("/bin/prog")->data);
    CHECK(b->size == 5000);
    CHECK(b->phys == 0x5000);
    CHECK(b->mappable == 0x2000);
    CHECK(bool(b->share_page) == false);
    CHECK(!b->writable);  // opened read-only
    CHECK(m.value().may_write);
    CHECK(b->reference_count() == 1);
    // A private mapping may be written (copy-on-write), whatever the mode.
    CHECK(prepare(d, mm::kMapPrivate, kRw | mm::kProtExec).ok());
}

TEST_CASE("file mapping: a shared mapping shares the file's own pages, and holds the file") {
    Tree t;
    DescriptionRef d = t.open("/bin/prog", open_flags::kReadWrite);
    Inode* file = t.at("/bin/prog").inode.get();
    const uint32_t refs = file->refs.count();
    {
        auto m = prepare(d, mm::kMapShared, kRw);
        REQUIRE(m.ok());
        mm::FileBacking* b = m.value().backing.get();
        REQUIRE(bool(b->share_page));
        CHECK(b->writable);
        CHECK(b->size_now(b) == 5000);
        CHECK(file->refs.count() == refs + 1);
        // Page 1 is the file's frame: a store there is a write to the file.
        auto frame = b->share_page(b, 1);
        REQUIRE(frame.ok());
        static_cast<char*>(t.memory.phys_to_virt(frame.value()))[0] = 'X';
        char byte = 0;
        auto buffer = IoBuffer::kernel(&byte, 1);
        CHECK(t.tree.read(file, buffer, 4096).value() == 1);
        CHECK(byte == 'X');
        CHECK(t.memory.reference_count(frame.value()) == 2);
        t.memory.free_frame(frame.value(), mm::FrameUse::kUser);
        CHECK(b->share_page(b, 2).error() == Error::kRange);  // past the end
    }
    CHECK(file->refs.count() == refs);
}

FileFrames frames_mid_page(const FileEntry*) {
    return FileFrames{0x5200, 0x1e00};
}

TEST_CASE("file mapping: a file that does not start on a page lends no frames") {
    test::TestTree t(test_archive(), frames_mid_page);
    auto d = open_path(t.vfs, LookupContext{}, Node{}, "/bin/prog", open_flags::kReadOnly);
    REQUIRE(d.ok());
    auto m = prepare_file_mapping(*d.value().get(), mm::kMapPrivate, kRo);
    REQUIRE(m.ok());
    CHECK(m.value().backing->phys == 0);
    CHECK(m.value().backing->mappable == 0);
    CHECK(m.value().backing->size == 5000);
}

TEST_CASE("file mapping: Linux's errors, in Linux's order") {
    Tree t;
    DescriptionRef ro = t.open("/bin/prog", open_flags::kReadOnly);
    // Not a hugetlbfs file; no type, or an unknown one.
    CHECK(prepare(ro, mm::kMapPrivate | mm::kMapHugeTlb, kRo).error() == Error::kInvalid);
    CHECK(prepare(ro, 0, kRo).error() == Error::kInvalid);
    CHECK(prepare(ro, 0x4, kRo).error() == Error::kInvalid);
    // MAP_SHARED_VALIDATE refuses a flag the file does not know; MAP_SHARED
    // ignores it.
    CHECK(prepare(ro, mm::kMapSharedValidate | mm::kMapSync, kRo).error() == Error::kNotSupported);
    CHECK(prepare(ro, mm::kMapShared | mm::kMapSync, kRo).ok());
    // "MAP_SHARED was requested and PROT_WRITE is set, but fd is not open in
    // read/write (O_RDWR) mode."
    CHECK(prepare(ro, mm::kMapShared, kRw).error() == Error::kAccess);
    CHECK(prepare(ro, mm::kMapSharedValidate, mm::kProtWrite).error() == Error::kAccess);
    // Not open for reading: EACCES, before the file's own ENODEV.
    DescriptionRef null_wo = t.open("/dev/null", open_flags::kWriteOnly);
    CHECK(prepare(null_wo, mm::kMapPrivate, kRo).error() == Error::kAccess);
    CHECK(prepare(null_wo, mm::kMapShared, kRw).error() == Error::kAccess);
    // What cannot be mapped: ENODEV.
    DescriptionRef null_ro = t.open("/dev/null", open_flags::kReadOnly);
    CHECK(prepare(null_ro, mm::kMapPrivate, kRo).error() == Error::kNoDevice);
    DescriptionRef full = t.open("/dev/full", open_flags::kReadWrite);
    CHECK(prepare(full, mm::kMapShared, kRw).error() == Error::kNoDevice);
    DescriptionRef dir = t.open("/etc", open_flags::kReadOnly);
    CHECK(prepare(dir, mm::kMapPrivate, kRo).error() == Error::kNoDevice);
    DescriptionRef pipe_like = test::CountedFile::make(open_flags::kReadWrite);
    CHECK(prepare(pipe_like, mm::kMapPrivate, kRo).error() == Error::kNoDevice);
    // MAP_GROWSDOWN on a file: EINVAL, after the rest.
    CHECK(prepare(ro, mm::kMapPrivate | mm::kMapGrowsDown, kRo).error() == Error::kInvalid);
    CHECK(prepare(null_ro, mm::kMapPrivate | mm::kMapGrowsDown, kRo).error() == Error::kNoDevice);
}

TEST_CASE("file mapping: /dev/zero is anonymous memory, shared only when open for writing") {
    Tree t;
    DescriptionRef rw = t.open("/dev/zero", open_flags::kReadWrite);
    auto shared = prepare(rw, mm::kMapShared, kRw);
    REQUIRE(shared.ok());
    CHECK(shared.value().anonymous);
    CHECK(shared.value().shared);
    CHECK(shared.value().backing.get() == nullptr);
    auto priv = prepare(rw, mm::kMapPrivate, kRw);
    REQUIRE(priv.ok());
    CHECK(!priv.value().shared);
    // Read-only: Linux clears VM_SHARED, so the memory is private.
    DescriptionRef ro = t.open("/dev/zero", open_flags::kReadOnly);
    auto ro_shared = prepare(ro, mm::kMapShared, kRo);
    REQUIRE(ro_shared.ok());
    CHECK(ro_shared.value().anonymous);
    CHECK(!ro_shared.value().shared);
    CHECK(!ro_shared.value().may_write);  // and never will be (VM_MAYWRITE clear)
    CHECK(prepare(ro, mm::kMapPrivate, kRo).value().may_write);
    CHECK(shared.value().may_write);
    CHECK(prepare(ro, mm::kMapShared, kRw).error() == Error::kAccess);
}

TEST_CASE("file mapping: no memory for the backing is ENOMEM, and nothing is left") {
    Tree t;
    DescriptionRef d = t.open("/bin/prog", open_flags::kReadOnly);
    {
        test::FailNothrowNew fail(1);
        CHECK(prepare(d, mm::kMapPrivate, kRo).error() == Error::kNoMemory);
        CHECK(fail.triggered());
    }
    // The creator's reference is the only one: dropping it frees the backing
    // (ASan reports it otherwise).
    auto m = prepare(d, mm::kMapPrivate, kRo);
    REQUIRE(m.ok());
    CHECK(m.value().backing->reference_count() == 1);
}
