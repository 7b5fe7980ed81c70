// The collector of descriptions in flight between Unix sockets
// (fs/unix_gc.h), over model sockets: each a description whose queue is a
// real SocketQueue carrying real DescriptionRefs, closed (its queue freed)
// when its last reference goes, as the kernel's. Cycles of 1, 2 and 3
// sockets are collected; a cycle a live socket reaches is not; a socket in
// flight inside another in flight goes with it, with the files it carries;
// a listener held by its pending connection's queue is found through its
// backlog; random graphs agree with a plain reachability search; and a
// collection allocates nothing (so memory running out cannot stop it).
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "failing_new.h"
#include "fs/socket_queue.h"
#include "fs/unix_gc.h"
#include "fs_test_support.h"

using namespace nyanos;
using namespace nyanos::fs;
using nyanos::test::CountedFile;

namespace {

UnixGcGraph* g_graph = nullptr;

struct ModelSocket;

// Descriptions whose rights left a queue leave flight (as the kernel's
// left_queue_locked).
void left_queue(SocketMessage* list);

class ModelFile final : public FileDescription {
public:
    static inline const char tag = 0;
    ModelSocket* socket;

    static DescriptionRef make();
    void stat(FileStat& out) override { out = FileStat{}; }
    const void* kind() const override { return &tag; }

private:
    explicit ModelFile(ModelSocket* s) : FileDescription(open_flags::kReadWrite), socket(s) {}
    ~ModelFile() override;
};

struct ModelSocket : UnixGcNode {
    static inline int live = 0;
    SocketQueue queue;
    ModelFile* file = nullptr;
    std::vector<ModelSocket*> pending;  // a listener's connections (owned)

    ModelSocket() { ++live; }
    ~ModelSocket() {
        // Closing: what it received goes, and its pending connections.
        free_messages(take());
        for (ModelSocket* p : pending) delete p;
        --live;
    }
    // Its queue's and its pending connections' messages, out of flight.
    SocketMessage* take() {
        SocketMessage* all = queue.take_all();
        left_queue(all);
        for (ModelSocket* p : pending) {
            SocketMessage* more = p->queue.take_all();
            left_queue(more);
            if (more) {
                SocketMessage* tail = more;
                while (tail->next) tail = tail->next;
                tail->next = all;
                all = more;
            }
        }
        return all;
    }
};

ModelSocket* socket_of(const DescriptionRef& d) {
    if (d->kind() != &ModelFile::tag) return nullptr;
    return static_cast<ModelFile*>(d.get())->socket;
}

DescriptionRef ModelFile::make() {
    auto* s = new ModelSocket;
    auto* f = new (std::nothrow) ModelFile(s);
    REQUIRE(f);
    s->file = f;
    return DescriptionRef::adopt(f);
}

ModelFile::~ModelFile() {
    delete socket;
}

void left_queue(SocketMessage* list) {
    for (SocketMessage* m = list; m; m = m->next)
        for (uint32_t i = 0; i < m->right_count; ++i)
            if (ModelSocket* s = socket_of(m->rights[i])) g_graph->remove_in_flight(*s);
}

ModelSocket& sock(const DescriptionRef& d) {
    ModelSocket* s = socket_of(d);
    REQUIRE(s);
    return *s;
}

// Sends `rights` (copies of the references) into `to`'s queue.
void send(ModelSocket& to, std::vector<DescriptionRef> rights) {
    SocketMessage* m = SocketMessage::try_create(1);
    REQUIRE(m);
    m->data()[0] = 'x';
    auto* array = rights.empty() ? nullptr : new DescriptionRef[rights.size()];
    for (size_t i = 0; i < rights.size(); ++i) array[i] = rights[i];
    m->attach_rights(array, uint32_t(rights.size()));
    to.queue.push(m);
    for (auto& r : rights)
        if (ModelSocket* s = socket_of(r)) g_graph->add_in_flight(*s);
}

struct ModelGraph {
    SocketMessage* garbage = nullptr;

    uint32_t references(UnixGcNode& n) {
        auto& s = static_cast<ModelSocket&>(n);
        return s.file ? s.file->reference_count() : UINT32_MAX;
    }
    template <typename F>
    void for_each_child(UnixGcNode& n, F f) {
        auto& s = static_cast<ModelSocket&>(n);
        auto visit = [&f](const DescriptionRef& d) {
            if (ModelSocket* child = socket_of(d)) f(child);
        };
        s.queue.for_each_right(visit);
        for (ModelSocket* p : s.pending) p->queue.for_each_right(visit);
    }
    void purge(UnixGcNode& n) {
        SocketMessage* list = static_cast<ModelSocket&>(n).take();
        while (list) {
            SocketMessage* next = list->next;
            list->next = garbage;
            garbage = list;
            list = next;
        }
    }
};

// A collection, then freeing what it purged (after "the lock").
size_t collect(UnixGcGraph& graph) {
    ModelGraph model;
    size_t purged = graph.collect(model);
    free_messages(model.garbage);
    return purged;
}

struct World {
    UnixGcGraph graph;
    World() {
        g_graph = &graph;
        ModelSocket::live = 0;
        CountedFile::live = 0;
    }
    ~World() {
        CHECK(ModelSocket::live == 0);
        CHECK(CountedFile::live == 0);
        CHECK(graph.node_count() == 0);
        g_graph = nullptr;
    }
};

}  // namespace

TEST_CASE("unix gc: a socket whose only reference is in its own queue is collected") {
    World w;
    DescriptionRef a = ModelFile::make();
    send(sock(a), {a, CountedFile::make()});
    CHECK(w.graph.in_flight(sock(a)) == 1);
    CHECK(collect(w.graph) == 0);  // still held from outside
    CHECK(ModelSocket::live == 1);
    a = nullptr;
    CHECK(ModelSocket::live == 1);  // the leak the collector exists for
    CHECK(collect(w.graph) == 1);
    CHECK(ModelSocket::live == 0);
    CHECK(CountedFile::live == 0);
}

TEST_CASE("unix gc: cycles of two and three sockets are collected") {
    World w;
    for (int size = 2; size <= 3; ++size) {
        std::vector<DescriptionRef> s;
        for (int i = 0; i < size; ++i) s.push_back(ModelFile::make());
        for (int i = 0; i < size; ++i) send(sock(s[i]), {s[(i + 1) % size]});
        CHECK(collect(w.graph) == 0);
        s.clear();
        CHECK(ModelSocket::live == size);
        CHECK(collect(w.graph) == size_t(size));
        CHECK(ModelSocket::live == 0);
    }
}

TEST_CASE("unix gc: a cycle that a live socket reaches stays") {
    World w;
    DescriptionRef live = ModelFile::make();
    DescriptionRef a = ModelFile::make();
    DescriptionRef b = ModelFile::make();
    send(sock(a), {b});
    send(sock(b), {a, CountedFile::make()});
    send(sock(live), {a});
    a = nullptr;
    b = nullptr;
    CHECK(collect(w.graph) == 0);
    CHECK(ModelSocket::live == 3);
    CHECK(CountedFile::live == 1);
    CHECK(sock(live).queue.count() == 1);
    // A reachable socket reached through a second cycle member only.
    DescriptionRef c = ModelFile::make();
    send(sock(c), {c});
    send(sock(sock(live).queue.front()->rights[0]), {c});
    c = nullptr;
    CHECK(collect(w.graph) == 0);
    CHECK(ModelSocket::live == 4);
    // The live socket closes: its queue's reference goes, the cycle is
    // unreachable now.
    live = nullptr;
    CHECK(ModelSocket::live == 3);
    CHECK(collect(w.graph) == 3);
    CHECK(ModelSocket::live == 0);
}

TEST_CASE("unix gc: a socket in flight inside another in flight goes with it") {
    World w;
    DescriptionRef a = ModelFile::make();
    DescriptionRef inner = ModelFile::make();
    send(sock(inner), {CountedFile::make()});
    send(sock(a), {inner});
    send(sock(a), {a});
    inner = nullptr;
    a = nullptr;
    CHECK(collect(w.graph) == 2);
    CHECK(ModelSocket::live == 0);
    CHECK(CountedFile::live == 0);
}

TEST_CASE("unix gc: a listener held by its pending connection's queue is collected") {
    World w;
    DescriptionRef listener = ModelFile::make();
    auto* pending = new ModelSocket;
    sock(listener).pending.push_back(pending);
    send(*pending, {listener, CountedFile::make()});
    CHECK(collect(w.graph) == 0);
    listener = nullptr;
    CHECK(collect(w.graph) == 1);
    CHECK(ModelSocket::live == 0);
    CHECK(CountedFile::live == 0);
}

TEST_CASE("unix gc: an extra reference (a descriptor, a call in progress) keeps a cycle") {
    World w;
    DescriptionRef a = ModelFile::make();
    DescriptionRef b = ModelFile::make();
    send(sock(a), {b});
    send(sock(b), {a});
    DescriptionRef held = a;  // as a system call's own reference
    a = nullptr;
    b = nullptr;
    CHECK(collect(w.graph) == 0);
    CHECK(ModelSocket::live == 2);
    held = nullptr;
    CHECK(collect(w.graph) == 2);
}

TEST_CASE("unix gc: random graphs agree with a reachability search") {
    std::mt19937 rng(12345);
    for (int round = 0; round < 200; ++round) {
        World w;
        const int n = 1 + int(rng() % 12);
        std::vector<DescriptionRef> s;
        for (int i = 0; i < n; ++i) s.push_back(ModelFile::make());
        std::vector<std::vector<int>> edges(static_cast<size_t>(n));
        const int messages = int(rng() % uint32_t(3 * n + 1));
        for (int m = 0; m < messages; ++m) {
            int to = int(rng() % uint32_t(n));
            int count = 1 + int(rng() % 3);
            std::vector<DescriptionRef> rights;
            for (int k = 0; k < count; ++k) {
                int what = int(rng() % uint32_t(n + 1));
                if (what == n) {
                    rights.push_back(CountedFile::make());
                } else {
                    rights.push_back(s[size_t(what)]);
                    edges[size_t(to)].push_back(what);
                }
            }
            send(sock(s[size_t(to)]), rights);
        }
        // Some stay held from outside; the reachable set is what those
        // reach through queues.
        std::vector<bool> held(static_cast<size_t>(n)), reached(static_cast<size_t>(n));
        std::vector<int> work;
        for (int i = 0; i < n; ++i) {
            held[size_t(i)] = rng() % 3 == 0;
            if (held[size_t(i)]) {
                reached[size_t(i)] = true;
                work.push_back(i);
            }
        }
        while (!work.empty()) {
            int i = work.back();
            work.pop_back();
            for (int j : edges[size_t(i)])
                if (!reached[size_t(j)]) {
                    reached[size_t(j)] = true;
                    work.push_back(j);
                }
        }
        int expected = 0;
        for (int i = 0; i < n; ++i) {
            expected += reached[size_t(i)];
            if (!held[size_t(i)]) s[size_t(i)] = nullptr;
        }
        // Sockets nothing holds at all closed already; the rest of the
        // unreachable ones are collected in one go.
        collect(w.graph);
        CHECK(ModelSocket::live == expected);
        CHECK(collect(w.graph) == 0);
        s.clear();
        collect(w.graph);
        CHECK(ModelSocket::live == 0);
    }
}

TEST_CASE("unix gc: a collection allocates nothing, so no memory shortage stops it") {
    World w;
    DescriptionRef a = ModelFile::make();
    DescriptionRef b = ModelFile::make();
    DescriptionRef c = ModelFile::make();
    send(sock(a), {b});
    send(sock(b), {c});
    send(sock(c), {a, CountedFile::make()});
    a = nullptr;
    b = nullptr;
    c = nullptr;
    const size_t before = test::nothrow_new_calls();
    ModelGraph model;
    size_t purged;
    {
        test::FailNothrowNew fail(1, true);
        purged = w.graph.collect(model);
        CHECK_FALSE(fail.triggered());
    }
    CHECK(test::nothrow_new_calls() == before);
    CHECK(purged == 3);
    free_messages(model.garbage);
    CHECK(ModelSocket::live == 0);
}
