// epoll: an interest list of files and the ones ready among them (Linux's
// epoll(7)), with Linux's behaviour:
//   - a watched file is named by its descriptor and its description (the
//     same description under another descriptor is another item); it
//     leaves every interest list when its description's last reference
//     goes (a close of its last descriptor), not at a close of one of
//     several;
//   - level-triggered items are reported at every wait while their events
//     hold; EPOLLET items once per change (each time the file's event
//     fires); EPOLLONESHOT items once, then stay disabled until
//     EPOLL_CTL_MOD; EPOLLERR and EPOLLHUP are reported whether asked for
//     or not;
//   - epoll_ctl's errors: EEXIST (added twice), ENOENT (MOD or DEL of a
//     file not in the list), EPERM (a regular file or a directory, which
//     cannot be polled), EINVAL (an epoll in itself, a bad op, EPOLLEXCLUSIVE
//     with MOD), ELOOP (an epoll that would watch itself through others, or
//     nesting deeper than Linux's 5 levels);
//   - an epoll file is itself pollable (POLLIN when items are ready).
//
// How readiness arrives: each item subscribes a hooked PollWaiter
// (proc/wait_event.h) to its file's events once, when it is added; the
// hook queues the item on its epoll's ready list and fires the epoll's own
// event, under the scheduler lock. A wait looks at the queued items only
// (their files' poll()), so its cost follows the ready items, not the
// interest list.
//
// Locks (docs/locking.md): the epoll lock guards every interest list and
// every description's list of watching items, and is held while a wait
// polls the queued items' files (so an item and its file stay alive); the
// ready lists and the items' "queued" flags are the scheduler lock's.
#pragma once

#include <stdint.h>

#include "fs/file_description.h"
#include "nyanos/lib/result.h"
#include "proc/thread.h"

namespace nyanos::fs {

namespace epoll_bits {
inline constexpr uint32_t kIn = 0x001, kPri = 0x002, kOut = 0x004, kErr = 0x008, kHup = 0x010,
                          kRdNorm = 0x040, kRdBand = 0x080, kWrNorm = 0x100, kWrBand = 0x200,
                          kMsg = 0x400, kRdHup = 0x2000;
inline constexpr uint32_t kExclusive = 1u << 28, kWakeUp = 1u << 29, kOneShot = 1u << 30,
                          kEdge = 1u << 31;
// The bits that are not events (Linux's EP_PRIVATE_BITS).
inline constexpr uint32_t kPrivate = kWakeUp | kOneShot | kEdge | kExclusive;
inline constexpr int kCtlAdd = 1, kCtlDel = 2, kCtlMod = 3;
}  // namespace epoll_bits

// struct epoll_event: packed on x86_64.
struct __attribute__((packed)) EpollEvent {
    uint32_t events;
    uint64_t data;
};
static_assert(sizeof(EpollEvent) == 12);

// A new epoll instance; `flags` may hold O_CLOEXEC (the caller's). ENOMEM.
Result<DescriptionRef> create_epoll();

// epoll_ctl on `epoll` (EINVAL when it is not an epoll) for descriptor `fd`,
// whose description is `target` (held by the caller). `event` is ignored
// for DEL.
Result<void> epoll_control(FileDescription& epoll, int op, int fd, FileDescription& target,
                           const EpollEvent& event);

// epoll_wait: fills `out[0..max)` with ready items' events, waiting for
// one until `deadline` (none: for ever) unless `look_only`. EINVAL when
// `epoll` is not an epoll; EINTR when a signal or a kill ends the wait.
Result<int> epoll_wait_events(FileDescription& epoll, EpollEvent* out, int max,
                              proc::Deadline deadline, bool look_only);

}  // namespace nyanos::fs
