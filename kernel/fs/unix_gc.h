// The garbage collector of descriptions in flight between Unix sockets
// (SCM_RIGHTS), as Linux's net/unix/garbage.c does it.
//
// A socket's description sent over a socket is held by the receiving
// socket's queue until read. A program can make that reference the last
// one, in a cycle no process can reach: a socket sent into its own queue,
// then closed, keeps itself alive. The collector finds such sockets:
//
//  - every socket whose description is in flight is on the graph's list,
//    with its in-flight count (references held by queued messages);
//  - a candidate is one whose every reference is in flight (its
//    description's reference count equals its in-flight count): no
//    descriptor, no system call in progress holds it;
//  - a candidate is reachable when some of its in-flight references sit in
//    the queue of a socket that is not a candidate (a live one: counted by
//    subtracting the references that candidates' queues hold), or in the
//    queue of a reachable candidate (marked from the first ones);
//  - the candidates left unreachable are garbage: only garbage holds them.
//    Purging their queues drops those references, and the sockets' own
//    releases (closing them as any last close does) free the rest.
//
// Portable and allocation-free: a node's bookkeeping lives in the node (a
// socket derives from UnixGcNode), so a collection cannot fail for want
// of memory. Not locked itself: the owner (fs/unix_socket.kernel.cpp)
// keeps the graph, the nodes' fields and every queue under one lock while
// counting and collecting, and frees what a purge took only after letting
// go of it (fs/socket_queue.h).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace nyanos::fs {

class UnixGcGraph;

struct UnixGcNode {
private:
    friend class UnixGcGraph;
    enum Mark : uint8_t { kNone, kCandidate, kReachable };

    // The list of nodes in flight (linked while m_in_flight > 0).
    UnixGcNode* m_prev = nullptr;
    UnixGcNode* m_next = nullptr;
    uint32_t m_in_flight = 0;
    // One collection's scratch: the references held by candidates' queues,
    // the mark, and a link for the marking's work list and the garbage.
    uint32_t m_inner = 0;
    Mark m_mark = kNone;
    UnixGcNode* m_work = nullptr;
};

class UnixGcGraph {
public:
    UnixGcGraph() = default;
    UnixGcGraph(const UnixGcGraph&) = delete;
    UnixGcGraph& operator=(const UnixGcGraph&) = delete;

    // One more (fewer) reference to `n`'s description held by a queued
    // message. Removing more than were added is a broken invariant.
    void add_in_flight(UnixGcNode& n);
    void remove_in_flight(UnixGcNode& n);
    uint32_t in_flight(const UnixGcNode& n) const { return n.m_in_flight; }
    // Nodes with references in flight.
    size_t node_count() const { return m_nodes; }

    // One collection. `Graph` provides:
    //   uint32_t references(UnixGcNode& n): n's description's reference
    //       count (read once per node per collection);
    //   void for_each_child(UnixGcNode& n, F f): f(UnixGcNode*) for each
    //       socket description in flight that n's queues hold (a listener's
    //       pending connections' queues included), once per reference;
    //   void purge(UnixGcNode& n): takes n's queues' messages (which
    //       removes their in-flight counts), to free after the lock.
    // Returns the number of sockets purged.
    template <typename Graph>
    size_t collect(Graph& graph) {
        // Candidates: every reference in flight.
        for (UnixGcNode* n = m_head; n; n = n->m_next) {
            n->m_inner = 0;
            n->m_work = nullptr;
            n->m_mark =
                graph.references(*n) == n->m_in_flight ? UnixGcNode::kCandidate : UnixGcNode::kNone;
        }
        // What candidates' queues hold of each other.
        for (UnixGcNode* n = m_head; n; n = n->m_next) {
            if (n->m_mark != UnixGcNode::kCandidate) continue;
            graph.for_each_child(*n, [](UnixGcNode* child) {
                if (child->m_mark == UnixGcNode::kCandidate) ++child->m_inner;
            });
        }
        // Held from a live queue too: reachable, and so is what they hold.
        UnixGcNode* work = nullptr;
        for (UnixGcNode* n = m_head; n; n = n->m_next) {
            if (n->m_mark == UnixGcNode::kCandidate && n->m_inner < n->m_in_flight) {
                n->m_mark = UnixGcNode::kReachable;
                n->m_work = work;
                work = n;
            }
        }
        while (UnixGcNode* n = work) {
            work = n->m_work;
            n->m_work = nullptr;
            graph.for_each_child(*n, [&work](UnixGcNode* child) {
                if (child->m_mark != UnixGcNode::kCandidate) return;
                child->m_mark = UnixGcNode::kReachable;
                child->m_work = work;
                work = child;
            });
        }
        // The rest is garbage: chained first, since purging changes the
        // list (in-flight counts drop to 0 and their nodes leave it).
        UnixGcNode* garbage = nullptr;
        for (UnixGcNode* n = m_head; n; n = n->m_next) {
            if (n->m_mark == UnixGcNode::kCandidate) {
                n->m_work = garbage;
                garbage = n;
            }
            n->m_mark = UnixGcNode::kNone;
        }
        size_t purged = 0;
        while (UnixGcNode* n = garbage) {
            garbage = n->m_work;
            n->m_work = nullptr;
            graph.purge(*n);
            ++purged;
        }
        return purged;
    }

private:
    UnixGcNode* m_head = nullptr;
    size_t m_nodes = 0;
};

}  // namespace nyanos::fs
