// The common part of Linux's anonymous-inode files (eventfd, timerfd,
// signalfd, epoll): there they all share one inode of an unnamed device,
// seek nowhere without an error (noop_llseek: the offset stays 0) and stat
// as mode 0600 with that device and inode. Each kind derives from AnonFile
// and adds its own read, write and poll.
#pragma once

#include <stdint.h>

#include "fs/file_description.h"
#include "nyanos/lib/result.h"

namespace nyanos::fs {

inline constexpr uint64_t kAnonDevice = make_device(0, 13);
inline constexpr uint64_t kAnonInode = 1;

class AnonFile : public FileDescription {
public:
    using FileDescription::FileDescription;

    Result<uint64_t> seek(int64_t, int) override { return uint64_t(0); }

    void stat(FileStat& out) override {
        out = FileStat{};
        out.device = kAnonDevice;
        out.inode = kAnonInode;
        out.mode = 0600;
    }
};

}  // namespace nyanos::fs
