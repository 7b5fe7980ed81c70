#include "fs/unix_gc.h"

#include "lib/panic.h"

namespace nyanos::fs {

void UnixGcGraph::add_in_flight(UnixGcNode& n) {
    if (n.m_in_flight++ != 0) return;
    n.m_prev = nullptr;
    n.m_next = m_head;
    if (m_head) m_head->m_prev = &n;
    m_head = &n;
    n.m_mark = UnixGcNode::kNone;
    ++m_nodes;
}

void UnixGcGraph::remove_in_flight(UnixGcNode& n) {
    if (n.m_in_flight == 0) panic("unix gc: a reference left flight twice");
    if (--n.m_in_flight != 0) return;
    if (n.m_prev)
        n.m_prev->m_next = n.m_next;
    else
        m_head = n.m_next;
    if (n.m_next) n.m_next->m_prev = n.m_prev;
    n.m_prev = n.m_next = nullptr;
    --m_nodes;
}

}  // namespace nyanos::fs
