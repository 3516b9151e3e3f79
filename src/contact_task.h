/*
** contact_task.h: a problem raised on a contact-point visit (基层联点, place_store.c) turned
** into a 督办 key task (supervision.c tasks), and the task's close closing the problem.
** docs/wish.md ("Contact points") describes the rules.
*/
#ifndef KAOPING_CONTACT_TASK_H
#define KAOPING_CONTACT_TASK_H

#include <jansson.h>

#include "entry.h"
#include "store/db.h"

/* Turns open problem iProblem into a task: pIn = {lead_unit, deadline YYYY-MM-DD | days N,
** co_units?, category? (default 基层联点), title? (default: the problem's text, cut to 400
** bytes)}. Allowed for the contact point's own leader, the supervision office (CAP_INSPECT)
** and the local operator; a problem already linked or closed is refused (KP_E_STATE). The
** task (sup_task_add: task.assign), the link (contact_problem.task_ref = "task:ID") and the
** audit record contact.problem_task commit together. *ppOut = {problem, task, task_ref}. */
int contact_problem_task(Db *pDb, const EntryWho *w, int64_t iProblem, json_t *pIn,
                         json_t **ppOut, EntryErr *e);

/* Called by sup_task_act inside its transaction when task iTask is closed (confirmed):
** closes the open problems linked to it (closing note names the task) and audits each as
** contact.problem_close. 0, or -1 on a database or audit error. */
int contact_task_closed(Db *pDb, int64_t iTask, const char *zActor, const char *zIp,
                        const char *zNow);

#endif
