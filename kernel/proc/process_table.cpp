#include "proc/process_table.h"

#include "lib/panic.h"

namespace nyanos::proc {

void ProcessTable::insert(Task* task) {
    task->prev_in_table = nullptr;
    task->next_in_table = m_head;
    if (m_head) m_head->prev_in_table = task;
    m_head = task;
    ++m_count;
}

void ProcessTable::remove(Task* task) {
    if (task->prev_in_table)
        task->prev_in_table->next_in_table = task->next_in_table;
    else
        m_head = task->next_in_table;
    if (task->next_in_table) task->next_in_table->prev_in_table = task->prev_in_table;
    task->prev_in_table = task->next_in_table = nullptr;
    --m_count;
}

Task* ProcessTable::find(int pid) const {
    for (Task* t = m_head; t; t = t->next_in_table)
        if (t->pid == pid) return t;
    return nullptr;
}

int ProcessTable::allocate_pid() {
    for (;;) {
        int pid = m_next_pid;
        m_next_pid = m_next_pid >= kMaxPid ? 1 : m_next_pid + 1;
        if (!find(pid)) return pid;
    }
}

Task* ProcessTable::mark_exited(Task* task, int wait_status, Task* reaper) {
    VERIFY(task->state != TaskState::kZombie);
    task->state = TaskState::kZombie;
    task->wait_status = wait_status;
    for (Task* t = m_head; t; t = t->next_in_table) {
        if (t->parent == task) t->parent = (reaper && reaper != task) ? reaper : nullptr;
    }
    Task* parent = task->parent;
    if (parent && parent->state == TaskState::kBlocked &&
        parent->wait_reason == WaitReason::kChild &&
        (parent->waiting_for_pid == -1 || parent->waiting_for_pid == task->pid))
        return parent;
    return nullptr;
}

Task* ProcessTable::find_zombie_child(const Task* parent, int pid, bool& has_match) const {
    has_match = false;
    for (Task* t = m_head; t; t = t->next_in_table) {
        if (t->parent != parent || (pid != -1 && t->pid != pid)) continue;
        has_match = true;
        if (t->state == TaskState::kZombie) return t;
    }
    return nullptr;
}

}  // namespace nyanos::proc
