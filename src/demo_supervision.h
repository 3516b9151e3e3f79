/*
** demo_supervision.h: the supervision part of `kaoping demo` (demo_supervision.c).
*/
#ifndef KP_DEMO_SUPERVISION_H
#define KP_DEMO_SUPERVISION_H

/* Loads the shipped holiday calendars and a small synthetic supervision record into the
** demo database zDb (after the demo accounts exist). Returns an exit code. */
int demo_supervision(const char *zDb);

#endif
