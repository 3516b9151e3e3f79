/*
** verbs.h: the command table of the `kaoping` binary, and every verb handler's prototype.
**
** A handler is `int NAME_cmd(int argc, char **argv)`: argv holds the arguments after the
** verb phrase ("data import" takes argv = {"values.csv", "--period", ...}); it returns an
** exit code from cli.h. Handlers live in their concept's module (score_cmd in
** cli/score_cmd.c, review_*_cmd in review_cmd.c, ...); this file only lists them.
*/
#ifndef KP_CLI_VERBS_H
#define KP_CLI_VERBS_H

typedef int (*VerbHandler)(int argc, char **argv);

typedef struct Verb {
  const char *zName;  /* verb phrase, e.g. "data import"; the table is sorted by it */
  VerbHandler xRun;
  const char *zCap;   /* capability the action needs when done through the product's API,
                      ** and the role recorded for it: "local" = operator on the server */
  const char *zUsage; /* synopsis after "kaoping " */
  const char *zHelp;  /* what it does, options, one per line */
} Verb;

extern const Verb aVerb[];
extern const int nVerb;

/* Finds the verb for argv (longest phrase first); sets *pnWords to the words it used. */
const Verb *verb_find(int argc, char **argv, int *pnWords);
void verb_print_help(const Verb *p);
void verb_print_list(void);

/* Handlers (weak until every module is linked in: a test asserts none is NULL). */
#define VERB_HANDLER(name) int name(int argc, char **argv) __attribute__((weak))
VERB_HANDLER(score_cmd);
VERB_HANDLER(init_cmd);
VERB_HANDLER(unit_import_cmd);
VERB_HANDLER(unit_list_cmd);
VERB_HANDLER(scheme_import_cmd);
VERB_HANDLER(scheme_show_cmd);
VERB_HANDLER(scheme_validate_cmd);
VERB_HANDLER(period_open_cmd);
VERB_HANDLER(period_close_cmd);
VERB_HANDLER(period_list_cmd);
VERB_HANDLER(provider_assign_cmd);
VERB_HANDLER(provider_list_cmd);
VERB_HANDLER(target_import_cmd);
VERB_HANDLER(data_import_cmd);
VERB_HANDLER(data_revise_cmd);
VERB_HANDLER(review_compute_cmd);
VERB_HANDLER(review_show_cmd);
VERB_HANDLER(review_publish_cmd);
VERB_HANDLER(review_verify_cmd);
VERB_HANDLER(report_cmd);
VERB_HANDLER(demo_cmd);
VERB_HANDLER(evidence_exif_cmd);
VERB_HANDLER(evidence_sample_cmd);
VERB_HANDLER(audit_checkpoint_cmd);
VERB_HANDLER(audit_export_cmd);
VERB_HANDLER(audit_list_cmd);
VERB_HANDLER(audit_purge_cmd);
VERB_HANDLER(audit_verify_cmd);
VERB_HANDLER(http_cmd);
VERB_HANDLER(serve_cmd);
VERB_HANDLER(feed_derive_cmd);
VERB_HANDLER(feed_show_cmd);
VERB_HANDLER(feed_import_cmd);
VERB_HANDLER(feed_batches_cmd);
VERB_HANDLER(feed_records_cmd);
VERB_HANDLER(feed_derive_xlsx_cmd);
VERB_HANDLER(feed_import_xlsx_cmd);
VERB_HANDLER(crosscheck_cmd);
VERB_HANDLER(user_add_cmd);
VERB_HANDLER(user_list_cmd);
VERB_HANDLER(user_lock_cmd);
VERB_HANDLER(user_passwd_cmd);
VERB_HANDLER(user_policy_cmd);
VERB_HANDLER(user_roles_cmd);
VERB_HANDLER(user_totp_cmd);
VERB_HANDLER(user_unlock_cmd);
/* 我为群众办实事 (wish_cmd.c, place_cmd.c) */
VERB_HANDLER(contact_assign_cmd);
VERB_HANDLER(contact_close_cmd);
VERB_HANDLER(contact_task_cmd);
VERB_HANDLER(contact_list_cmd);
VERB_HANDLER(contact_visit_cmd);
VERB_HANDLER(honour_add_cmd);
VERB_HANDLER(honour_list_cmd);
VERB_HANDLER(place_add_cmd);
VERB_HANDLER(place_import_cmd);
VERB_HANDLER(place_list_cmd);
VERB_HANDLER(place_route_cmd);
VERB_HANDLER(user_party_cmd);
VERB_HANDLER(wish_act_cmd);
VERB_HANDLER(wish_confirm_cmd);
VERB_HANDLER(wish_dispute_cmd);
VERB_HANDLER(wish_feed_cmd);
VERB_HANDLER(wish_list_cmd);
VERB_HANDLER(wish_show_cmd);
VERB_HANDLER(wish_stats_cmd);
VERB_HANDLER(wish_submit_cmd);
VERB_HANDLER(review_robust_cmd);
VERB_HANDLER(whatif_cmd);
VERB_HANDLER(test_sobol_cmd);
VERB_HANDLER(calendar_import_cmd);
VERB_HANDLER(calendar_show_cmd);
VERB_HANDLER(calendar_due_cmd);
VERB_HANDLER(inspection_add_cmd);
VERB_HANDLER(inspection_list_cmd);
VERB_HANDLER(finding_add_cmd);
VERB_HANDLER(finding_list_cmd);
VERB_HANDLER(finding_show_cmd);
VERB_HANDLER(finding_act_cmd);
VERB_HANDLER(finding_sync_cmd);
VERB_HANDLER(task_add_cmd);
VERB_HANDLER(project_add_cmd);
VERB_HANDLER(project_list_cmd);
VERB_HANDLER(project_progress_cmd);
VERB_HANDLER(project_sync_cmd);
VERB_HANDLER(task_list_cmd);
VERB_HANDLER(task_show_cmd);
VERB_HANDLER(task_act_cmd);

#endif
