/*
** feed/def.h: feed definitions (数据源定义) — how the columns of a bulk record export (12345
** hotline work orders, electricity use, ...) map to typed fields, and which indicators are
** derived from the records per unit and period. Pure: parsing a definition, parsing the
** values of a record (times, numbers) and nothing else; no file or database I/O.
**
** A definition is JSON (docs/feeds.md); the hotline feed of data-formats.md is built in as
** the same JSON text, so the built-in and the user's feeds go through one parser.
**
** Invariants after feed_def_parse succeeds: every field index in a condition or indicator is
** valid; the id, unit and period fields exist and have types id, unit and time; a duration
** names two time fields; a rate has a numerator; field codes and header names are unique.
*/
#ifndef KP_FEED_DEF_H
#define KP_FEED_DEF_H
#include <stdint.h>

typedef enum {
  FEED_ID = 0,   /* record id, unique within the feed */
  FEED_UNIT,     /* unit code (考核单位) */
  FEED_TIME,     /* local time: YYYY-MM-DD[ HH:MM[:SS]] (also / and T) */
  FEED_CATEGORY, /* a short code or label compared by equality */
  FEED_NUMBER,   /* a decimal number */
  FEED_TEXT      /* free text, stored, never interpreted */
} FeedType;

typedef struct FeedField {
  char *zCode;     /* e.g. "accepted_at" */
  char *zHeader;   /* the export's header, e.g. "受理时间" */
  char **azAlias;  /* other headers that mean the same column */
  int nAlias;
  FeedType eType;
  int bRequired;   /* an empty value makes the row bad */
} FeedField;

typedef enum {
  FEED_OP_IN = 0,     /* value equals one of azValue */
  FEED_OP_NOT_IN,     /* value is non-empty and equals none of azValue */
  FEED_OP_EMPTY,      /* value is empty */
  FEED_OP_PRESENT,    /* value is non-empty */
  FEED_OP_LE_FIELD,   /* time/number field <= field iField2, both present */
  FEED_OP_LT_FIELD    /* time/number field <  field iField2, both present */
} FeedOp;

typedef struct FeedCond {
  int iField;
  FeedOp eOp;
  char **azValue;
  int *anValue;    /* byte lengths of azValue */
  int nValue;
  int iField2;
} FeedCond;

typedef enum { FEED_COUNT = 0, FEED_RATE, FEED_SUM, FEED_MEAN, FEED_MEDIAN } FeedAgg;

typedef struct FeedIndicator {
  char *zCode;     /* e.g. "hotline.ontime_rate" */
  char *zName;     /* e.g. "按时办结率" */
  char *zUnit;     /* display unit, e.g. "件", "比率", "小时" */
  FeedAgg eAgg;
  int *aWhere;     /* conditions (AND) a row must meet to count at all (rate: denominator) */
  int nWhere;
  int *aNum;       /* rate only: conditions (AND) for the numerator, among aWhere's rows */
  int nNum;
  int iValue;      /* sum/mean/median of a number field, or -1 */
  int iFrom, iTo;  /* ... or of the duration iTo - iFrom between two time fields (else -1) */
  double rPerUnit; /* seconds per output unit of a duration (3600 for hours) */
} FeedIndicator;

typedef struct FeedDef {
  char *zCode;     /* e.g. "hotline" */
  char *zName;     /* e.g. "12345热线工单" */
  FeedField *aField;
  int nField;
  int iId, iUnit, iPeriod; /* field indices */
  FeedCond *aCond;
  int nCond;
  FeedIndicator *aInd;
  int nInd;
} FeedDef;

/* Parses a definition from JSON text. Returns NULL and sets *pzErr (malloc'd, naming the
** place: "fields[3].type: ...") when it is not valid. zName names the source in messages. */
FeedDef *feed_def_parse(const char *zName, const char *zJson, char **pzErr);
/* The built-in definition of the 12345 hotline (data-formats.md), or NULL for another code. */
FeedDef *feed_def_builtin(const char *zCode);
/* The built-in definitions' JSON text (for `feed show` and docs), or NULL. */
const char *feed_def_builtin_json(const char *zCode);
void feed_def_free(FeedDef *p);

/* Index of the field whose header or alias equals z (n bytes, blanks trimmed), or -1. */
int feed_def_match_header(const FeedDef *p, const char *z, int n);

/* Parses a local time (n bytes, surrounding blanks allowed) into seconds since
** 1970-01-01 00:00 of the same calendar (no time zone involved). Accepts YYYY-MM-DD or
** YYYY/MM/DD, optionally followed by a blank or 'T' and H:MM or H:MM:SS (a fraction of a
** second is ignored). Returns 0, or -1 when it is not such a time or not a real date. */
int feed_parse_time(const char *z, int n, int64_t *pT);
/* Year and month (1-12) of a time from feed_parse_time. */
void feed_time_month(int64_t t, int *piYear, int *piMonth);
/* Strict decimal number of n bytes (see text_parse_double). Returns 0 or -1. */
int feed_parse_number(const char *z, int n, double *pr);

#endif
