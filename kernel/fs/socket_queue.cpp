#include "fs/socket_queue.h"

#include <new>

#include "fs/kernel_hooks.h"

namespace nyanos::fs {

SocketMessage* SocketMessage::try_create(size_t length) {
    if (length > SIZE_MAX - sizeof(SocketMessage)) return nullptr;
    auto* block = new (std::nothrow) uint8_t[sizeof(SocketMessage) + length];
    if (!block) return nullptr;
    static_assert(alignof(SocketMessage) <= alignof(max_align_t));
    auto* m = new (block) SocketMessage();
    m->length = length;
    return m;
}

void SocketMessage::destroy() {
    uint32_t count;
    DescriptionRef* r = take_rights(count);
    free_rights(r, count);
    this->~SocketMessage();
    delete[] reinterpret_cast<uint8_t*>(this);
}

void free_rights(DescriptionRef* rights, uint32_t count) {
    (void)count;  // the array knows its length (new[])
    delete[] rights;
}

void free_messages(SocketMessage* list) {
    // Freeing a message drops the descriptions it carries; the last
    // reference of a socket's description frees that socket's queue, whose
    // messages may carry sockets in turn: a chain as long as a program
    // cares to build. So only the outermost call on a thread frees; a call
    // made inside it adds its list to the outermost's, which the loop
    // below reaches in turn, and the stack stays one level deep.
    void*& slot = socket_messages_to_free();
    if (slot) {
        if (!list) return;
        SocketMessage* tail = list;
        while (tail->next) tail = tail->next;
        auto*& pending = *static_cast<SocketMessage**>(slot);
        tail->next = pending;
        pending = list;
        return;
    }
    SocketMessage* pending = nullptr;
    slot = &pending;
    for (;;) {
        while (list) {
            SocketMessage* next = list->next;
            list->destroy();
            list = next;
        }
        if (!pending) break;
        list = pending;
        pending = nullptr;
    }
    slot = nullptr;
}

void SocketQueue::push(SocketMessage* message) {
    message->next = nullptr;
    if (m_tail)
        m_tail->next = message;
    else
        m_head = message;
    m_tail = message;
    ++m_count;
    m_bytes += message->unread();
}

Result<size_t> SocketQueue::copy_stream(IoBuffer& out, size_t at, size_t want, size_t count) const {
    size_t done = 0;
    const SocketMessage* m = m_head;
    for (size_t i = 0; i < count && done < want; ++i) {
        if (i > 0) {
            // Walks only links that were set before the caller's look.
            m = m->next;
            if (m->right_count && done) break;
        }
        size_t n = m->unread() < want - done ? m->unread() : want - done;
        auto stored = out.store(at + done, m->data() + m->consumed, n);
        if (!stored.ok()) {
            if (done) return done;
            return stored.error();
        }
        done += n;
        if (m->right_count) break;
    }
    return done;
}

SocketMessage* SocketQueue::consume_stream(size_t bytes, DescriptionRef*& rights,
                                           uint32_t& right_count) {
    SocketMessage* freed = nullptr;
    SocketMessage** freed_tail = &freed;
    m_bytes -= bytes;
    while (m_head) {
        SocketMessage* m = m_head;
        size_t n = m->unread() < bytes ? m->unread() : bytes;
        m->consumed += n;
        bytes -= n;
        if (n && m->right_count && !rights) rights = m->take_rights(right_count);
        if (m->unread() != 0) break;
        // Fully read (an empty piece, too, once reached with nothing left).
        m_head = m->next;
        if (!m_head) m_tail = nullptr;
        --m_count;
        m->next = nullptr;
        *freed_tail = m;
        freed_tail = &m->next;
        if (bytes == 0) break;
    }
    return freed;
}

SocketMessage* SocketQueue::pop() {
    SocketMessage* m = m_head;
    if (!m) return nullptr;
    m_head = m->next;
    if (!m_head) m_tail = nullptr;
    --m_count;
    m_bytes -= m->unread();
    m->next = nullptr;
    return m;
}

SocketMessage* SocketQueue::take_all() {
    SocketMessage* all = m_head;
    m_head = m_tail = nullptr;
    m_count = 0;
    m_bytes = 0;
    return all;
}

}  // namespace nyanos::fs
