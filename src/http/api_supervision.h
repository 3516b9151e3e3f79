/*
** api_supervision.h: the HTTP handlers of supervision (云督查): inspections, findings and
** their actions, key tasks, findings into a period's values, industrial projects. Thin: they parse the request
** and call supervision.c, which enforces scope and the lifecycle and audits (the route
** rows in router.c carry the capabilities; docs/api.md lists the routes).
*/
#ifndef KP_HTTP_API_SUPERVISION_H
#define KP_HTTP_API_SUPERVISION_H
#include "http/http.h"

int api_inspections_list(HttpReq *r);
int api_inspections_add(HttpReq *r);
int api_findings_list(HttpReq *r);
int api_findings_add(HttpReq *r);
int api_pub_findings(HttpReq *r);
int api_finding_get(HttpReq *r);
int api_finding_act(HttpReq *r);
int api_findings_sync(HttpReq *r);
int api_tasks_list(HttpReq *r);
int api_tasks_add(HttpReq *r);
int api_contact_problem_task(HttpReq *r);
int api_task_get(HttpReq *r);
int api_task_act(HttpReq *r);
int api_projects_list(HttpReq *r);
int api_projects_add(HttpReq *r);
int api_project_get(HttpReq *r);
int api_project_progress(HttpReq *r);
int api_projects_sync(HttpReq *r);
int api_calendar_list(HttpReq *r);
int api_calendar_import(HttpReq *r);
int api_review_supervision(HttpReq *r);

#endif
