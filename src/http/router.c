/*
** router.c: THE route table of the HTTP server, and the fixed prologue every request goes
** through before its handler runs (http.h lists the steps). The policy of each route (the
** capability, the CSRF level, the body limit, the query parameters it accepts) is in its
** row, so the whole attack surface can be reviewed here in one screen (STYLE.md R2).
** tests/cli/http.sh walks the table (`kaoping http --routes`) and runs every route under
** every role; a new row without a matrix entry fails that test.
**
** Lookup is a scan in table order, first match wins: patterns with parameters cannot be
** binary-searched, and the table is a few dozen rows (nothing next to one SQLite query).
** Rows are sorted by pattern then method (checked by the test), so a literal segment sorts
** before a {parameter} at the same place and wins over it.
**
** Not here: what the routes do (api.c, pages.c), sockets and threads (server.c).
*/
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "audit.h"
#include "http/api_supervision.h"
#include "http/http.h"
#include "period.h"
#include "review.h"
#include "store/db.h"
#include "util/html.h"

/* Sorted by pattern, then method (strcmp order). */
const Route aRoute[] = {
  {"GET", "/", page_index, CAP_PUBLIC, CSRF_NONE, 0, ROUTE_MUST_CHANGE_OK, "*",
   "Home page: the web UI (web/dist/index.html) when built, else a server-rendered page "
   "with a sign-in form or the list of periods and their bulletins."},
  {"GET", "/api/audit", api_audit, CAP_AUDIT_READ, CSRF_NONE, 0, 0, "before,limit",
   "Audit records, newest first: ?limit=N (1..1000, default 100) ?before=ID."},
  {"GET", "/api/audit/export", api_audit_export, CAP_AUDIT_READ, CSRF_NONE, 0, 0, "",
   "The whole audit log as CSV (cells a spreadsheet would run as formulas neutralised); "
   "audited as audit.export."},
  {"GET", "/api/calendar", api_calendar_list, CAP_INSPECT, CSRF_NONE, 0, 0, "from,to",
   "The working-day calendar's imported years (file, when, by whom, days off, make-up working "
   "days); ?from=&to= adds the working days d with from < d <= to."},
  {"POST", "/api/calendar", api_calendar_import, CAP_INSPECT, CSRF_TOKEN, 262144, ROUTE_RAW,
   "filename", "Imports a year's holiday calendar (?filename=cn-YYYY.csv, the body is the CSV "
   "file): the parser and errors of `kaoping calendar import`; a bad row is 422 with file, line, "
   "column and reason, nothing stored. Replaces the years it holds. Audited."},
  {"GET", "/api/contacts", api_contacts, CAP_COMMENT, CSRF_NONE, 0, 0, "leader",
   "A leader's contact points (基层联点): place, last visit, open problems, the visit log; "
   "?leader=NAME (another leader's: needs all_units)."},
  {"POST", "/api/contacts/problems/{id}/close", api_contact_problem_close, CAP_COMMENT,
   CSRF_TOKEN, 4096, 0, "", "Closes an open problem of one's own contact point: {note} (audited)."},
  {"POST", "/api/contacts/problems/{id}/task", api_contact_problem_task, CAP_COMMENT | CAP_INSPECT,
   CSRF_TOKEN, 16384, ROUTE_CAP_ANY, "", "Turns an open contact-point problem into a 督办 task: "
   "{lead_unit, deadline | days, co_units?, category?, title?}; the point's leader or the "
   "supervision office; the task's close closes the problem (audited)."},
  {"POST", "/api/contacts/{id}/visits", api_contact_visit, CAP_COMMENT, CSRF_TOKEN, 65536, 0, "",
   "Logs a visit on one's own contact point: {date YYYY-MM-DD, notes, problems: [text]} "
   "(audited); problems keep task_ref empty until they become tasks."},
  {"GET", "/api/crosscheck/{period}", api_crosscheck, CAP_REVIEW_DRAFT, CSRF_NONE, 0, 0, "",
   "The cross-check flags (数据存疑) of a period, each with its evidence: jumps, Benford, feed "
   "pairs (docs/crosscheck.md, default configuration)."},
  {"GET", "/api/evidence", api_evidence_list, CAP_PERIOD_READ | CAP_INSPECT | CAP_COMMENT |
   CAP_DATA_OWN_UNIT | CAP_ALL_UNITS | CAP_UNIT_MANAGE, CSRF_NONE, 0, ROUTE_CAP_ANY, "id,kind",
   "Evidence attached to ?kind=finding|task|project|wish|visit|place|honour&id=N, for those who "
   "may see the object; EXIF positions (lat, lon) for the supervision office, and of project "
   "check-ins."},
  {"POST", "/api/evidence", api_evidence_upload, CAP_INSPECT | CAP_DATA_OWN_UNIT |
   CAP_DATA_DEPARTMENT | CAP_COMMENT | CAP_ALL_UNITS | CAP_UNIT_MANAGE, CSRF_TOKEN, (size_t)4096 << 20, ROUTE_CAP_ANY | ROUTE_RAW | ROUTE_STREAM,
   "id,kind,name", "Attaches a file (the raw body, streamed to disk) to ?kind=finding|task|"
   "project|wish|visit|place|honour&id=N (a wish: its claimer; a visit: its leader; a place or "
   "honour: unit_manage), ?name= kept as text: JPEG, PNG, WebP, MP4 or PDF by content, at most "
   "upload_max_mb; the same bytes are stored once (audited)."},
  {"GET", "/api/evidence/{id}", api_evidence_get, CAP_PERIOD_READ | CAP_INSPECT | CAP_COMMENT |
   CAP_DATA_OWN_UNIT | CAP_ALL_UNITS | CAP_UNIT_MANAGE, CSRF_NONE, 0, ROUTE_CAP_ANY, "download",
   "The file of one evidence row, for those who may see its object; outside the supervision "
   "office images lose their EXIF/XMP (no location), office MP4/PDF are refused."},
  {"GET", "/api/feeds/batches", api_feed_batches, CAP_REVIEW_DRAFT, CSRF_NONE, 0, 0,
   "feed,page,page_size", "Feed import batches, newest first: file, time, rows, added, "
   "duplicates, rejects."},
  {"GET", "/api/feeds/rejects", api_feed_rejects, CAP_REVIEW_DRAFT, CSRF_NONE, 0, 0,
   "batch,feed,page,page_size", "Rejected feed rows with their line, column and reason."},
  {"GET", "/api/feeds/uploads/{id}", api_feed_progress, CAP_SCHEME_MANAGE, CSRF_NONE, 0, 0, "",
   "Progress of a feed upload's import: state, bytes, rows, rejects, MB/s, ETA."},
  {"GET", "/api/feeds/{feed}/records", api_feed_records, CAP_REVIEW_DRAFT, CSRF_NONE, 0, 0,
   "indicator,page,page_size,part,period,unit,where",
   "Drill-down: the stored records of a unit and period behind an indicator (JSON, paged)."},
  {"GET", "/api/feeds/{feed}/records.csv", api_feed_records, CAP_REVIEW_DRAFT, CSRF_NONE, 0, 0,
   "indicator,page,page_size,part,period,unit,where",
   "The same drill-down as CSV, every match (formula cells neutralised)."},
  {"POST", "/api/feeds/{feed}/upload", api_feed_upload, CAP_SCHEME_MANAGE, CSRF_TOKEN,
   (size_t)4096 << 20, ROUTE_RAW | ROUTE_STREAM, "filename",
   "Uploads a feed export (?filename=NAME.csv|.xlsx, the raw body, streamed to disk, at most "
   "upload_max_mb) and imports it in the background (202 with the progress URL). Audited."},
  {"GET", "/api/findings", api_findings_list, CAP_INSPECT | CAP_COMMENT | CAP_REVIEW_DRAFT | CAP_DATA_OWN_UNIT, CSRF_NONE, 0,
   ROUTE_CAP_ANY, "category,from,late,light,open,overdue,page,per_page,state,to,unit",
   "Supervision findings (督查问题), newest first, with light, overdue and escalation; filters "
   "?unit ?category ?state ?light=red|yellow|blue|green|none ?overdue=1 ?late=1 (overdue now or "
   "finished late, as the bulletin counts) ?open=1 ?from=&to= (handed over in), pages "
   "?page ?per_page (<= 500). A reporter: its own unit's findings once assigned."},
  {"POST", "/api/findings", api_findings_add, CAP_INSPECT, CSRF_TOKEN, 16384, 0, "",
   "Records a finding (立项): {unit, category, text, severity?, inspection?, place?, lon?, "
   "lat?, responsible?, days?, sign_days?, report_every?, deduction?, co_units?} (audited)."},
  {"GET", "/api/findings/{id}", api_finding_get, CAP_INSPECT | CAP_COMMENT | CAP_REVIEW_DRAFT | CAP_DATA_OWN_UNIT, CSRF_NONE, 0,
   ROUTE_CAP_ANY, "", "One finding with its status, co-handling units, event timeline and the "
   "actions the account may take."},
  {"POST", "/api/findings/{id}/actions", api_finding_act, CAP_INSPECT | CAP_COMMENT |
   CAP_DATA_OWN_UNIT, CSRF_TOKEN, 16384, ROUTE_CAP_ANY, "",
   "A lifecycle action: {action, note?, deadline?, days?, progress?, dup_of?, dup_of_order?, "
   "public?}; the role rules of docs/supervision.md; refusals audited."},
  {"GET", "/api/honours", api_honours, CAP_UNIT_MANAGE, CSRF_NONE, 0, 0,
   "kind,page,page_size,q,unit,year", "Honours (表彰) for their management, published or not: "
   "?kind=person|collective ?unit ?year ?q=text (award, recipient, citation), paged; photos."},
  {"POST", "/api/honours", api_honour_create, CAP_UNIT_MANAGE, CSRF_TOKEN, 16384, 0, "",
   "Records an honour: {award, year, recipient, recipient_kind, unit?, citation, published?} "
   "(audited honour.add)."},
  {"POST", "/api/honours/{id}", api_honour_update, CAP_UNIT_MANAGE, CSRF_TOKEN, 16384, 0, "",
   "Replaces an honour's fields, published included (audited honour.update)."},
  {"POST", "/api/honours/{id}/delete", api_honour_delete, CAP_UNIT_MANAGE, CSRF_TOKEN, 0, 0, "",
   "Deletes an honour and the links of its photos (audited honour.delete)."},
  {"GET", "/api/inspections", api_inspections_list, CAP_INSPECT | CAP_COMMENT, CSRF_NONE, 0,
   ROUTE_CAP_ANY, "", "Inspections (督查) with their number of findings."},
  {"POST", "/api/inspections", api_inspections_add, CAP_INSPECT, CSRF_TOKEN, 8192, 0, "",
   "Records an inspection: {kind: undercover|announced|online, topic, team, start, end?}."},
  {"POST", "/api/login", api_login, CAP_PUBLIC, CSRF_ORIGIN, 4096, ROUTE_MUST_CHANGE_OK, "",
   "Signs in with {username, password}: sets the session cookie, returns the CSRF token "
   "and must_change_password. Lockout after failed logins (429 + Retry-After)."},
  {"POST", "/api/login/totp", api_login_totp, CAP_PUBLIC, CSRF_ORIGIN, 1024,
   ROUTE_MUST_CHANGE_OK, "",
   "Second login step: {pending_token, code} after /api/login answered totp_required; sets "
   "the session cookie. A wrong code counts as a failed login; a code works once."},
  {"POST", "/api/logout", api_logout, CAP_LOGIN, CSRF_TOKEN, 0, ROUTE_MUST_CHANGE_OK, "",
   "Ends the session and clears the cookie."},
  {"GET", "/api/me", api_me, CAP_LOGIN, CSRF_NONE, 0, ROUTE_MUST_CHANGE_OK, "",
   "The signed-in account: name, unit, roles, capabilities, CSRF token, session limits."},
  {"GET", "/api/meetings/{period}", api_meeting_get, CAP_REVIEW_READ, CSRF_NONE, 0,
   ROUTE_SNAPSHOT, "after",
   "The review meeting of a period: live, presenter, current slide, sequence number. "
   "?after=SEQ answers 204 (no body) while nothing changed: followers poll it."},
  {"POST", "/api/meetings/{period}/end", api_meeting_end, CAP_REVIEW_PUBLISH, CSRF_TOKEN, 0, 0,
   "", "Ends the period's live meeting (audited)."},
  {"POST", "/api/meetings/{period}/slide", api_meeting_slide, CAP_REVIEW_PUBLISH, CSRF_TOKEN,
   1024, 0, "", "Moves the live meeting to {slide, index}: the presenter only (others 403)."},
  {"POST", "/api/meetings/{period}/start", api_meeting_start, CAP_REVIEW_PUBLISH, CSRF_TOKEN,
   1024, 0, "",
   "Starts a meeting on a published review, the caller presenting: {slide?, index?} "
   "(audited)."},
  {"POST", "/api/password", api_password, CAP_LOGIN, CSRF_TOKEN, 4096, ROUTE_MUST_CHANGE_OK,
   "",
   "Changes one's own password: {old_password, new_password}. Policy and history apply; "
   "every session of the account ends and a new one is issued."},
  {"GET", "/api/periods", api_periods, CAP_PERIOD_READ, CSRF_NONE, 0, 0, "",
   "Periods with their scheme, state and whether a review is published."},
  {"POST", "/api/periods", api_period_open, CAP_SCHEME_MANAGE, CSRF_TOKEN, 4096, 0, "",
   "Opens a period: {period, scheme (CODE or CODE@VERSION), deadline? YYYY-MM-DD}."},
  {"POST", "/api/periods/{period}/close", api_period_close, CAP_SCHEME_MANAGE, CSRF_TOKEN, 0,
   0, "", "Closes an open period: no more data entry."},
  {"POST", "/api/periods/{period}/compute", api_period_compute, CAP_REVIEW_PUBLISH, CSRF_TOKEN,
   0, 0, "", "Computes (or recomputes) the period's review; provisional while the period is open."},
  {"GET", "/api/periods/{period}/entry", api_entry_grid,
   CAP_DATA_OWN_UNIT | CAP_DATA_DEPARTMENT | CAP_REVIEW_DRAFT, CSRF_NONE, 0, ROUTE_CAP_ANY,
   "indicator,unit",
   "The entry grid: ?unit=U (a unit's indicators) or ?indicator=I (one indicator, all units). "
   "Reporter: own unit only; provider: assigned indicators only (audited read)."},
  {"POST", "/api/periods/{period}/entry", api_entry_save, CAP_DATA_OWN_UNIT | CAP_DATA_DEPARTMENT,
   CSRF_TOKEN, 1u << 20, ROUTE_CAP_ANY, "",
   "Saves drafts: {items: [{unit, indicator, value|null, note?}]}, all or nothing, in scope."},
  {"POST", "/api/periods/{period}/entry/return", api_entry_check, CAP_SCHEME_MANAGE, CSRF_TOKEN,
   8192, 0, "", "Returns submitted or verified values: {unit, indicator?, reason} -> rejected."},
  {"POST", "/api/periods/{period}/entry/submit", api_entry_submit,
   CAP_DATA_OWN_UNIT | CAP_DATA_DEPARTMENT, CSRF_TOKEN, 4096, ROUTE_CAP_ANY, "",
   "Submits the drafts in scope: {unit?, indicator?}."},
  {"POST", "/api/periods/{period}/entry/verify", api_entry_check, CAP_SCHEME_MANAGE, CSRF_TOKEN,
   4096, 0, "", "Verifies submitted values: {unit, indicator?} -> verified."},
  {"POST", "/api/periods/{period}/findings/sync", api_findings_sync,
   CAP_INSPECT | CAP_REVIEW_PUBLISH, CSRF_TOKEN, 0, ROUTE_CAP_ANY, "",
   "Writes the period's confirmed findings as deduct/veto values (provenance finding) through "
   "the scheme's supervision map (audited)."},
  {"GET", "/api/periods/{period}/progress", api_period_progress, CAP_REVIEW_DRAFT, CSRF_NONE, 0,
   0, "", "Per unit: applicable indicators, empty/draft/submitted/verified/rejected counts."},
  {"POST", "/api/periods/{period}/projects/sync", api_projects_sync,
   CAP_REVIEW_PUBLISH | CAP_DATA_DEPARTMENT, CSRF_TOKEN, 0, ROUTE_CAP_ANY, "",
   "Writes each unit's project figures (投资完成率, 开工率, 投产率 %) into the leaves the "
   "scheme maps them to (provenance project; audited)."},
  {"POST", "/api/periods/{period}/publish", api_period_publish, CAP_REVIEW_PUBLISH, CSRF_TOKEN,
   0, 0, "", "Publishes the computed review of a closed period (inputs unchanged)."},
  {"POST", "/api/periods/{period}/upload", api_entry_upload, CAP_DATA_OWN_UNIT | CAP_DATA_DEPARTMENT,
   CSRF_TOKEN, 8u << 20, ROUTE_CAP_ANY | ROUTE_RAW, "filename",
   "Uploads a CSV/XLSX file of values as drafts (raw body, ?filename=NAME); any bad row: 422 "
   "with the row report, nothing imported."},
  {"POST", "/api/periods/{period}/whatif", api_whatif, CAP_REVIEW_READ, CSRF_TOKEN, 8192, 0, "",
   "What-if (docs/robustness.md): {unit, set: {INDICATOR: number | group_median | group_mean "
   "| group_best | target | timeprogress}} scores a copy of the period's inputs with the "
   "unit's values set; returns its total, rank and grade before and after. Own unit only "
   "without all_units; a period without a published review needs review_draft. Audited."},
  {"GET", "/api/places", api_places, CAP_ALL_UNITS | CAP_DATA_OWN_UNIT | CAP_UNIT_MANAGE, CSRF_NONE, 0,
   ROUTE_CAP_ANY, "kind,page,page_size,q,unit",
   "Every place (red, youth and contact kinds, published or not), GCJ-02, with datum, "
   "approximate and published flags and photos; ?kind ?unit ?q=text (name, address, "
   "description), paged (page_size 1-200, default 20)."},
  {"POST", "/api/places", api_place_create, CAP_UNIT_MANAGE, CSRF_TOKEN, 16384, 0, "",
   "Creates a place: {name, kind, unit?, lon?, lat?, datum? (GCJ-02, WGS-84, BD-09, unknown, "
   "address; converted to GCJ-02), approximate?, address?, description?, source?, published?} "
   "(audited place.create)."},
  {"POST", "/api/places/{id}", api_place_update, CAP_UNIT_MANAGE, CSRF_TOKEN, 16384, 0, "",
   "Replaces a place's fields, name and published included, as for create (audited "
   "place.update)."},
  {"POST", "/api/places/{id}/delete", api_place_delete, CAP_UNIT_MANAGE, CSRF_TOKEN, 0, 0, "",
   "Deletes a place and the links of its photos; a contact place with leaders is refused "
   "(409: unpublish it) (audited place.delete)."},
  {"GET", "/api/projects", api_projects_list, CAP_PERIOD_READ, CSRF_NONE, 0, 0, "period,unit",
   "Industrial projects at the end of ?period= (required): investment year to date against "
   "the annual plan, lagging flag, milestones, site link; per-unit rates. A reporter: its "
   "own unit's."},
  {"POST", "/api/projects", api_projects_add, CAP_SCHEME_MANAGE | CAP_DATA_DEPARTMENT, CSRF_TOKEN,
   8192, ROUTE_CAP_ANY, "", "Registers a project: {code, name, unit, industry, "
   "total_investment, year, annual_plan, plan_start?, plan_produce?, signed_on?, started_on?, "
   "produced_on?, lon?, lat?, stream_url? (http/https)} (audited)."},
  {"GET", "/api/projects/{id}", api_project_get, CAP_PERIOD_READ, CSRF_NONE, 0, 0, "period",
   "One project at the end of ?period=, with its investment per period."},
  {"POST", "/api/projects/{id}/progress", api_project_progress,
   CAP_DATA_OWN_UNIT | CAP_DATA_DEPARTMENT, CSRF_TOKEN, 4096, ROUTE_CAP_ANY, "",
   "Investment completed in a period: {period, completed, note?, started_on?, produced_on?} "
   "(the unit's reporter or the data department; audited)."},
  {"GET", "/api/providers/{name}/indicators", api_provider_get, CAP_SCHEME_MANAGE, CSRF_NONE, 0,
   0, "", "The indicators a provider account enters for all units."},
  {"POST", "/api/providers/{name}/indicators", api_provider_set, CAP_SCHEME_MANAGE, CSRF_TOKEN,
   65536, 0, "", "Replaces a provider account's indicators: {indicators: [codes]} (audited)."},
  {"GET", "/api/public/findings", api_pub_findings, CAP_PUBLIC, CSRF_NONE, 0, 0,
   "category,page,unit",
   "Public (公示): findings verified (验收销号) and made public; unit, category, what was found, "
   "dates; never the responsible person, the inspector or the place."},
  {"GET", "/api/public/honours", api_pub_honours, CAP_PUBLIC, CSRF_NONE, 0, 0, "year",
   "Public: honours (表彰) to people and collectives, newest year first; ?year=Y."},
  {"GET", "/api/public/photos/{id}", api_pub_photo, CAP_PUBLIC, CSRF_NONE, 0, 0, "",
   "Public: a photo of a published red or youth place or a published honour, always without "
   "location metadata (EXIF/XMP removed); 404 for anything else."},
  {"GET", "/api/public/places", api_pub_places, CAP_PUBLIC, CSRF_NONE, 0, 0, "kind",
   "Public: the red-heritage map (红色地图): red and youth places, GCJ-02, approximate flag."},
  {"GET", "/api/public/places/route", api_pub_route, CAP_PUBLIC, CSRF_NONE, 0, 0, "ids",
   "Public: a route through ?ids=3,1,4 in that order: straight-line legs and total (km)."},
  {"GET", "/api/public/wishes", api_pub_wishes, CAP_PUBLIC, CSRF_NONE, 0, 0,
   "category,page,state,unit",
   "Public: the wish board (微心愿墙): no contact, digits in text masked, ages; no rejected."},
  {"POST", "/api/public/wishes", api_pub_wish_submit, CAP_PUBLIC, CSRF_ORIGIN, 8192, 0, "",
   "Public: submits a wish {category, unit, place, text, contact, form_token}; per-address "
   "token bucket (429 + Retry-After); returns the tracking code once."},
  {"GET", "/api/public/wishes/form", api_pub_wish_form, CAP_PUBLIC, CSRF_NONE, 0, 0, "",
   "Public: a signed form token (minimum fill time), the categories and the units."},
  {"POST", "/api/public/wishes/track", api_pub_wish_track, CAP_PUBLIC, CSRF_ORIGIN, 4096, 0, "",
   "Public: a wish by tracking code {code}; with event confirm {rating 1-5, note?} or dispute "
   "{note}. Throttled per address like the form."},
  {"GET", "/api/reviews/{period}", api_review, CAP_REVIEW_READ, CSRF_NONE, 0, ROUTE_SNAPSHOT,
   "",
   "The review of a period: the latest published one (assessor, leader: the latest computed "
   "or published). A reporter sees other units' rankings only, its own unit in full."},
  {"GET", "/api/reviews/{period}/bulletin.csv", api_bulletin_file, CAP_REVIEW_READ, CSRF_NONE, 0,
   0, "", "The bulletin's tables as CSV (formula cells neutralised), same scope as the review."},
  {"GET", "/api/reviews/{period}/bulletin.pdf", api_bulletin_file, CAP_REVIEW_READ, CSRF_NONE, 0,
   0, "", "The review bulletin as PDF, same scope as the review."},
  {"GET", "/api/reviews/{period}/bulletin.xlsx", api_bulletin_file, CAP_REVIEW_READ, CSRF_NONE,
   0, 0, "", "The bulletin's tables as XLSX (text cells never formulas), same scope."},
  {"GET", "/api/reviews/{period}/comments", api_comments_list, CAP_REVIEW_READ, CSRF_NONE, 0,
   ROUTE_SNAPSHOT, "unit", "Leaders' comments (点评意见), ?unit=U; a reporter: its own unit, once published."},
  {"POST", "/api/reviews/{period}/comments", api_comments_add, CAP_COMMENT, CSRF_TOKEN, 16384, 0,
   "", "Adds a comment on a unit: {unit, text} (audited)."},
  {"GET", "/api/reviews/{period}/supervision", api_review_supervision, CAP_REVIEW_READ,
   CSRF_NONE, 0, 0, "unit", "The review's unit page: ?unit=U's findings handed over in the "
   "period (assigned, open, overdue, on time, returned) and its projects (count, lagging, "
   "投资完成率) as of today: the bulletin's 暗访督查 figures, the same readers as the review."},
  {"GET", "/api/tasks", api_tasks_list, CAP_INSPECT | CAP_COMMENT | CAP_REVIEW_DRAFT | CAP_DATA_OWN_UNIT, CSRF_NONE, 0,
   ROUTE_CAP_ANY, "state,unit", "Key tasks (督办事项) by deadline with light and progress; "
   "?unit ?state; a reporter: its own unit's."},
  {"POST", "/api/tasks", api_tasks_add, CAP_COMMENT | CAP_INSPECT, CSRF_TOKEN, 16384,
   ROUTE_CAP_ANY, "", "Assigns a task: {title, category, lead_unit, co_units?, deadline | days, "
   "source?} (audited)."},
  {"GET", "/api/tasks/{id}", api_task_get, CAP_INSPECT | CAP_COMMENT | CAP_REVIEW_DRAFT | CAP_DATA_OWN_UNIT, CSRF_NONE, 0,
   ROUTE_CAP_ANY, "", "One task with its units' progress and its timeline."},
  {"POST", "/api/tasks/{id}/actions", api_task_act, CAP_INSPECT | CAP_COMMENT |
   CAP_DATA_OWN_UNIT, CSRF_TOKEN, 16384, ROUTE_CAP_ANY, "",
   "{action: report|request_close|confirm|return, note?, progress?} (audited)."},
  {"POST", "/api/totp/confirm", api_totp_confirm, CAP_LOGIN, CSRF_TOKEN, 1024,
   ROUTE_MUST_CHANGE_OK, "", "Confirms one's TOTP enrolment with a current code: {code}."},
  {"POST", "/api/totp/enrol", api_totp_enrol, CAP_LOGIN, CSRF_TOKEN, 0, ROUTE_MUST_CHANGE_OK, "",
   "Starts one's TOTP enrolment: returns the otpauth URI and secret once (refused when a "
   "confirmed one exists: the security administrator resets it)."},
  {"GET", "/api/units", api_units, CAP_PERIOD_READ, CSRF_NONE, 0, 0, "",
   "Units with kind, peer group, population, area, location; and the peer groups."},
  {"GET", "/api/units/{code}", api_unit_get, CAP_PERIOD_READ, CSRF_NONE, 0, 0, "",
   "One unit with its peer group and the group's members."},
  {"GET", "/api/units/{code}/trend", api_unit_trend, CAP_REVIEW_READ, CSRF_NONE, 0,
   ROUTE_SNAPSHOT, "",
   "Total, rank in group and grade of the unit in every published review."},
  {"GET", "/api/users", api_users_list, CAP_USER_READ, CSRF_NONE, 0, 0, "",
   "Accounts with roles, unit and state (audited as a sensitive read)."},
  {"POST", "/api/users", api_users_add, CAP_USER_CREATE, CSRF_TOKEN, 4096, 0, "",
   "Creates an account without roles: {username, display_name, unit?}; returns a one-time "
   "initial password that must be changed at first login."},
  {"POST", "/api/users/{name}/party", api_user_party, CAP_ROLE_GRANT, CSRF_TOKEN, 1024, 0, "",
   "Sets an account's party membership (党员, may claim wishes): {party_member: bool} (audited)."},
  {"POST", "/api/users/{name}/roles", api_user_roles, CAP_ROLE_GRANT, CSRF_TOKEN, 4096, 0, "",
   "Sets an account's business roles: {roles: [...]}. Administrator roles only on the "
   "command line; nobody changes their own roles."},
  {"POST", "/api/users/{name}/unlock", api_user_unlock, CAP_USER_UNLOCK, CSRF_TOKEN, 0, 0, "",
   "Unlocks an account (administrator lock and failed-login lockout)."},
  {"GET", "/api/wishes", api_wishes, CAP_ALL_UNITS | CAP_DATA_OWN_UNIT, CSRF_NONE, 0, ROUTE_CAP_ANY, "category,page,state,unit",
   "The wish board with masked contacts: party members, leaders and the performance office "
   "all units; a reporter its own unit; others 403."},
  {"POST", "/api/wishes/feed", api_wish_feed, CAP_REVIEW_PUBLISH, CSRF_TOKEN, 4096, 0, "",
   "Writes a period's wish rates as observations (provenance wish): {period, claim7?, "
   "completed?, satisfied?} (indicator codes; default D1, none, D2)."},
  {"GET", "/api/wishes/stats", api_wish_stats, CAP_REVIEW_DRAFT, CSRF_NONE, 0, 0, "period",
   "Per-unit wish counts and rates of ?period=P (claimed within 7 days, completed, satisfied)."},
  {"GET", "/api/wishes/{id}", api_wish_get, CAP_ALL_UNITS | CAP_DATA_OWN_UNIT, CSRF_NONE, 0, ROUTE_CAP_ANY, "",
   "One wish with its events (same readers as /api/wishes)."},
  {"POST", "/api/wishes/{id}/claim", api_wish_act, CAP_ALL_UNITS | CAP_DATA_OWN_UNIT, CSRF_TOKEN,
   4096, ROUTE_CAP_ANY, "",
   "A party member claims (认领) a submitted wish (audited)."},
  {"POST", "/api/wishes/{id}/complete", api_wish_act, CAP_ALL_UNITS | CAP_DATA_OWN_UNIT, CSRF_TOKEN,
   4096, ROUTE_CAP_ANY, "",
   "The claimer completes the wish with a proof: {note} (photos: a hook for the evidence store)."},
  {"POST", "/api/wishes/{id}/progress", api_wish_act, CAP_ALL_UNITS | CAP_DATA_OWN_UNIT, CSRF_TOKEN,
   4096, ROUTE_CAP_ANY, "",
   "The claimer posts progress: {note}."},
  {"POST", "/api/wishes/{id}/reject", api_wish_act, CAP_ALL_UNITS | CAP_DATA_OWN_UNIT, CSRF_TOKEN,
   4096, ROUTE_CAP_ANY, "",
   "A leader rejects a submitted wish (spam, abuse): {note} (the reason)."},
  {"POST", "/api/wishes/{id}/release", api_wish_act, CAP_ALL_UNITS | CAP_DATA_OWN_UNIT, CSRF_TOKEN,
   4096, ROUTE_CAP_ANY, "",
   "The claimer gives the wish back to the board: {note}."},
  {"GET", "/bulletin/{period}.html", page_bulletin, CAP_REVIEW_READ, CSRF_NONE, 0, 0, "lang",
   "The review bulletin (点评通报) as HTML (?lang=zh|en), from the same review, with the same "
   "scope, as /api/reviews/{period}."},
  {"POST", "/login", page_login, CAP_PUBLIC, CSRF_ORIGIN, 4096, ROUTE_FORM | ROUTE_MUST_CHANGE_OK,
   "", "Sign-in form of the server-rendered home page (same rules as /api/login)."},
  {"POST", "/logout", page_logout, CAP_LOGIN, CSRF_TOKEN, 1024, ROUTE_FORM | ROUTE_MUST_CHANGE_OK,
   "", "Sign-out form of the server-rendered home page."},
  {"GET", "/{file...}", page_static, CAP_PUBLIC, CSRF_NONE, 0, 0, "*",
   "Files of the built web UI (web/dist), when present; never outside that folder."},
};
const int nRoute = (int)(sizeof aRoute / sizeof aRoute[0]);

/* ---- small helpers ---------------------------------------------------------------- */

const char *http_status_text(int s) {
  switch (s) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

/* The HTTP status of an error code (errcode.h). */
static int http_code_status(int c) {
  switch (c) {
    case KP_E_INTERNAL: return 500;
    case KP_E_UNAVAILABLE: return 503;
    case KP_E_NOT_FOUND: return 404;
    case KP_E_METHOD: return 405;
    case KP_E_TOO_LARGE: return 413;
    case KP_E_MEDIA_TYPE: return 415;
    case KP_E_LOGIN_REQUIRED:
    case KP_E_BAD_CREDENTIALS:
    case KP_E_SESSION_EXPIRED: return 401;
    case KP_E_LOCKED:
    case KP_E_THROTTLED: return 429;
    case KP_E_NO_SUCH: return 404;
    case KP_E_EXISTS:
    case KP_E_STATE: return 409;
    case KP_E_BAD_ROWS: return 422;
    default:
      if (c >= 2000 && c < 3000) return 403;
      if (c >= 3000 && c < 4000) return 400;
      return 500;
  }
}

void http_req_init(HttpReq *r, Db *pDb, const HttpConfig *pCfg) {
  memset(r, 0, sizeof *r);
  r->pArena = arena_new();
  r->pDb = pDb;
  r->pCfg = pCfg;
  unsigned char a[24];
  if (sodium_init() < 0) abort();
  randombytes_buf(a, sizeof a); /* one call: request id (8 bytes) and CSP nonce (16) */
  sodium_bin2hex(r->zRid, sizeof r->zRid, a, 8);
  sodium_bin2hex(r->zNonce, sizeof r->zNonce, a + 8, 16);
  r->zContentType = "application/json; charset=utf-8";
  r->fdBody = -1;
}

void http_body_fd(HttpReq *r, int fd, uint64_t nSize) {
  if (r->fdBody >= 0) close(r->fdBody);
  r->fdBody = fd;
  r->nFdBody = fd >= 0 ? nSize : 0;
  if (fd >= 0) buf_reset(&r->body);
}

void http_req_free(HttpReq *r) {
  http_body_fd(r, -1, 0);
  buf_free(&r->body);
  arena_free(r->pArena);
  r->pArena = NULL;
}

const char *http_header(const HttpReq *r, const char *zName) {
  for (int i = 0; i < r->nHeader; i++)
    if (strcasecmp(r->aHeader[i].zName, zName) == 0) return r->aHeader[i].zValue;
  return NULL;
}

const char *http_query(const HttpReq *r, const char *zName) {
  for (int i = 0; i < r->nQuery; i++)
    if (strcmp(r->aQuery[i].zName, zName) == 0) return r->aQuery[i].zValue;
  return NULL;
}

const char *http_arg(const HttpReq *r, const char *zName) {
  for (int i = 0; i < r->nArg; i++)
    if (strcmp(r->aArg[i].zName, zName) == 0) return r->aArg[i].zValue;
  return NULL;
}

int64_t http_arg_id(const HttpReq *r, const char *zName) {
  const char *z = http_arg(r, zName);
  return z ? strtoll(z, NULL, 10) : 0; /* route_arg_valid let only 1 to 15 digits through */
}

static const char *http_cookie_name(const HttpReq *r) {
  /* __Host- makes the browser refuse the cookie unless Secure, Path=/ and no Domain */
  return r->pCfg && r->pCfg->bTlsProxy ? "__Host-" HTTP_SESSION_COOKIE : HTTP_SESSION_COOKIE;
}

const char *http_cookie(const HttpReq *r, const char *zName) {
  const char *z = http_header(r, "Cookie");
  size_t n = strlen(zName);
  while (z && *z) {
    while (*z == ' ' || *z == ';') z++;
    size_t nPart = strcspn(z, ";");
    if (nPart > n && strncmp(z, zName, n) == 0 && z[n] == '=') {
      char *zVal = arena_alloc(r->pArena, nPart - n);
      memcpy(zVal, z + n + 1, nPart - n - 1);
      return zVal;
    }
    z += nPart;
  }
  return NULL;
}

void http_add_header(HttpReq *r, const char *zName, const char *zValue) {
  if (r->nOut >= HTTP_MAX_OUT_HEADERS) {
    fprintf(stderr, "kaoping: too many response headers (%s)\n", zName);
    abort(); /* a bug: the count is fixed by the code, not by input */
  }
  r->aOut[r->nOut].zName = zName;
  r->aOut[r->nOut].zValue = arena_strdup(r->pArena, zValue);
  r->nOut++;
}

void http_set_session_cookie(HttpReq *r, const char *zToken) {
  Buf b = BUF_INIT;
  buf_printf(&b, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", http_cookie_name(r),
             zToken ? zToken : "", zToken ? "" : "; Max-Age=0",
             r->pCfg && r->pCfg->bTlsProxy ? "; Secure" : "");
  http_add_header(r, "Set-Cookie", buf_str(&b));
  buf_free(&b);
}

void http_json(HttpReq *r, int iStatus, json_t *pJson) {
  if (!pJson) { /* json_pack refused its arguments: a bug, answered as one */
    http_fail(r, KP_E_INTERNAL, NULL, "internal error (response)");
    return;
  }
  /* review_json_text: reals in the shortest form that reads back exactly (94.8, not
  ** 94.799999999999997), keys in insertion order */
  char *z = review_json_text(pJson, 0);
  json_decref(pJson);
  http_body_fd(r, -1, 0); /* an error after a file body: the file is not sent */
  buf_reset(&r->body);
  if (z) buf_puts(&r->body, z);
  buf_putc(&r->body, '\n');
  free(z);
  r->iStatus = iStatus;
  r->zContentType = "application/json; charset=utf-8";
}

/* Is this a request for a page (HTML errors) rather than the API (JSON errors)? */
static int http_wants_html(const HttpReq *r) {
  return r->zPath && strncmp(r->zPath, "/api/", 5) != 0 && strcmp(r->zPath, "/api") != 0;
}

/* Replaces control characters, so that echoed text cannot break a log line or a header. */
static void http_sanitise(char *z) {
  for (; *z; z++)
    if ((unsigned char)*z < 0x20 || *z == 0x7f) *z = ' ';
}

int http_fail(HttpReq *r, int iCode, const char *zField, const char *zFmt, ...) {
  Buf msg = BUF_INIT;
  va_list ap;
  va_start(ap, zFmt);
  buf_vprintf(&msg, zFmt, ap);
  va_end(ap);
  char *zMsg = buf_detach(&msg);
  http_sanitise(zMsg);
  r->iErrCode = iCode;
  int iStatus = http_code_status(iCode);
  if (http_wants_html(r)) {
    http_body_fd(r, -1, 0);
    buf_reset(&r->body);
    html_printf(&r->body,
                "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                "<title>%d %h</title></head>\n<body><h1>%d %h</h1>\n<p>%h</p>\n"
                "<p><small>error %d · request %h</small></p>\n<p><a href=\"/\">考评 kaoping</a>"
                "</p></body></html>\n",
                iStatus, http_status_text(iStatus), iStatus, http_status_text(iStatus), zMsg,
                iCode, r->zRid);
    r->iStatus = iStatus;
    r->zContentType = "text/html; charset=utf-8";
  } else {
    json_t *o = json_pack("{s:i, s:s, s:s, s:o}", "code", iCode, "message", zMsg, "request_id", r->zRid,
                          "field", zField ? json_string(zField) : json_null());
    http_json(r, iStatus, o);
  }
  free(zMsg);
  return -1;
}

int http_fail_extra(HttpReq *r, int iCode, const char *zField, json_t *pExtra,
                    const char *zFmt, ...) {
  Buf msg = BUF_INIT;
  va_list ap;
  va_start(ap, zFmt);
  buf_vprintf(&msg, zFmt, ap);
  va_end(ap);
  char *zMsg = buf_detach(&msg);
  http_sanitise(zMsg);
  r->iErrCode = iCode;
  json_t *o = json_pack("{s:i, s:s, s:s, s:o}", "code", iCode, "message", zMsg, "request_id",
                        r->zRid, "field", zField && *zField ? json_string(zField) : json_null());
  if (json_is_object(pExtra)) json_object_update_missing(o, pExtra);
  http_json(r, http_code_status(iCode), o);
  free(zMsg);
  return -1;
}

void http_route_cap_text(const Route *p, char *z, size_t n) {
  z[0] = 0;
  size_t k = 0;
  const char *zSep = (p->flags & ROUTE_CAP_ANY) ? " or " : " and ";
  if (p->cap == CAP_PUBLIC) {
    snprintf(z, n, "public");
    return;
  }
  for (int i = 0; i < CAP_COUNT && k < n; i++) {
    if (!(p->cap & (1u << i))) continue;
    int m = snprintf(z + k, n - k, "%s%s", k ? zSep : "", auth_cap_name(1u << i));
    if (m < 0) break;
    k += (size_t)m;
  }
}

int http_route_allows(const Route *p, const AuthUser *u) {
  if (p->cap == CAP_PUBLIC) return 1;
  if (p->flags & ROUTE_CAP_ANY) return u && (u->caps & p->cap) != 0;
  return auth_has(u, p->cap);
}

/* ---- URL decoding ------------------------------------------------------------------- */

static int http_hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char *http_url_decode(Arena *pArena, const char *z, size_t n, int bPlus) {
  char *zOut = arena_alloc(pArena, n + 1);
  size_t j = 0;
  for (size_t i = 0; i < n; i++) {
    if (z[i] == '%') {
      if (i + 2 >= n) return NULL;
      int h = http_hexval(z[i + 1]), l = http_hexval(z[i + 2]);
      if (h < 0 || l < 0) return NULL;
      zOut[j++] = (char)(h * 16 + l);
      i += 2;
    } else if (bPlus && z[i] == '+') {
      zOut[j++] = ' ';
    } else {
      zOut[j++] = z[i];
    }
  }
  zOut[j] = 0;
  if (strlen(zOut) != j) return NULL; /* %00 inside */
  return zOut;
}

int http_parse_query(Arena *pArena, const char *zQuery, HttpPair **paOut, int *pnOut) {
  int nAlloc = 1;
  for (const char *p = zQuery; *p; p++)
    if (*p == '&') nAlloc++;
  HttpPair *a = arena_alloc(pArena, sizeof(HttpPair) * (size_t)nAlloc);
  int n = 0;
  const char *z = zQuery;
  while (*z) {
    size_t nPart = strcspn(z, "&");
    if (nPart > 0) {
      const char *zEq = memchr(z, '=', nPart);
      size_t nName = zEq ? (size_t)(zEq - z) : nPart;
      char *zName = http_url_decode(pArena, z, nName, 1);
      char *zVal = zEq ? http_url_decode(pArena, zEq + 1, nPart - nName - 1, 1) : "";
      if (!zName || !zVal) return -1;
      a[n].zName = zName;
      a[n].zValue = zVal;
      n++;
    }
    z += nPart;
    if (*z == '&') z++;
  }
  *paOut = a;
  *pnOut = n;
  return 0;
}

const char *http_form(HttpReq *r, const char *zName) {
  HttpPair *a;
  int n;
  if (!r->zBody || http_parse_query(r->pArena, r->zBody, &a, &n)) return NULL;
  for (int i = 0; i < n; i++)
    if (strcmp(a[i].zName, zName) == 0) return a[i].zValue;
  return NULL;
}

/* ---- JSON bodies ----------------------------------------------------------------------- */

json_t *http_json_body(HttpReq *r, const char *const *azAllowed) {
  json_error_t err;
  json_t *o = r->nBody ? json_loadb(r->zBody, r->nBody, JSON_REJECT_DUPLICATES, &err) : NULL;
  if (!o || !json_is_object(o)) {
    json_decref(o);
    http_fail(r, KP_E_BAD_JSON, NULL, "the body must be a JSON object%s%s",
              r->nBody && !o ? ": " : "", r->nBody && !o ? err.text : "");
    return NULL;
  }
  const char *zKey;
  json_t *v;
  json_object_foreach(o, zKey, v) {
    int bOk = 0;
    for (int i = 0; azAllowed[i]; i++)
      if (strcmp(zKey, azAllowed[i]) == 0) bOk = 1;
    if (!bOk) {
      char *zField = arena_strdup(r->pArena, zKey);
      http_sanitise(zField);
      if (strlen(zField) > 64) zField[64] = 0;
      json_decref(o);
      http_fail(r, KP_E_UNKNOWN_FIELD, zField, "unknown field \"%s\"", zField);
      return NULL;
    }
  }
  return o;
}

const char *http_json_str(HttpReq *r, json_t *pObj, const char *zKey, size_t nMax,
                          int bRequired) {
  json_t *v = json_object_get(pObj, zKey);
  if (!v || json_is_null(v)) {
    if (bRequired) http_fail(r, KP_E_MISSING, zKey, "%s is required", zKey);
    return NULL;
  }
  if (!json_is_string(v) || json_string_length(v) != strlen(json_string_value(v))) {
    http_fail(r, KP_E_INVALID, zKey, "%s must be a string", zKey);
    return NULL;
  }
  if (json_string_length(v) > nMax) {
    http_fail(r, KP_E_INVALID, zKey, "%s is longer than %zu bytes", zKey, nMax);
    return NULL;
  }
  return arena_strdup(r->pArena, json_string_value(v));
}

/* ---- matching ------------------------------------------------------------------------ */

/* Does zPath match zPattern? When aArg is given, records the parameters in it. */
static int route_match(const char *zPat, const char *zPath, Arena *pArena, HttpPair *aArg,
                       int *pnArg) {
  const char *p = zPat, *s = zPath;
  int n = 0;
  while (*p) {
    if (*p != '{') {
      if (*p != *s) return 0;
      p++;
      s++;
      continue;
    }
    const char *zClose = strchr(p, '}');
    size_t nName = (size_t)(zClose - p - 1);
    int bRest = nName > 3 && memcmp(zClose - 3, "...", 3) == 0;
    if (bRest) nName -= 3;
    const char *zSuffix = zClose + 1;
    size_t nSuffix = strcspn(zSuffix, "/");
    const char *zVal;
    size_t nVal;
    if (bRest) {
      /* the rest of the path; never the API's namespace (an unknown API route is a 404,
      ** not a static file) */
      if (strncmp(zPath, "/api/", 5) == 0 || strcmp(zPath, "/api") == 0) return 0;
      zVal = s;
      nVal = strlen(s);
      s += nVal;
    } else {
      size_t nSeg = strcspn(s, "/");
      if (nSeg <= nSuffix || memcmp(s + nSeg - nSuffix, zSuffix, nSuffix) != 0) return 0;
      zVal = s;
      nVal = nSeg - nSuffix;
      s += nSeg;
    }
    if (aArg && n < HTTP_MAX_ARGS) {
      char *zName = arena_alloc(pArena, nName + 1);
      memcpy(zName, p + 1, nName);
      char *zV = arena_alloc(pArena, nVal + 1);
      memcpy(zV, zVal, nVal);
      aArg[n].zName = zName;
      aArg[n].zValue = zV;
      n++;
    }
    p = zSuffix + nSuffix;
  }
  if (*s) return 0;
  if (pnArg) *pnArg = n;
  return 1;
}

/* GET rows serve HEAD too. */
static int route_method_ok(const Route *p, const char *zMethod) {
  if (strcmp(p->zMethod, zMethod) == 0) return 1;
  return strcmp(zMethod, "HEAD") == 0 && strcmp(p->zMethod, "GET") == 0;
}

size_t http_body_limit(const char *zMethod, const char *zPath) {
  for (int i = 0; i < nRoute; i++)
    if (route_method_ok(&aRoute[i], zMethod) && route_match(aRoute[i].zPattern, zPath, NULL, NULL, NULL))
      return aRoute[i].nBodyMax;
  return 0;
}

/* Edit distance (small strings only), for "did you mean". */
static int route_distance(const char *a, const char *b) {
  int na = (int)strlen(a), nb = (int)strlen(b);
  if (na > 64 || nb > 64) return 99;
  int d[65][65];
  for (int i = 0; i <= na; i++) d[i][0] = i;
  for (int j = 0; j <= nb; j++) d[0][j] = j;
  for (int i = 1; i <= na; i++)
    for (int j = 1; j <= nb; j++) {
      int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
      if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
      d[i][j] = c;
    }
  return d[na][nb];
}

/* Is a path parameter's value well-formed? Each parameter name has one validator. */
static int route_arg_valid(const char *zName, const char *zValue) {
  if (strcmp(zName, "name") == 0) return auth_name_valid(zValue);
  if (strcmp(zName, "period") == 0) {
    Period per;
    char *zErr = NULL;
    int bOk = period_parse(zValue, &per, &zErr) == 0 && strcmp(per.zCode, zValue) == 0;
    free(zErr);
    return bOk;
  }
  if (strcmp(zName, "file") == 0) return 1; /* page_static does its own, stricter checks */
  if (strcmp(zName, "id") == 0) { /* a row id: 1 to 15 digits, no sign, no leading zero */
    size_t n = strlen(zValue);
    if (n == 0 || n > 15 || zValue[0] == '0') return 0;
    for (const char *z = zValue; *z; z++)
      if (*z < '0' || *z > '9') return 0;
    return 1;
  }
  if (strcmp(zName, "feed") == 0) { /* a built-in feed code: hotline (never a file path) */
    size_t n = strlen(zValue);
    if (n == 0 || n > 32) return 0;
    for (const char *z = zValue; *z; z++)
      if (!islower((unsigned char)*z) && !isdigit((unsigned char)*z) && *z != '_') return 0;
    return 1;
  }
  if (strcmp(zName, "code") == 0) { /* a unit code: 430421, P01 */
    size_t n = strlen(zValue);
    if (n == 0 || n > 16) return 0;
    for (const char *z = zValue; *z; z++)
      if (!isalnum((unsigned char)*z) && *z != '-' && *z != '_') return 0;
    return 1;
  }
  return 0;
}

/* Is zName one of the comma-separated zList? */
static int route_declares(const char *zList, const char *zName) {
  /* "*": the pages of the web UI, whose query strings (?period=2021-B4) are read by the UI in
  ** the browser, never by the server: any name is accepted and none is used */
  if (strcmp(zList, "*") == 0) return 1;
  size_t n = strlen(zName);
  for (const char *z = zList; *z;) {
    size_t nTok = strcspn(z, ",");
    if (nTok == n && strncmp(z, zName, n) == 0) return 1;
    z += nTok;
    if (*z == ',') z++;
  }
  return 0;
}

/* Does the request come from another site (a browser said so)? */
static int http_cross_origin(const HttpReq *r) {
  const char *zSite = http_header(r, "Sec-Fetch-Site");
  if (zSite && (strcmp(zSite, "cross-site") == 0 || strcmp(zSite, "same-site") == 0)) return 1;
  const char *zOrigin = http_header(r, "Origin");
  if (!zOrigin) return 0;
  const char *zHost = http_header(r, "Host");
  if (!zHost) return 1;
  const char *zRest = NULL;
  if (strncmp(zOrigin, "http://", 7) == 0) zRest = zOrigin + 7;
  else if (strncmp(zOrigin, "https://", 8) == 0) zRest = zOrigin + 8;
  return !zRest || strcasecmp(zRest, zHost) != 0;
}

/* Audits a refusal (best effort: a refusal is sent whether or not the record is written). */
static void http_audit_denied(HttpReq *r, const char *zEvent, const char *zWhy) {
  char *zObj = xasprintf("route:%s %s", r->pRoute ? r->pRoute->zMethod : r->zMethod,
                         r->pRoute ? r->pRoute->zPattern : "?");
  char *zPath = xstrndup(r->zPath, strnlen(r->zPath, 200));
  http_sanitise(zPath);
  json_t *d = json_pack("{s:s, s:s, s:s}", "why", zWhy, "path", zPath, "request_id", r->zRid);
  (void)audit_record(r->pDb, r->bUser ? r->user.zName : "-", r->zPeer, zEvent, zObj, "denied",
                     d);
  json_decref(d);
  free(zPath);
  free(zObj);
}

/* Loads the account of the request: `--as` (trusted, local) or the session cookie.
** Returns AUTH_OK, AUTH_NO_SESSION or AUTH_EXPIRED. */
static int http_load_user(HttpReq *r) {
  if (r->zAsUser) {
    if (auth_user_load(r->pDb, r->pArena, r->zAsUser, &r->user) || r->user.bDisabled)
      return AUTH_NO_SESSION;
    r->bUser = 1;
    r->user.bMustChange = 0; /* the operator acts for the account: no password involved */
    return AUTH_OK;
  }
  const char *zTok = http_cookie(r, http_cookie_name(r));
  if (!zTok) return AUTH_NO_SESSION;
  int rc = auth_session_load(r->pDb, r->pArena, zTok, r->zPeer, &r->user, r->zCsrf);
  if (rc == AUTH_OK) {
    r->bUser = 1;
    r->zToken = zTok;
  }
  return rc;
}

/* The prologue of http.h: 0 when the handler may run (r->pRoute set), -1 when a response
** is set. */
static int http_prologue(HttpReq *r) {
  const char *zPath = r->zPath;
  if (!zPath || zPath[0] != '/' || strlen(zPath) > 2048) {
    http_fail(r, KP_E_INVALID, NULL, "bad request path");
    return -1;
  }
  for (const char *z = zPath; *z; z++) {
    if ((unsigned char)*z < 0x20 || *z == 0x7f) {
      http_fail(r, KP_E_INVALID, NULL, "bad request path");
      return -1;
    }
  }
  /* route: 404 when no pattern matches, 405 when only the method is wrong */
  const Route *pFound = NULL;
  Buf allow = BUF_INIT;
  for (int i = 0; i < nRoute && !pFound; i++) {
    if (!route_match(aRoute[i].zPattern, zPath, NULL, NULL, NULL)) continue;
    if (route_method_ok(&aRoute[i], r->zMethod)) {
      pFound = &aRoute[i];
    } else if (!strstr(buf_str(&allow), aRoute[i].zMethod)) {
      if (allow.n) buf_puts(&allow, ", ");
      buf_puts(&allow, aRoute[i].zMethod);
      if (strcmp(aRoute[i].zMethod, "GET") == 0) buf_puts(&allow, ", HEAD");
    }
  }
  if (!pFound) {
    if (allow.n) {
      http_fail(r, KP_E_METHOD, NULL, "method %.10s is not allowed here (allowed: %s)",
                r->zMethod, buf_str(&allow));
      http_add_header(r, "Allow", buf_str(&allow));
    } else {
      const char *zBest = NULL;
      int iBest = 4;
      for (int i = 0; i < nRoute; i++) {
        if (strchr(aRoute[i].zPattern, '{')) continue;
        int d = route_distance(zPath, aRoute[i].zPattern);
        if (d < iBest) {
          iBest = d;
          zBest = aRoute[i].zPattern;
        }
      }
      if (zBest && strcmp(zBest, "/") != 0)
        http_fail(r, KP_E_NOT_FOUND, NULL, "no such page (did you mean %s?)", zBest);
      else
        http_fail(r, KP_E_NOT_FOUND, NULL, "no such page");
    }
    buf_free(&allow);
    return -1;
  }
  buf_free(&allow);
  r->pRoute = pFound;
  route_match(pFound->zPattern, zPath, r->pArena, r->aArg, &r->nArg);

  /* declared parameters only */
  for (int i = 0; i < r->nArg; i++) {
    if (!route_arg_valid(r->aArg[i].zName, r->aArg[i].zValue)) {
      http_fail(r, KP_E_INVALID, r->aArg[i].zName, "bad %s in the path", r->aArg[i].zName);
      return -1;
    }
  }
  for (int i = 0; i < r->nQuery; i++) {
    if (!route_declares(pFound->zParams, r->aQuery[i].zName)) {
      char *zName = arena_strdup(r->pArena, r->aQuery[i].zName);
      http_sanitise(zName);
      if (strlen(zName) > 64) zName[64] = 0;
      http_fail(r, KP_E_UNKNOWN_PARAM, zName, "unknown query parameter \"%s\"", zName);
      return -1;
    }
  }

  /* body: size, then type */
  if (r->nBody > pFound->nBodyMax) {
    http_fail(r, KP_E_TOO_LARGE, NULL, "the body is larger than %zu bytes", pFound->nBodyMax);
    return -1;
  }
  if (r->nBody > 0 && !(pFound->flags & ROUTE_RAW)) {
    const char *zType = http_header(r, "Content-Type");
    const char *zWant = (pFound->flags & ROUTE_FORM) ? "application/x-www-form-urlencoded"
                                                     : "application/json";
    size_t nWant = strlen(zWant);
    if (!zType || strncasecmp(zType, zWant, nWant) != 0 ||
        (zType[nWant] != 0 && zType[nWant] != ';' && zType[nWant] != ' ')) {
      http_fail(r, KP_E_MEDIA_TYPE, NULL, "the body must be %s", zWant);
      return -1;
    }
  }

  /* who is asking */
  if (pFound->flags & ROUTE_SNAPSHOT) r->iSnap = db_read_begin(r->pDb);
  r->bCrossOrigin = http_cross_origin(r);
  int rcUser = http_load_user(r);
  if (pFound->cap != CAP_PUBLIC) {
    if (!r->bUser) {
      if (rcUser == AUTH_EXPIRED)
        http_fail(r, KP_E_SESSION_EXPIRED, NULL, "the session has expired: sign in again");
      else
        http_fail(r, KP_E_LOGIN_REQUIRED, NULL, "sign in first");
      return -1;
    }
    if (r->user.bMustChange && !(pFound->flags & ROUTE_MUST_CHANGE_OK)) {
      http_fail(r, KP_E_MUST_CHANGE, NULL,
                r->user.bExpired ? "the password has expired: change it first (POST "
                                   "/api/password)" :
                r->user.bPasswordChange ? "the initial password must be changed first (POST "
                                          "/api/password)"
                                        : "this account needs a second factor: enrol one "
                                          "first (POST /api/totp/enrol, then /api/totp/confirm)");
      return -1;
    }
    if (!http_route_allows(pFound, &r->user)) {
      char zNeed[160];
      http_route_cap_text(pFound, zNeed, sizeof zNeed);
      http_audit_denied(r, "access.denied", zNeed);
      http_fail(r, KP_E_FORBIDDEN, NULL, "this account may not do that (needs %s)", zNeed);
      return -1;
    }
  }

  /* CSRF, for everything but safe methods */
  if (pFound->eCsrf != CSRF_NONE) {
    if (r->bCrossOrigin) {
      http_audit_denied(r, "csrf.denied", "cross-origin");
      http_fail(r, KP_E_CROSS_ORIGIN, NULL, "request from another origin refused");
      return -1;
    }
    if (pFound->eCsrf == CSRF_TOKEN && !r->zAsUser) {
      const char *zGiven = http_header(r, "X-CSRF-Token");
      if (!zGiven && (pFound->flags & ROUTE_FORM)) zGiven = http_form(r, "csrf");
      if (!r->zToken || !auth_csrf_check(r->zToken, zGiven)) {
        http_audit_denied(r, "csrf.denied", zGiven ? "wrong token" : "no token");
        http_fail(r, KP_E_CSRF, NULL, "missing or wrong CSRF token (X-CSRF-Token)");
        return -1;
      }
    }
  }

  return 0;
}

/* The handler of a request whose prologue passed. */
static void http_run(HttpReq *r) {
  const Route *pFound = r->pRoute;
  /* Backstop (R10): a request another site sent runs on a read-only connection. */
  if (r->bCrossOrigin) db_exec(r->pDb, "PRAGMA query_only = 1");
  int rc = pFound->xHandler(r);
  if (r->bCrossOrigin) db_exec(r->pDb, "PRAGMA query_only = 0");
  if (rc && r->iStatus < 400) http_fail(r, KP_E_INTERNAL, NULL, "internal error");
  if (r->iStatus == 0) http_fail(r, KP_E_INTERNAL, NULL, "the handler gave no response");
}

void http_finish(HttpReq *r) {
  Buf csp = BUF_INIT;
  buf_printf(&csp,
             "default-src 'self'; script-src 'self' 'nonce-%s'; style-src 'self' 'nonce-%s'%s%s; "
             "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
             "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
             r->zNonce, r->zNonce, r->zCspExtra ? " " : "", r->zCspExtra ? r->zCspExtra : "");
  http_add_header(r, "Content-Security-Policy", buf_str(&csp));
  buf_free(&csp);
  http_add_header(r, "X-Content-Type-Options", "nosniff");
  http_add_header(r, "X-Frame-Options", "DENY");
  http_add_header(r, "Referrer-Policy", "no-referrer");
  http_add_header(r, "Cross-Origin-Opener-Policy", "same-origin");
  http_add_header(r, "Cross-Origin-Resource-Policy", "same-origin");
  http_add_header(r, "Permissions-Policy", "camera=(), microphone=(), payment=(), usb=()");
  http_add_header(r, "Cache-Control",
                  r->zCacheControl ? r->zCacheControl : r->bStatic ? "no-cache" : "no-store");
  if (r->pCfg && r->pCfg->bTlsProxy)
    http_add_header(r, "Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  http_add_header(r, "X-Request-Id", r->zRid);
  http_add_header(r, "Content-Type", r->zContentType);
}

/* One line per request on stderr: no cookie, token or body ever. */
static void http_log(const HttpReq *r, double rMs) {
  char zNow[32];
  db_now(zNow);
  char zPath[201];
  snprintf(zPath, sizeof zPath, "%s", r->zPath ? r->zPath : "?");
  http_sanitise(zPath);
  char zMethod[11];
  snprintf(zMethod, sizeof zMethod, "%s", r->zMethod ? r->zMethod : "?");
  http_sanitise(zMethod);
  char zCode[16] = "";
  if (r->iErrCode) snprintf(zCode, sizeof zCode, " e%d", r->iErrCode);
  /* one write(2) per line: stderr is unbuffered, and fprintf would hold its lock across
  ** several writes while the other pool threads wait (bench/http profile) */
  Buf line = BUF_INIT;
  buf_printf(&line, "%s %s %s %s %d%s %s rid=%s %.1fms\n", zNow, r->zPeer ? r->zPeer : "-",
             zMethod, zPath, r->iStatus, zCode, r->bUser ? r->user.zName : "-", r->zRid, rMs);
  for (size_t nDone = 0; nDone < line.n;) {
    ssize_t n = write(STDERR_FILENO, line.z + nDone, line.n - nDone);
    if (n <= 0) break; /* the log is best effort: a full disk must not stop the server */
    nDone += (size_t)n;
  }
  buf_free(&line);
}

static void http_end(HttpReq *r, const struct timespec *t0) {
  struct timespec t1;
  db_read_end(r->pDb, r->iSnap);
  r->iSnap = 0;
  http_finish(r);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  http_log(r, (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6);
}

void http_dispatch(HttpReq *r) {
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (http_prologue(r) == 0) http_run(r);
  http_end(r, &t0);
}

int http_dispatch_begin(HttpReq *r) {
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (http_prologue(r) == 0) return 0;
  http_end(r, &t0);
  return -1;
}

void http_dispatch_end(HttpReq *r) {
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  http_run(r);
  http_end(r, &t0);
}

unsigned http_route_flags(const char *zMethod, const char *zPath) {
  for (int i = 0; i < nRoute; i++)
    if (route_method_ok(&aRoute[i], zMethod) && route_match(aRoute[i].zPattern, zPath, NULL, NULL, NULL))
      return aRoute[i].flags;
  return 0;
}

void http_reject(HttpReq *r, int iCode, const char *zMessage) {
  http_fail(r, iCode, NULL, "%s", zMessage);
  http_finish(r);
  http_log(r, 0);
}
