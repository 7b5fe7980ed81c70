// A Unix socket's receive queue (fs/socket_queue.h): datagrams in order
// with their boundaries, a stream read across messages and cut short at
// in-flight descriptions, partial consumption, the charge against the
// buffer, a fault in the middle of a copy, and every message and
// description freed on every path (allocation failure at every N too).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "failing_new.h"
#include "fake_user_memory.h"
#include "fs/socket_queue.h"
#include "fs_test_support.h"

using namespace nyanos;
using namespace nyanos::fs;
using nyanos::test::CountedFile;

namespace {

SocketMessage* message(const std::string& text) {
    SocketMessage* m = SocketMessage::try_create(text.size());
    REQUIRE(m);
    memcpy(m->data(), text.data(), text.size());
    return m;
}

// `count` descriptions, as a sender's SCM_RIGHTS array.
DescriptionRef* rights(uint32_t count) {
    auto* r = new DescriptionRef[count];
    for (uint32_t i = 0; i < count; ++i) r[i] = CountedFile::make();
    return r;
}

// A stream read of up to `want` bytes into a string, as the socket does:
// copy the first `count` messages, then consume what was copied.
std::string read_stream(SocketQueue& q, size_t want, DescriptionRef*& got, uint32_t& got_count) {
    std::string out(want, '\0');
    IoBuffer buffer = IoBuffer::user(reinterpret_cast<uint64_t>(out.data()), want);
    auto n = q.copy_stream(buffer, 0, want, q.count());
    REQUIRE(n.ok());
    free_messages(q.consume_stream(n.value(), got, got_count));
    out.resize(n.value());
    return out;
}

}  // namespace

TEST_CASE("socket queue: datagrams keep their order and boundaries") {
    SocketQueue q;
    CHECK(q.empty());
    q.push(message("one"));
    q.push(message(""));
    q.push(message("three"));
    CHECK(q.count() == 3);
    CHECK(q.bytes() == 8);
    CHECK(q.charge() == 8 + 3 * SocketQueue::kOverhead);
    std::vector<std::string> seen;
    while (SocketMessage* m = q.pop()) {
        seen.emplace_back(reinterpret_cast<const char*>(m->data()), m->length);
        m->destroy();
    }
    CHECK(seen == std::vector<std::string>{"one", "", "three"});
    CHECK(q.empty());
    CHECK(q.bytes() == 0);
    CHECK(q.charge() == 0);
}

TEST_CASE("socket queue: a stream read spans messages and consumes partly") {
    SocketQueue q;
    q.push(message("hello "));
    q.push(message("world"));
    DescriptionRef* got = nullptr;
    uint32_t got_count = 0;
    CHECK(read_stream(q, 8, got, got_count) == "hello wo");
    CHECK(q.count() == 1);
    CHECK(q.bytes() == 3);
    CHECK(read_stream(q, 100, got, got_count) == "rld");
    CHECK(q.empty());
    CHECK(got == nullptr);
    // A peek (copy without consume) leaves everything.
    q.push(message("abc"));
    std::string out(2, '\0');
    IoBuffer buffer = IoBuffer::user(reinterpret_cast<uint64_t>(out.data()), 2);
    CHECK(q.copy_stream(buffer, 0, 2, q.count()).value() == 2);
    CHECK(out == "ab");
    CHECK(q.bytes() == 3);
    free_messages(q.take_all());
    CHECK(q.empty());
}

TEST_CASE("socket queue: a stream read stops at descriptions and hands them over once") {
    const int before = CountedFile::live;
    {
        SocketQueue q;
        q.push(message("ab"));
        SocketMessage* m = message("cd");
        m->attach_rights(rights(2), 2);
        q.push(m);
        q.push(message("ef"));
        CHECK(CountedFile::live == before + 2);
        DescriptionRef* got = nullptr;
        uint32_t got_count = 0;
        // Bytes before the descriptions first, without them.
        CHECK(read_stream(q, 10, got, got_count) == "ab");
        CHECK(got == nullptr);
        // The message with them, alone; read partly, the rights come now.
        CHECK(read_stream(q, 1, got, got_count) == "c");
        REQUIRE(got != nullptr);
        CHECK(got_count == 2);
        free_rights(got, got_count);
        CHECK(CountedFile::live == before);
        got = nullptr;
        CHECK(read_stream(q, 10, got, got_count) == "def");
        CHECK(got == nullptr);
    }
    CHECK(CountedFile::live == before);
}

TEST_CASE("socket queue: descriptions never received are freed with the queue") {
    const int before = CountedFile::live;
    {
        SocketQueue q;
        SocketMessage* m = message("x");
        m->attach_rights(rights(3), 3);
        q.push(m);
        CHECK(CountedFile::live == before + 3);
        free_messages(q.take_all());
    }
    CHECK(CountedFile::live == before);
}

TEST_CASE("socket queue: a fault mid-copy returns what was copied, or EFAULT") {
    SocketQueue q;
    q.push(message("abcd"));
    q.push(message("efgh"));
    std::string out(8, '\0');
    IoBuffer buffer = IoBuffer::user(reinterpret_cast<uint64_t>(out.data()), 8);
    test::set_user_fault_range(out.data() + 4, 4);
    auto n = q.copy_stream(buffer, 0, 8, q.count());
    test::clear_user_fault_range();
    REQUIRE(n.ok());
    CHECK(n.value() == 4);
    test::set_user_fault_range(out.data(), 1);
    auto none = q.copy_stream(buffer, 0, 8, q.count());
    test::clear_user_fault_range();
    CHECK(!none.ok());
    CHECK(none.error() == Error::kFault);
    // Nothing was consumed by either.
    CHECK(q.bytes() == 8);
    free_messages(q.take_all());
}

TEST_CASE("socket queue: a copy walks only the messages it was given") {
    SocketQueue q;
    q.push(message("ab"));
    const size_t seen = q.count();
    q.push(message("cd"));  // arrives after the reader's look
    std::string out(4, '\0');
    IoBuffer buffer = IoBuffer::user(reinterpret_cast<uint64_t>(out.data()), 4);
    CHECK(q.copy_stream(buffer, 0, 4, seen).value() == 2);
    free_messages(q.take_all());
}

TEST_CASE("socket queue: allocation failure at every N leaks nothing") {
    const int before = CountedFile::live;
    for (size_t n = 1; n < 8; ++n) {
        SocketQueue q;
        bool failed = false;
        {
            test::FailNothrowNew fail(n);
            for (int i = 0; i < 3; ++i) {
                SocketMessage* m = SocketMessage::try_create(16);
                if (!m) {
                    failed = true;
                    continue;
                }
                q.push(m);
            }
            failed = failed || fail.triggered();
        }
        CHECK(q.count() == (failed && n <= 3 ? 2u : 3u));
        free_messages(q.take_all());
    }
    CHECK(CountedFile::live == before);
}
