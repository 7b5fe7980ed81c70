#include "proc/process_table.h"

#include "lib/panic.h"

namespace nyanos::proc {

void ProcessTable::insert(Process* process) {
    process->prev_in_table = nullptr;
    process->next_in_table = m_head;
    if (m_head) m_head->prev_in_table = process;
    m_head = process;
    ++m_count;
}

void ProcessTable::remove(Process* process) {
    if (process->prev_in_table)
        process->prev_in_table->next_in_table = process->next_in_table;
    else
        m_head = process->next_in_table;
    if (process->next_in_table) process->next_in_table->prev_in_table = process->prev_in_table;
    process->prev_in_table = process->next_in_table = nullptr;
    --m_count;
}

Process* ProcessTable::find(int pid) const {
    for (Process* t = m_head; t; t = t->next_in_table)
        if (t->pid == pid) return t;
    return nullptr;
}

Thread* ProcessTable::find_thread(int tid) const {
    for (Process* p = m_head; p; p = p->next_in_table)
        for (Thread* t = p->thread; t; t = t->next_in_process)
            if (t->tid == tid) return t;
    return nullptr;
}

int ProcessTable::allocate_pid() {
    for (;;) {
        int pid = m_next_pid;
        m_next_pid = m_next_pid >= kMaxPid ? 1 : m_next_pid + 1;
        if (!find(pid) && !find_thread(pid)) {
            m_last_pid = pid;
            ++m_handed_out;
            return pid;
        }
    }
}

Process* ProcessTable::find_zombie_child(const Process* parent, ChildSelector which,
                                         bool& has_match) const {
    int status;
    return find_waitable_child(parent, which, wait_event::kExited, status, has_match);
}

Process* ProcessTable::find_waitable_child(const Process* parent, ChildSelector which,
                                           uint8_t events, int& status, bool& has_match) const {
    has_match = false;
    for (Process* t = m_head; t; t = t->next_in_table) {
        if (t->parent != parent) continue;
        bool selected = which.kind == ChildSelector::Kind::kAny ||
                        (which.kind == ChildSelector::Kind::kPid && t->pid == which.id) ||
                        (which.kind == ChildSelector::Kind::kGroup && t->pgid == which.id);
        if (!selected) continue;
        has_match = true;
        if (t->zombie) {
            if (!(events & wait_event::kExited)) continue;
            status = t->wait_status;
            return t;
        }
        if ((events & wait_event::kStopped) && t->job.stopped &&
            t->job.report == JobState::Report::kStopped) {
            status = stopped_status(t->job.stop_signal);
            return t;
        }
        if ((events & wait_event::kContinued) && t->job.report == JobState::Report::kContinued) {
            status = kContinuedStatus;
            return t;
        }
    }
    return nullptr;
}

}  // namespace nyanos::proc
