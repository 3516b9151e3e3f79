/*
** evidence_demo.h: the demo's evidence photos (evidence_demo.c).
*/
#ifndef KP_EVIDENCE_DEMO_H
#define KP_EVIDENCE_DEMO_H

/* Attaches synthetic photos and a report to the demo's first findings and projects (after
** demo_supervision). Returns an exit code. */
int evidence_demo(const char *zDb);

#endif
