#include "fs/tmpfs.h"

#include <string.h>

#include <new>

#include "fs/kernel_hooks.h"
#include "lib/nospec.h"
#include "lib/panic.h"

namespace nyanos::fs {

sync::SpinLock g_tree_lock;

namespace {

constexpr uint64_t kPage = paging::kPageSize;
// Linux's limit on a name, and on links to one inode (ext4's; tmpfs has
// none, but a count must stop somewhere).
constexpr size_t kNameMax = 255;
constexpr uint32_t kLinkMax = 65000;
// A long copy stops for a checkpoint (a kill, another thread's turn) after
// each piece of this size.
constexpr size_t kCopyPiece = 64 * 1024;

}  // namespace

void Inode::release_ref() {
    if (refs.drop()) fs->destroy(this);
}

bool Inode::try_add_ref() {
    return refs.add_unless_zero();
}

Result<void> Tmpfs::try_init(Tmpfs& fs, mm::MemoryContext& memory, Clock now, uint64_t max_pages,
                             uint64_t max_inodes) {
    fs.m_memory = &memory;
    fs.m_now = now;
    fs.m_max_pages = max_pages;
    fs.m_max_inodes = max_inodes ? max_inodes : max_pages;
    sync::Guard lock(g_tree_lock);
    Inode* root = fs.new_inode(NodeType::kDirectory, 0755, 0, 0);
    if (!root) return Error::kNoMemory;
    root->links = 2;
    root->parent = root;  // no reference: the root's own
    fs.m_root = root;
    return {};
}

Tmpfs::~Tmpfs() {
    if (!m_root) return;
    // Remove every name depth first; the inodes others still hold stay
    // (a test that leaks one sees it in its counts).
    struct Walk {
        static void empty(Tmpfs& fs, Inode* dir) {
            for (;;) {
                Inode* child = nullptr;
                {
                    sync::Guard lock(g_tree_lock);
                    if (dir->entry_count == 0) break;
                    DirEntry* last = &dir->entries[dir->entry_count - 1];
                    child = fs.take_entry(dir, last);
                    if (child->type == NodeType::kDirectory) {
                        --dir->links;
                        child->links = 0;
                    } else {
                        --child->links;
                    }
                }
                if (child->type == NodeType::kDirectory) empty(fs, child);
                child->release_ref();
            }
        }
    };
    Walk::empty(*this, m_root);
    Inode* root = m_root;
    m_root = nullptr;
    destroy(root);
}

// ---- Inodes ----

Inode* Tmpfs::new_inode(NodeType type, uint32_t permissions, uint32_t uid, uint32_t gid) {
    if (m_next_number >= 0x40000000u) return nullptr;  // the id space of fs::NodeId
    // A cap on inodes as on pages: names and inodes are heap memory, and
    // files without data must not starve the kernel either.
    if (m_root && m_inodes >= m_max_inodes) return nullptr;
    auto* inode = new (std::nothrow) Inode;
    if (!inode) return nullptr;
    inode->fs = this;
    inode->number = m_next_number++;
    inode->type = type;
    inode->permissions = permissions & 07777;
    inode->uid = uid;
    inode->gid = gid;
    FileTime now = m_now();
    inode->atime = inode->mtime = inode->ctime = now;
    hash_insert(inode);
    ++m_inodes;
    return inode;
}

void Tmpfs::hash_insert(Inode* inode) {
    Inode*& head = m_buckets[inode->number % kBuckets];
    inode->next_in_bucket = head;
    head = inode;
}

void Tmpfs::hash_remove(Inode* inode) {
    for (Inode** p = &m_buckets[inode->number % kBuckets]; *p; p = &(*p)->next_in_bucket) {
        if (*p == inode) {
            *p = inode->next_in_bucket;
            return;
        }
    }
}

InodeRef Tmpfs::find(uint32_t number) {
    sync::Guard lock(g_tree_lock);
    for (Inode* i = m_buckets[number % kBuckets]; i; i = i->next_in_bucket) {
        if (i->number == number) return i->try_add_ref() ? InodeRef::adopt(i) : InodeRef();
    }
    return {};
}

void Tmpfs::destroy(Inode* inode) {
    // Its parent's reference goes with it, which may be that one's last:
    // up the chain in a loop (a removed tree as deep as a user made it,
    // whose deepest directory was held last, must not recurse that deep).
    while (inode) {
        Inode* parent = nullptr;
        {
            sync::Guard lock(g_tree_lock);
            // A lookup by number may have found it just before the count
            // fell to 0; try_add_ref refused it then. Unhash it for good.
            hash_remove(inode);
            VERIFY(inode->entry_count == 0);
            free_pages_from(inode, 0);
            delete[] inode->pages;
            delete[] inode->entries;
            delete[] inode->last_name;
            if (inode->parent != inode) parent = inode->parent;
            --m_inodes;
        }
        delete[] inode->target;
        delete inode;
        inode = parent && parent->refs.drop() ? parent : nullptr;
    }
}

void Tmpfs::touch(Inode* inode, bool modified) {
    FileTime now = m_now();
    inode->ctime = now;
    if (modified) inode->mtime = now;
}

// ---- Directories ----

DirEntry* Tmpfs::entry_named(Inode* dir, const char* name, size_t length) {
    for (size_t i = 0; i < dir->entry_count; ++i) {
        DirEntry& e = dir->entries[i];
        if (e.length == length && memcmp(e.name, name, length) == 0) return &e;
    }
    return nullptr;
}

Result<void> Tmpfs::add_entry(Inode* dir, const char* name, size_t length, Inode* inode) {
    if (dir->entry_count == dir->entry_capacity) {
        size_t capacity = dir->entry_capacity ? dir->entry_capacity * 2 : 8;
        auto* grown = new (std::nothrow) DirEntry[capacity];
        if (!grown) return Error::kNoMemory;
        for (size_t i = 0; i < dir->entry_count; ++i) grown[i] = dir->entries[i];
        delete[] dir->entries;
        dir->entries = grown;
        dir->entry_capacity = capacity;
    }
    auto* copy = new (std::nothrow) char[length + 1];
    if (!copy) return Error::kNoMemory;
    memcpy(copy, name, length);
    copy[length] = '\0';
    // Appended with the next cookie: the array stays in cookie order.
    dir->entries[dir->entry_count++] = DirEntry{copy, uint32_t(length), dir->next_cookie++, inode};
    return {};
}

Inode* Tmpfs::take_entry(Inode* dir, DirEntry* entry) {
    Inode* inode = entry->inode;
    delete[] entry->name;
    size_t at = size_t(entry - dir->entries);
    for (size_t i = at; i + 1 < dir->entry_count; ++i) dir->entries[i] = dir->entries[i + 1];
    if (--dir->entry_count == 0) {
        // An emptied directory gives its array back (a scratch directory
        // filled and emptied again leaves nothing behind).
        delete[] dir->entries;
        dir->entries = nullptr;
        dir->entry_capacity = 0;
    }
    return inode;
}

InodeRef Tmpfs::lookup(Inode* dir, const char* name, size_t length) {
    sync::Guard lock(g_tree_lock);
    if (dir->type != NodeType::kDirectory) return {};
    DirEntry* e = entry_named(dir, name, length);
    // The entry holds a reference: the count is not 0 under the lock.
    return e ? InodeRef::share(e->inode) : InodeRef();
}

InodeRef Tmpfs::parent_of(Inode* dir) {
    sync::Guard lock(g_tree_lock);
    Inode* parent = dir->parent ? dir->parent : dir;
    return InodeRef::share(parent);
}

bool Tmpfs::name_in(Inode* dir, Inode* inode, char* out, size_t size, bool& removed) {
    sync::Guard lock(g_tree_lock);
    removed = false;
    for (size_t i = 0; i < dir->entry_count; ++i) {
        const DirEntry& e = dir->entries[i];
        if (e.inode != inode) continue;
        if (e.length + 1 > size) return false;
        memcpy(out, e.name, e.length + 1);
        return true;
    }
    if (inode->links != 0 || !inode->last_name) return false;
    size_t n = strlen(inode->last_name);
    if (n + 1 > size) return false;
    memcpy(out, inode->last_name, n + 1);
    removed = true;
    return true;
}

bool Tmpfs::directory_empty(Inode* dir) {
    sync::Guard lock(g_tree_lock);
    return dir->entry_count == 0;
}

bool Tmpfs::entry_from(Inode* dir, uint64_t cookie, DirectoryEntry& out, char* name_buffer,
                       size_t name_size, uint64_t& found_cookie) {
    sync::Guard lock(g_tree_lock);
    // Entries are in cookie order: the first at or after `cookie`.
    size_t lo = 0, hi = dir->entry_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (dir->entries[mid].cookie < cookie) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == dir->entry_count) return false;
    const DirEntry& e = dir->entries[lo];
    if (e.length + 1 > name_size) return false;
    memcpy(name_buffer, e.name, e.length + 1);
    uint8_t kind = kDtReg;
    if (e.inode->type == NodeType::kDirectory) kind = kDtDir;
    if (e.inode->type == NodeType::kSymlink) kind = kDtLink;
    if (e.inode->type == NodeType::kFifo) kind = kDtFifo;
    if (e.inode->type == NodeType::kSocket) kind = kDtSock;
    if (e.inode->type == NodeType::kCharDevice) kind = kDtChar;
    out.inode = e.inode->number;
    out.type = kind;
    out.name = name_buffer;
    found_cookie = e.cookie;
    return true;
}

Result<InodeRef> Tmpfs::create(Inode* dir, const char* name, size_t length, NodeType type,
                               uint32_t permissions, uint32_t uid, uint32_t gid, const char* target,
                               uint32_t device) {
    if (length == 0 || length > kNameMax) return length ? Error::kNameTooLong : Error::kNoEntry;
    char* target_copy = nullptr;
    if (type == NodeType::kSymlink) {
        size_t n = strlen(target);
        target_copy = new (std::nothrow) char[n + 1];
        if (!target_copy) return Error::kNoMemory;
        memcpy(target_copy, target, n + 1);
    }
    sync::Guard lock(g_tree_lock);
    auto fail = [&](Error e) -> Result<InodeRef> {
        delete[] target_copy;
        return e;
    };
    if (dir->links == 0) return fail(Error::kNoEntry);  // removed while we looked
    if (entry_named(dir, name, length)) return fail(Error::kExists);
    if (type == NodeType::kDirectory && dir->links >= kLinkMax) return fail(Error::kTooManyLinks);
    Inode* inode = new_inode(type, permissions, uid, gid);
    if (!inode) return fail(Error::kNoSpace);
    inode->target = target_copy;
    if (type == NodeType::kCharDevice) inode->device = device;
    if (type == NodeType::kSymlink) inode->size = strlen(target_copy);
    auto added = add_entry(dir, name, length, inode);
    if (!added.ok()) {
        // Nobody has seen it: take it back without destroy's lock.
        hash_remove(inode);
        --m_inodes;
        delete[] inode->target;
        delete inode;
        return added.error();
    }
    inode->parent = dir;
    dir->add_ref();  // the child's reference to its parent
    if (type == NodeType::kDirectory) {
        inode->links = 2;
        ++dir->links;
    } else {
        inode->links = 1;
    }
    touch(dir, true);
    // One reference for the entry (the new inode's first), one for the caller.
    return InodeRef::share(inode);
}

Result<InodeRef> Tmpfs::create_unlinked(const char* last_name, uint32_t permissions, uint32_t uid,
                                        uint32_t gid) {
    size_t length = strlen(last_name);
    if (length > kNameMax) return Error::kNameTooLong;
    char* name = new (std::nothrow) char[length + 1];
    if (!name) return Error::kNoMemory;
    memcpy(name, last_name, length + 1);
    sync::Guard lock(g_tree_lock);
    Inode* inode = new_inode(NodeType::kRegular, permissions, uid, gid);
    if (!inode) {
        delete[] name;
        return Error::kNoSpace;
    }
    inode->last_name = name;
    inode->links = 0;
    inode->parent = m_root;
    m_root->add_ref();  // the child's reference to its parent, as create's
    // The caller's reference (the new inode's first) is the only one: the
    // file goes when the last description of it does.
    return InodeRef::adopt(inode);
}

Result<void> Tmpfs::link(Inode* dir, const char* name, size_t length, Inode* inode) {
    if (length == 0) return Error::kNoEntry;
    if (length > kNameMax) return Error::kNameTooLong;
    if (inode->type == NodeType::kDirectory) return Error::kPermission;
    sync::Guard lock(g_tree_lock);
    if (dir->links == 0 || inode->links == 0) return Error::kNoEntry;
    if (entry_named(dir, name, length)) return Error::kExists;
    if (inode->links >= kLinkMax) return Error::kTooManyLinks;
    TRY(add_entry(dir, name, length, inode));
    inode->add_ref();
    ++inode->links;
    touch(inode, false);
    touch(dir, true);
    return {};
}

Result<void> Tmpfs::remove(Inode* dir, const char* name, size_t length, bool directory) {
    Inode* gone = nullptr;
    {
        sync::Guard lock(g_tree_lock);
        DirEntry* e = entry_named(dir, name, length);
        if (!e) return Error::kNoEntry;
        Inode* victim = e->inode;
        bool is_dir = victim->type == NodeType::kDirectory;
        if (directory) {
            if (!is_dir) return Error::kNotDirectory;
            if (victim == m_root) return Error::kBusy;
            if (victim->entry_count) return Error::kNotEmpty;
        } else if (is_dir) {
            return Error::kIsDirectory;
        }
        if (is_dir || victim->links == 1) {
            // Its last name: kept for /proc's "(deleted)" paths.
            delete[] victim->last_name;
            victim->last_name = e->name;
            e->name = nullptr;
        }
        gone = take_entry(dir, e);
        if (is_dir) {
            victim->links = 0;
            --dir->links;
        } else {
            --victim->links;
        }
        touch(victim, false);
        touch(dir, true);
    }
    gone->release_ref();  // the entry's
    return {};
}

Inode* Tmpfs::reparent(Inode* inode, Inode* dir) {
    if (inode->parent == dir) return nullptr;
    dir->add_ref();
    Inode* old = inode->parent;
    inode->parent = dir;
    // The old parent's reference goes to the caller, which drops it after
    // the lock: it may be the last (a hard link's recorded directory that
    // was removed since).
    return old;
}

bool Tmpfs::is_ancestor(Inode* maybe_ancestor, Inode* dir) {
    for (Inode* d = dir;; d = d->parent) {
        if (d == maybe_ancestor) return true;
        if (!d->parent || d->parent == d) return false;
    }
}

// Linux's order (do_renameat2, vfs_rename, may_delete, shmem_rename2):
// the source must exist (ENOENT); RENAME_NOREPLACE meets a target
// (EEXIST); RENAME_EXCHANGE needs one (ENOENT); a directory moved under
// itself (EINVAL); a target above the source (ENOTEMPTY); the same inode
// under both names: done; a directory over a non-directory (ENOTDIR) and
// the reverse (EISDIR); a non-empty directory replaced (ENOTEMPTY).
Result<void> Tmpfs::rename(Inode* from_dir, const char* from, size_t from_length, Inode* to_dir,
                           const char* to, size_t to_length, uint32_t flags) {
    if (flags & ~(kRenameNoReplace | kRenameExchange)) return Error::kInvalid;
    if ((flags & kRenameNoReplace) && (flags & kRenameExchange)) return Error::kInvalid;
    if (to_length > kNameMax || from_length > kNameMax) return Error::kNameTooLong;
    // References to drop once the lock is let go (declared before it:
    // destroyed after): the replaced target's entry, old parents.
    struct DropAfterUnlock {
        Inode* inodes[3] = {};
        ~DropAfterUnlock() {
            for (Inode* i : inodes) {
                if (i) i->release_ref();
            }
        }
    } drop;
    {
        sync::Guard lock(g_tree_lock);
        DirEntry* source = entry_named(from_dir, from, from_length);
        if (!source) return Error::kNoEntry;
        DirEntry* target = entry_named(to_dir, to, to_length);
        if (to_dir->links == 0) return Error::kNoEntry;
        if ((flags & kRenameNoReplace) && target) return Error::kExists;
        if ((flags & kRenameExchange) && !target) return Error::kNoEntry;
        Inode* moving = source->inode;
        bool moving_dir = moving->type == NodeType::kDirectory;
        if (moving_dir && is_ancestor(moving, to_dir)) return Error::kInvalid;
        if (target && target->inode->type == NodeType::kDirectory &&
            is_ancestor(target->inode, from_dir))
            return flags & kRenameExchange ? Error::kInvalid : Error::kNotEmpty;
        if (target && target->inode == moving) return {};
        FileTime now = m_now();
        if (flags & kRenameExchange) {
            Inode* other = target->inode;
            bool other_dir = other->type == NodeType::kDirectory;
            source->inode = other;
            target->inode = moving;
            if (from_dir != to_dir && moving_dir != other_dir) {
                // A directory changes parent: the link counts follow its "..".
                if (moving_dir) {
                    --from_dir->links;
                    ++to_dir->links;
                } else {
                    ++from_dir->links;
                    --to_dir->links;
                }
            }
            drop.inodes[1] = reparent(moving, to_dir);
            drop.inodes[2] = reparent(other, from_dir);
            moving->ctime = other->ctime = now;
            from_dir->mtime = from_dir->ctime = to_dir->mtime = to_dir->ctime = now;
            return {};
        }
        if (target) {
            Inode* victim = target->inode;
            bool victim_dir = victim->type == NodeType::kDirectory;
            if (moving_dir && !victim_dir) return Error::kNotDirectory;
            if (!moving_dir && victim_dir) return Error::kIsDirectory;
            if (victim_dir && victim->entry_count) return Error::kNotEmpty;
            // The target's entry takes the source's inode; its own goes.
            drop.inodes[0] = victim;
            if (victim_dir || victim->links == 1) {
                // Its last name, kept as remove() keeps it (if there is room).
                char* copy = new (std::nothrow) char[target->length + 1];
                if (copy) memcpy(copy, target->name, target->length + 1);
                delete[] victim->last_name;
                victim->last_name = copy;
            }
            target->inode = moving;
            if (victim_dir) {
                victim->links = 0;
                --to_dir->links;
            } else {
                --victim->links;
            }
            victim->ctime = now;
            // The source entry goes (its reference moved to the target's).
            take_entry(from_dir, source);
        } else {
            TRY(add_entry(to_dir, to, to_length, moving));
            // add_entry may have moved from_dir's array if it is to_dir.
            // The source entry goes (its reference moved to the new one).
            take_entry(from_dir, entry_named(from_dir, from, from_length));
        }
        if (moving_dir && from_dir != to_dir) {
            --from_dir->links;
            ++to_dir->links;
        }
        drop.inodes[1] = reparent(moving, to_dir);
        moving->ctime = now;
        from_dir->mtime = from_dir->ctime = to_dir->mtime = to_dir->ctime = now;
    }
    return {};
}

// ---- File data ----

Result<void> Tmpfs::grow_slots(Inode* file, size_t slots) {
    if (slots <= file->page_slots) return {};
    // A file's page list is a flat array up to its highest page: bounded by
    // eight slots per page of the cap (64 bytes each, 1.6 % of it), so a
    // sparse write far out cannot make the heap give gigabytes.
    if (slots > 8 * m_max_pages) return Error::kNoSpace;
    size_t capacity = file->page_slots ? file->page_slots : 4;
    while (capacity < slots) capacity *= 2;
    auto* grown = new (std::nothrow) paging::PhysAddr[capacity];
    if (!grown) return Error::kNoMemory;
    for (size_t i = 0; i < capacity; ++i) grown[i] = i < file->page_slots ? file->pages[i] : 0;
    delete[] file->pages;
    file->pages = grown;
    file->page_slots = capacity;
    return {};
}

Result<void> Tmpfs::own_pages(Inode* file) {
    if (!file->borrowed) return {};
    const size_t count = size_t((file->size + kPage - 1) / kPage);
    if (m_pages + count > m_max_pages) return Error::kNoSpace;
    TRY(grow_slots(file, count));
    for (size_t i = 0; i < count; ++i) {
        auto frame = m_memory->allocate_frame(mm::FrameUse::kUser);
        if (!frame.ok()) {
            free_pages_from(file, 0);
            return Error::kNoSpace;
        }
        file->pages[i] = frame.value();
        ++m_pages;
        ++file->page_count;
        uint64_t bytes = file->size - i * kPage < kPage ? file->size - i * kPage : kPage;
        auto* to = static_cast<uint8_t*>(m_memory->phys_to_virt(frame.value()));
        memcpy(to, file->borrowed + i * kPage, bytes);
        memset(to + bytes, 0, kPage - bytes);
    }
    file->borrowed = nullptr;
    file->borrowed_frames = FileFrames{};
    return {};
}

Result<paging::PhysAddr> Tmpfs::page_frame(Inode* file, size_t index) {
    TRY(grow_slots(file, index + 1));
    // File offsets are the caller's: every page index is clamped under
    // speculation too (Spectre v1, lib/nospec.h), here and below.
    index = array_index_nospec(index, file->page_slots);
    if (file->pages[index]) return file->pages[index];
    if (m_pages >= m_max_pages) return Error::kNoSpace;
    auto frame = m_memory->allocate_zeroed_frame(mm::FrameUse::kUser);
    if (!frame.ok()) return Error::kNoSpace;
    file->pages[index] = frame.value();
    ++m_pages;
    ++file->page_count;
    return frame.value();
}

void Tmpfs::free_pages_from(Inode* file, size_t first) {
    for (size_t i = first; i < file->page_slots; ++i) {
        if (!file->pages[i]) continue;
        m_memory->free_frame(file->pages[i], mm::FrameUse::kUser);
        file->pages[i] = 0;
        --m_pages;
        --file->page_count;
    }
}

uint64_t Tmpfs::size_of(Inode* file) {
    sync::Guard lock(g_tree_lock);
    return file->size;
}

Result<size_t> Tmpfs::read(Inode* file, IoBuffer& out, uint64_t offset) {
    size_t done = 0;
    while (done < out.length()) {
        const uint8_t* from = nullptr;
        paging::PhysAddr held = 0;
        size_t chunk;
        {
            sync::Guard lock(g_tree_lock);
            uint64_t at = offset + done;
            if (at >= file->size) break;
            uint64_t in_page = kPage - at % kPage;
            uint64_t left = file->size - at;
            chunk = out.length() - done;
            if (chunk > in_page) chunk = size_t(in_page);
            if (chunk > left) chunk = size_t(left);
            if (file->borrowed) {
                from = file->borrowed + at;
            } else {
                size_t index = size_t(at / kPage);
                if (index < file->page_slots &&
                    file->pages[index = array_index_nospec(index, file->page_slots)]) {
                    // A reference of our own: a truncate meanwhile cannot
                    // free the frame under the copy.
                    held = file->pages[index];
                    m_memory->add_references(&held, 1);
                    from = static_cast<const uint8_t*>(m_memory->phys_to_virt(held)) + at % kPage;
                }
            }
        }
        static const uint8_t kZeros[kPage] = {};
        auto copied = out.store(done, from ? from : kZeros, chunk);
        if (held) m_memory->free_frame(held, mm::FrameUse::kUser);
        if (!copied.ok()) {
            if (done) break;
            return copied.error();
        }
        done += chunk;
        if (done % kCopyPiece == 0 && done < out.length() && io_checkpoint()) break;
    }
    if (done) note_access(file);
    return done;
}

void Tmpfs::note_access(Inode* file) {
    // Linux's relatime: the access time moves when it is not after the
    // last change, or is a day old; most reads leave it alone.
    constexpr int64_t kDay = 24 * 60 * 60;
    sync::Guard lock(g_tree_lock);
    const FileTime a = file->atime;
    auto not_after = [](FileTime x, FileTime y) {
        return x.seconds < y.seconds || (x.seconds == y.seconds && x.nanoseconds <= y.nanoseconds);
    };
    if (!not_after(a, file->mtime) && !not_after(a, file->ctime)) {
        FileTime now = m_now();
        if (now.seconds - a.seconds < kDay) return;
        file->atime = now;
        return;
    }
    file->atime = m_now();
}

Result<size_t> Tmpfs::write(Inode* file, IoBuffer& in, uint64_t& offset, bool append,
                            uint64_t size_limit) {
    const uint64_t max_size = size_limit < kMaxFileSize ? size_limit : kMaxFileSize;
    size_t done = 0;
    bool failed = false;
    Error stopped = Error::kNoSpace;
    // An append reserves its range at the end at once, so that appenders
    // on other CPUs write after it rather than over it (Linux holds the
    // inode's lock for the whole write); what it does not write is given
    // back at the end if nobody moved the end meanwhile.
    uint64_t reserved_end = 0;
    if (append) {
        sync::Guard lock(g_tree_lock);
        offset = file->size;
        if (offset < max_size) {
            uint64_t room = max_size - offset;
            reserved_end = offset + (in.length() < room ? in.length() : room);
            file->size = reserved_end;
        }
    }
    if (offset >= max_size) return in.length() ? Error::kFileTooBig : Result<size_t>(size_t(0));
    while (done < in.length()) {
        uint64_t at = offset + done;
        if (at >= max_size) break;
        size_t chunk = in.length() - done;
        uint64_t in_page = kPage - at % kPage;
        if (chunk > in_page) chunk = size_t(in_page);
        if (chunk > max_size - at) chunk = size_t(max_size - at);
        paging::PhysAddr held;
        {
            sync::Guard lock(g_tree_lock);
            auto owned = own_pages(file);
            auto frame = owned.ok() ? page_frame(file, size_t(at / kPage))
                                    : Result<paging::PhysAddr>(owned.error());
            if (!frame.ok()) {
                failed = true;
                stopped = frame.error();
                break;
            }
            held = frame.value();
            m_memory->add_references(&held, 1);
        }
        auto* to = static_cast<uint8_t*>(m_memory->phys_to_virt(held)) + at % kPage;
        auto copied = in.load(done, to, chunk);
        m_memory->free_frame(held, mm::FrameUse::kUser);
        if (!copied.ok()) {
            failed = true;
            stopped = copied.error();
            break;
        }
        done += chunk;
        {
            // The end moves past what was written, unless a truncate took
            // the page away meanwhile (the bytes went with it).
            sync::Guard lock(g_tree_lock);
            size_t index = size_t(at / kPage);
            if (at + chunk > file->size && index < file->page_slots &&
                file->pages[array_index_nospec(index, file->page_slots)] == held)
                file->size = at + chunk;
        }
        if (done % kCopyPiece == 0 && done < in.length() && io_checkpoint()) break;
    }
    if (reserved_end && done < in.length()) {
        sync::Guard lock(g_tree_lock);
        if (file->size == reserved_end) file->size = offset + done;
    }
    if (done == 0 && failed) return stopped;
    if (done) {
        sync::Guard lock(g_tree_lock);
        touch(file, true);
    }
    return done;
}

void Tmpfs::note_mapped(Inode* file) {
    sync::Guard lock(g_tree_lock);
    ++file->mappings;
}

void Tmpfs::note_unmapped(Inode* file) {
    sync::Guard lock(g_tree_lock);
    VERIFY(file->mappings > 0);
    --file->mappings;
}

Result<void> Tmpfs::truncate(Inode* file, uint64_t size) {
    if (size > kMaxFileSize) return Error::kFileTooBig;
    bool unmap;
    {
        sync::Guard lock(g_tree_lock);
        unmap = size < file->size && file->mappings;
        TRY(truncate_locked(file, size));
    }
    // Mapped pages past the new end go from every process (after the
    // lock: that takes their memory locks, which come first).
    if (unmap) unmap_file_from_processes(file->number, size);
    return {};
}

Result<void> Tmpfs::truncate_by_name(Inode* file, uint64_t size) {
    TRY(get_write_access(file));
    auto cut = truncate(file, size);
    put_write_access(file);
    return cut;
}

Result<void> Tmpfs::grow(Inode* file, uint64_t size) {
    if (size > kMaxFileSize) return Error::kFileTooBig;
    sync::Guard lock(g_tree_lock);
    if (size <= file->size) return {};
    return truncate_locked(file, size);
}

Result<void> Tmpfs::truncate_locked(Inode* file, uint64_t size) {
    if (file->borrowed) {
        if (size == 0) {
            file->borrowed = nullptr;
            file->borrowed_frames = FileFrames{};
        } else {
            // Only the bytes that stay are copied (a shrink needs no room
            // the file does not have already).
            const uint64_t old_size = file->size;
            if (size < old_size) file->size = size;
            auto owned = own_pages(file);
            if (!owned.ok()) {
                file->size = old_size;
                return owned.error();
            }
        }
    }
    if (size < file->size) {
        // Pages wholly past the end go; the tail of the last one is zeroed,
        // so that growing the file again reads zeros there.
        free_pages_from(file, size_t((size + kPage - 1) / kPage));
        size_t last = size_t(size / kPage);
        if (size % kPage && last < file->page_slots &&
            file->pages[last = array_index_nospec(last, file->page_slots)]) {
            auto* bytes = static_cast<uint8_t*>(m_memory->phys_to_virt(file->pages[last]));
            memset(bytes + size % kPage, 0, kPage - size % kPage);
        }
    }
    file->size = size;
    touch(file, true);
    return {};
}

Result<paging::PhysAddr> Tmpfs::page_for_mapping(Inode* file, uint64_t index) {
    sync::Guard lock(g_tree_lock);
    if (index >= (file->size + kPage - 1) / kPage) return Error::kRange;
    TRY(own_pages(file));
    paging::PhysAddr frame = TRY(page_frame(file, size_t(index)));
    m_memory->add_references(&frame, 1);
    return frame;
}

Result<void> Tmpfs::deny_write(Inode* file) {
    sync::Guard lock(g_tree_lock);
    if (file->writers) return Error::kTextBusy;
    ++file->running;
    return {};
}

void Tmpfs::allow_write(Inode* file) {
    sync::Guard lock(g_tree_lock);
    VERIFY(file->running > 0);
    --file->running;
}

Result<void> Tmpfs::get_write_access(Inode* file) {
    sync::Guard lock(g_tree_lock);
    if (file->running) return Error::kTextBusy;
    ++file->writers;
    return {};
}

void Tmpfs::put_write_access(Inode* file) {
    sync::Guard lock(g_tree_lock);
    VERIFY(file->writers > 0);
    --file->writers;
}

Result<Tmpfs::ProgramBytes> Tmpfs::program_bytes(Inode* file, uint8_t*& copy) {
    copy = nullptr;
    uint64_t size;
    {
        sync::Guard lock(g_tree_lock);
        if (file->borrowed || file->size == 0)
            return ProgramBytes{file->borrowed, file->size, file->borrowed_frames};
        size = file->size;
    }
    // Written since boot: loaded from a copy (its pages are not lent).
    copy = new (std::nothrow) uint8_t[size];
    if (!copy) return Error::kNoMemory;
    IoBuffer into = IoBuffer::kernel(copy, size_t(size));
    size_t n = TRY(read(file, into, 0));
    return ProgramBytes{copy, n, FileFrames{}};
}

Tmpfs::ProgramBytes Tmpfs::borrowed_bytes(Inode* file) {
    sync::Guard lock(g_tree_lock);
    if (!file->borrowed) return {};
    return ProgramBytes{file->borrowed, file->size, file->borrowed_frames};
}

Result<Inode*> hold_running(Inode* file) {
    TRY(file->fs->deny_write(file));
    file->add_ref();
    return file;
}

void share_running(Inode* file) {
    if (!file) return;
    sync::Guard lock(g_tree_lock);
    ++file->running;
    file->add_ref();
}

void drop_running(Inode* file) {
    if (!file) return;
    file->fs->allow_write(file);
    file->release_ref();
}

// ---- Metadata ----

void Tmpfs::set_permissions(Inode* inode, uint32_t permissions) {
    sync::Guard lock(g_tree_lock);
    inode->permissions = permissions & 07777;
    touch(inode, false);
}

void Tmpfs::set_owner(Inode* inode, uint32_t uid, uint32_t gid) {
    sync::Guard lock(g_tree_lock);
    if (uid != kKeepId) inode->uid = uid;
    if (gid != kKeepId) inode->gid = gid;
    if (inode->type == NodeType::kRegular) {
        // As Linux's chown: a file given away loses set-user-ID, and
        // set-group-ID where it means that (with group execute).
        inode->permissions &= ~04000u;
        if (inode->permissions & 010) inode->permissions &= ~02000u;
    }
    touch(inode, false);
}

void Tmpfs::set_times(Inode* inode, const TimeChange& atime, const TimeChange& mtime) {
    FileTime now = m_now();
    sync::Guard lock(g_tree_lock);
    const TimeChange* changes[2] = {&atime, &mtime};
    FileTime* stamps[2] = {&inode->atime, &inode->mtime};
    for (int k = 0; k < 2; ++k) {
        if (changes[k]->kind == TimeChange::Kind::kNow) *stamps[k] = now;
        if (changes[k]->kind == TimeChange::Kind::kSet) *stamps[k] = changes[k]->time;
    }
    inode->ctime = now;
}

void Tmpfs::stat(Inode* inode, FileStat& out) {
    sync::Guard lock(g_tree_lock);
    out.inode = inode->number;
    out.links = inode->links;
    out.uid = inode->uid;
    out.gid = inode->gid;
    out.atime = inode->atime;
    out.mtime = inode->mtime;
    out.ctime = inode->ctime;
    switch (inode->type) {
        case NodeType::kDirectory:
            out.mode = mode_bits::kDirectory | inode->permissions;
            // As tmpfs: a directory's size grows with its entries.
            out.size = int64_t(inode->entry_count + 2) * 20;
            break;
        case NodeType::kSymlink:
            out.mode = mode_bits::kSymlink | 0777;
            out.size = int64_t(inode->size);
            break;
        case NodeType::kFifo:
            out.mode = mode_bits::kFifo | inode->permissions;
            break;
        case NodeType::kSocket:
            out.mode = mode_bits::kSocket | inode->permissions;
            break;
        case NodeType::kCharDevice:
            out.mode = mode_bits::kCharDevice | inode->permissions;
            out.rdevice = inode->device;
            break;
        default: {
            out.mode = mode_bits::kRegular | inode->permissions;
            out.size = int64_t(inode->size);
            uint64_t held = 0;
            if (inode->borrowed) {
                held = (inode->size + kPage - 1) / kPage;
            } else {
                held = inode->page_count;
            }
            out.blocks = int64_t(held * (kPage / 512));
            break;
        }
    }
}

Tmpfs::Usage Tmpfs::usage() {
    sync::Guard lock(g_tree_lock);
    return Usage{m_pages, m_max_pages, m_inodes};
}

// ---- Populating from the ramdisk ----

Result<void> Tmpfs::populate(const Ramdisk& disk, FramesOf frames_of) {
    // Archive order puts a directory before what is in it (the ramdisk
    // implies missing parents first), so each parent exists when its
    // children come.
    for (size_t serial = 2;; ++serial) {
        const FileEntry* e = disk.entry_by_serial(serial);
        if (!e) break;
        // Find the parent by walking the path's directories.
        const char* path = e->name;
        InodeRef dir = InodeRef::share(m_root);
        const char* p = path + 1;
        for (;;) {
            const char* slash = p;
            while (*slash && *slash != '/') ++slash;
            if (!*slash) break;
            InodeRef next = lookup(dir.get(), p, size_t(slash - p));
            if (!next) return Error::kCorrupt;
            dir = static_cast<InodeRef&&>(next);
            p = slash + 1;
        }
        NodeType type = e->is_symlink()   ? NodeType::kSymlink
                        : e->is_directory ? NodeType::kDirectory
                                          : NodeType::kRegular;
        InodeRef made =
            TRY(create(dir.get(), p, strlen(p), type, e->permissions, 0, 0, e->link_target));
        if (type == NodeType::kRegular) {
            sync::Guard lock(g_tree_lock);
            made->size = e->size;
            made->borrowed = e->data;
            if (frames_of) made->borrowed_frames = frames_of(e);
        }
    }
    return {};
}

}  // namespace nyanos::fs
