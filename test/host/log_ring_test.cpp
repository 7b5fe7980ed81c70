// The kernel log's ring: whole lines leave first, READ_ALL's copy keeps the
// newest lines that fit, the read cursor and the clear point.
#include <doctest/doctest.h>

#include <string>

#include "lib/log_ring.h"

using nyanos::LogRing;

namespace {

std::string recent(const LogRing& ring, size_t size = 1000) {
    char out[1000];
    return std::string(out, ring.copy_recent(out, size));
}

void add(LogRing& ring, const std::string& text) {
    ring.append(text.data(), text.size());
}

}  // namespace

TEST_CASE("log ring: lines stay whole when the ring fills") {
    char storage[16];
    LogRing ring(storage, sizeof storage);
    add(ring, "one\ntwo\n");
    CHECK(recent(ring) == "one\ntwo\n");
    add(ring, "three\nfo");  // 16 bytes: full
    CHECK(recent(ring) == "one\ntwo\nthree\nfo");
    add(ring, "ur\n");  // "one\n" leaves
    CHECK(recent(ring) == "two\nthree\nfour\n");
    add(ring, "fivesix\n");  // two lines leave to make room for 8 bytes
    CHECK(recent(ring) == "four\nfivesix\n");
}

TEST_CASE("log ring: text longer than the ring keeps its tail") {
    char storage[8];
    LogRing ring(storage, sizeof storage);
    add(ring, "abc\n");
    add(ring, "0123456789ab\n");
    CHECK(recent(ring) == "56789ab\n");  // its last 8 bytes, a cut line
    add(ring, "x\n");                    // the cut line leaves whole
    CHECK(recent(ring) == "x\n");
}

TEST_CASE("log ring: the copy keeps the newest whole lines that fit") {
    char storage[64];
    LogRing ring(storage, sizeof storage);
    add(ring, "aaaa\nbbbb\ncccc\n");
    CHECK(recent(ring, 10) == "bbbb\ncccc\n");
    CHECK(recent(ring, 9) == "cccc\n");
    CHECK(recent(ring, 4) == "");
    CHECK(recent(ring, 15) == "aaaa\nbbbb\ncccc\n");
}

TEST_CASE("log ring: reading consumes, clearing hides from the copy only") {
    char storage[16];
    LogRing ring(storage, sizeof storage);
    add(ring, "ab\ncd\n");
    CHECK(ring.unread() == 6);
    char out[16];
    CHECK(ring.read_unread(out, 4) == 4);
    CHECK(std::string(out, 4) == "ab\nc");
    CHECK(ring.unread() == 2);
    ring.clear();
    CHECK(recent(ring) == "");
    add(ring, "ef\n");
    CHECK(recent(ring) == "ef\n");
    CHECK(ring.read_unread(out, 16) == 5);
    CHECK(std::string(out, 5) == "d\nef\n");
    // The cursor falls behind what was dropped: reading resumes at the
    // oldest line kept ("0123456789\n" left to make room for "ghijk\n").
    add(ring, "0123456789\n");
    add(ring, "ghijk\n");
    CHECK(ring.unread() == 6);
    size_t n = ring.read_unread(out, 16);
    CHECK(std::string(out, n) == "ghijk\n");
    CHECK(ring.unread() == 0);
}
