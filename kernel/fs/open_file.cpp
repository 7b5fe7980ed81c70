#include "fs/open_file.h"

#include <new>

#include "lib/panic.h"

namespace nyanos::fs {

Result<int> install(FileTable*& table, const FileEntry* entry) {
    VERIFY(entry);  // a null entry would read as a free descriptor
    if (!table) {
        table = new (std::nothrow) FileTable;
        if (!table) return Error::kNoMemory;
    }
    for (int fd = kFirstFileFd; fd < kMaxOpenFiles; ++fd) {
        if (table->files[fd].entry) continue;
        table->files[fd] = OpenFile{entry, 0};
        return fd;
    }
    return Error::kTooManyFiles;
}

Result<OpenFile*> file(FileTable* table, int fd) {
    if (!table || fd < kFirstFileFd || fd >= kMaxOpenFiles || !table->files[fd].entry)
        return Error::kBadFd;
    return &table->files[fd];
}

Result<void> close(FileTable* table, int fd) {
    OpenFile* f = TRY(file(table, fd));
    *f = OpenFile{};
    return {};
}

void close_all(FileTable*& table) {
    delete table;
    table = nullptr;
}

}  // namespace nyanos::fs
